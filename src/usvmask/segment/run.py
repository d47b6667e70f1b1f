"""Segment recordings: paths -> validated files -> calls per file -> one run folder.

The run folder holds ``calls.csv`` (every call of every file that succeeded, with a ``file`` column), optional
``calls.xlsx``, ``files/<name>.csv`` (written as soon as each file is done, so finished work survives an
interrupted run), ``masks/<name>.zip`` (per-call mask PNGs), ``figures/<name>.png`` (overview with calls
outlined) and ``run.json`` (files done, files failed with the reason, timings). A file that fails is named in
``run.json`` and the log, and nothing of it is written; the other files go on. The run folder is checked before
any work, and the temporary files a killed run left in it are deleted at the start.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf
from tqdm.auto import tqdm

from usvmask.data.store import check_writable, name_limit, name_too_long, remove_stale_temps, write_json
from usvmask.errors import UsvmaskError, describe_os_error
from usvmask.segment.audio import AudioInfo, iter_array_chunks, iter_chunks, probe
from usvmask.segment.candidates import Predict
from usvmask.segment.core import SegmentSettings, Timings, segment_chunks
from usvmask.segment.outputs import MaskZip, Overview, write_overview, write_tables

log = logging.getLogger(__name__)
OUT_FOLDERS = ("masks", "figures", "files")  # sub-folders of the run folder, one file per recording in each
AUDIO_SUFFIXES = frozenset("." + ext.lower() for ext in sf.available_formats()) | {".wave", ".aif"}


@dataclass
class RunResult:
    """What a run did: the combined table, files done/failed (path -> reason), audio seconds, timings."""

    table: pd.DataFrame
    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    audio_s: float = 0.0
    wall_s: float = 0.0
    timings: Timings = field(default_factory=Timings)


def collect_inputs(paths: Sequence[str | Path], *, recursive: bool = False) -> tuple[list[Path], dict[str, str]]:
    """Audio files named by ``paths`` (files as given; folders listed by suffix) and errors for unreadable ones."""
    files: list[Path] = []
    errors: dict[str, str] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            try:
                found = path.rglob("*") if recursive else path.iterdir()
                files.extend(sorted(p for p in found if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES))
            except OSError as err:
                errors[str(path)] = f"{path}: cannot list the folder ({err.strerror}); check its permissions"
        elif path.is_file():
            files.append(path)
        else:
            errors[str(path)] = f"{path}: no such file or folder; check the path"
    return list(dict.fromkeys(files)), errors


def make_predictor(model_path: str | Path, *, batch_size: int = 32, device: str = "auto",
                   backend: str = "auto") -> tuple[Predict, dict]:
    """``predict(images uint8 (N,H,W)) -> probabilities (N, s, s)`` at the model's input size ``s``, and its card.

    The one prediction path (``usvmask.infer.predictor``): images are resized to the checkpoint's input size and
    run on ``backend`` ("auto" = the fastest CPU path); ``candidates.stitch`` resizes the probabilities back.
    """
    from usvmask.infer.predictor import load_predictor

    predictor, meta = load_predictor(model_path, backend=backend, device=device, batch_size=batch_size)

    def predict(images: np.ndarray) -> np.ndarray:
        return predictor.predict_model_size(predictor.to_input_size(images))

    return predict, dict(meta, input_size=predictor.input_size, backend=predictor.backend)


def segment_audio(audio: np.ndarray, sample_rate: int, predict: Predict, settings: SegmentSettings,
                  timings: Timings | None = None) -> pd.DataFrame:
    """Calls of an in-memory 1-D recording (see ``segment_chunks``)."""
    chunks = iter_array_chunks(audio, sample_rate, chunk_s=settings.chunk_s, pad_s=settings.pad_s)
    return segment_chunks(chunks, predict, settings, timings=timings)


def _unique_names(files: list[Path]) -> list[str]:
    names, seen = [], {}
    for path in files:
        seen[path.stem] = seen.get(path.stem, 0) + 1
        names.append(path.stem if seen[path.stem] == 1 else f"{path.stem}_{seen[path.stem]}")
    return names


def segment_file(path: Path, name: str, out_dir: Path, predict: Predict, settings: SegmentSettings, *,
                 channel: int = 0, timings: Timings | None = None, bar: tqdm | None = None) -> pd.DataFrame:
    """Segment one recording; writes its figure, mask zip and ``files/<name>.csv`` only if it succeeds."""
    too_long = name_too_long(out_dir, f"{name}.zip", limit=name_limit(out_dir))
    if too_long:
        raise UsvmaskError(f"{path}: its output file name (<name>.zip) is {too_long}; give the recording a "
                           "shorter name")
    info = probe(path, channel=channel)
    overview = Overview(info.duration_s)
    masks = MaskZip(out_dir / "masks" / f"{name}.zip")

    def seen(chunk, mag, times) -> None:
        overview.add(chunk, mag, times)
        if bar is not None:
            bar.update(min(chunk.own_end_s, info.duration_s) - chunk.own_start_s)

    try:
        chunks = iter_chunks(info, channel=channel, chunk_s=settings.chunk_s, pad_s=settings.pad_s)
        table = segment_chunks(chunks, predict, settings, mask_sink=masks, on_chunk=seen, timings=timings)
        table.insert(0, "file", str(path))
        table.insert(1, "call", np.arange(1, len(table) + 1))
        write_overview(out_dir / "figures" / f"{name}.png", overview, table, title=path.name)
        write_tables(out_dir / "files", table, stem=name)
    except BaseException:
        masks.discard()
        raise
    masks.commit()
    return table


def _summary(result: RunResult, settings: SegmentSettings, model_path: str | Path) -> dict:
    return {
        "model": str(model_path), "files_done": result.done, "files_failed": result.failed,
        "calls": int(len(result.table)), "audio_s": round(result.audio_s, 3), "wall_s": round(result.wall_s, 3),
        "x_realtime": round(result.audio_s / result.wall_s, 2) if result.wall_s > 0 else None,
        "seconds": {k: round(v, 3) for k, v in result.timings.seconds.items()},
        "candidates": result.timings.candidates, "settings": vars(settings),
    }


def segment_paths(paths: Sequence[str | Path], *, model: str | Path, out_dir: str | Path,
                  settings: SegmentSettings | None = None, channel: int = 0, recursive: bool = False,
                  xlsx: bool = False, device: str = "auto", backend: str = "auto",
                  progress: bool = True) -> RunResult:
    """Segment every recording named by ``paths`` into ``out_dir``; failures are recorded, not raised.

    Raises (nothing written) when no input is usable, ``out_dir`` cannot be written or the model cannot be read."""
    settings = settings or SegmentSettings()
    out_dir = Path(out_dir)
    infos, failed = _usable_inputs(paths, recursive=recursive, channel=channel)
    check_writable(out_dir, folder=True)
    predict, card = make_predictor(model, batch_size=settings.batch_size, device=device, backend=backend)
    settings = settings.with_card(card)
    for folder in (out_dir, *(out_dir / sub for sub in OUT_FOLDERS)):
        remove_stale_temps(folder)
    result, tables, start = RunResult(pd.DataFrame(), failed=failed), [], time.perf_counter()
    total = sum(info.duration_s for info in infos.values())
    with tqdm(total=round(total, 3), unit="s", desc="segment", disable=None if progress else True,
              leave=False) as bar:
        for path, name in zip(infos, _unique_names(list(infos))):
            try:
                table = segment_file(path, name, out_dir, predict, settings, channel=channel,
                                     timings=result.timings, bar=bar)
            except Exception as err:  # noqa: BLE001 - one bad file must not lose the others' results
                result.failed[str(path)] = _reason(path, err)
                log.error("%s", result.failed[str(path)])
                log.debug("traceback of %s", path, exc_info=True)  # shown with usvmask --debug
                continue
            tables.append(table)
            result.done.append(str(path))
            result.audio_s += infos[path].duration_s
    result.wall_s = time.perf_counter() - start
    result.table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    if tables:
        write_tables(out_dir, result.table, xlsx=xlsx)
    write_json(out_dir / "run.json", _summary(result, settings, model))
    return result


def _usable_inputs(paths: Sequence[str | Path], *, recursive: bool,
                   channel: int) -> tuple[dict[Path, AudioInfo], dict[str, str]]:
    """The recordings that pass ``probe`` and (path -> reason) for the others; an error if none passes."""
    files, failed = collect_inputs(paths, recursive=recursive)
    infos: dict[Path, AudioInfo] = {}
    for path in files:
        try:
            infos[path] = probe(path, channel=channel)
        except (UsvmaskError, OSError) as err:
            failed[str(path)] = _reason(path, err)
    if not infos:
        more = f" (and {len(failed) - 1} more failing)" if len(failed) > 1 else ""
        first = next(iter(failed.values()), f"{', '.join(map(str, paths))}: no audio files found; pass WAV files "
                                            "or folders of them")
        raise UsvmaskError(first + more)
    for reason in failed.values():
        log.error("%s", reason)
    return infos, failed


def _reason(path: Path, err: Exception) -> str:
    """One line naming ``path`` for a file's failure."""
    if isinstance(err, OSError):
        text = describe_os_error(err)
    elif isinstance(err, UsvmaskError):
        text = str(err).replace("\n", " ")
    else:
        return f"{path}: unexpected {type(err).__name__} ({err}); report it with the file"
    return text if text.startswith(str(path)) else f"{path}: {text}"
