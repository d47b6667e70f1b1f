"""Synthetic VocalMat-like data: call contours, audio rendering, candidate corpus and long recordings."""

from usvmask.synth.corpus import PAPER_PRESET, Corpus, make_corpus
from usvmask.synth.recording import make_recording

__all__ = ["PAPER_PRESET", "Corpus", "make_corpus", "make_recording"]
