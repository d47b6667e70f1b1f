"""Segment recordings: audio files -> candidate windows -> call masks -> one row per call.

``audio`` reads, validates, resamples and streams; ``detect`` finds cheap candidate windows; ``candidates`` cuts
VocalMat candidate images and stitches model probabilities back; ``calls`` turns masks into calls; ``core`` runs
the chunks; ``run`` handles files and the run folder; ``outputs`` writes tables, masks and figures; ``cli`` is
the ``usvmask segment`` command. Entry points: ``usvmask.segment.run.segment_paths`` and ``segment_audio``.
"""
