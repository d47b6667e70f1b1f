"""Read recordings for segmentation: validate, pick a channel, stream in overlapping chunks, resample to 250 kHz.

Any file soundfile (libsndfile) reads is accepted (WAV, FLAC, AIFF, W64, ...). The sample rate must be at least
250 kHz, so that the 45-125 kHz USV band is recorded. Other rates are brought onto the training time-frequency
grid by polyphase resampling to 250 kHz (``scipy.signal.resample_poly`` with the reduced fraction, e.g.
300 kHz -> 250 kHz is up 5, down 6). Chunks start on multiples of ``down`` input samples, so chunk ``k`` maps
exactly onto output sample ``start * up / down`` and the file's output length is ``ceil(n * up / down)``.

Each chunk owns the time range ``[own_start_s, own_end_s)`` (the owned ranges tile the file exactly once) and
carries ``pad_s`` seconds of context on both sides, so events crossing a border are seen whole by the chunk
that owns their onset.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.signal
import soundfile as sf

from usvmask.errors import UsvmaskError
from usvmask.spectrogram import SAMPLE_RATE_HZ, WINDOW

MIN_RATE_HZ = SAMPLE_RATE_HZ


@dataclass(frozen=True)
class AudioInfo:
    """A validated recording: its path, native rate, channel count, frames and the resampling fraction."""

    path: Path
    sample_rate: int
    channels: int
    frames: int
    up: int
    down: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate


@dataclass(frozen=True)
class Chunk:
    """Audio at 250 kHz starting at ``t0_s`` (file time); it owns onsets in ``[own_start_s, own_end_s)``."""

    audio: np.ndarray
    t0_s: float
    own_start_s: float
    own_end_s: float


def _wav_declared_frames(path: Path, block_align: int) -> int | None:
    """Frames the WAV header declares (None when not a plain RIFF/WAVE file or the size is a placeholder)."""
    with open(path, "rb") as handle:
        head = handle.read(65536)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos = 12
    while pos + 8 <= len(head):
        tag, size = head[pos : pos + 4], struct.unpack("<I", head[pos + 4 : pos + 8])[0]
        if tag == b"data":
            return None if size in (0, 0xFFFFFFFF) else size // max(block_align, 1)
        pos += 8 + size + (size & 1)
    return None


def _block_align(info: sf._SoundFileInfo) -> int:
    bits = {"PCM_U8": 1, "PCM_S8": 1, "PCM_16": 2, "PCM_24": 3, "PCM_32": 4, "FLOAT": 4, "DOUBLE": 8}
    return bits.get(info.subtype, 0) * info.channels


def _not_audio(path: Path) -> str | None:
    """Why ``path`` is plainly not audio, before libsndfile is asked (whose mp3 decoder prints to stderr)."""
    if path.stat().st_size == 0:
        return "the file is empty (0 bytes)"
    if path.suffix.lower() in (".mp3", ".mpeg", ".mpga"):
        with open(path, "rb") as handle:
            head = handle.read(3)
        if head != b"ID3" and not (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
            return "not MP3 data: no ID3 tag or MPEG frame header at the start"
    return None


def _read_info(path: Path) -> sf._SoundFileInfo:
    """libsndfile's view of ``path``, or a one-line error saying what is wrong with the file."""
    try:
        reason = _not_audio(path)
        if reason is None:
            return sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError) as err:
        reason = str(err).split(":")[-1].strip().rstrip(".") or type(err).__name__
        if "possibly a pipe" in reason or "not recognised" in reason.lower():
            reason = f"its contents are not {path.suffix.lstrip('.').upper() or 'audio'} audio libsndfile can decode"
    except OSError as err:
        reason = (err.strerror or type(err).__name__).lower()
    raise UsvmaskError(f"{path}: not a readable audio file ({reason}); convert it to WAV or FLAC")


def probe(path: str | Path, *, channel: int = 0) -> AudioInfo:
    """Validate ``path`` (readable audio, >= 250 kHz, not empty, not truncated, ``channel`` present)."""
    path = Path(path)
    info = _read_info(path)
    if info.frames <= 0:
        raise UsvmaskError(f"{path}: holds no samples (zero length); re-export the recording")
    if info.samplerate < MIN_RATE_HZ:
        raise UsvmaskError(
            f"{path}: sample rate {info.samplerate} Hz is below the minimum {MIN_RATE_HZ} Hz needed for the "
            f"45-125 kHz USV band; record at >= {MIN_RATE_HZ // 1000} kHz"
        )
    if not 0 <= channel < info.channels:
        raise UsvmaskError(f"{path}: has {info.channels} channel(s), no channel {channel}; pick 0..{info.channels - 1}")
    declared = _wav_declared_frames(path, _block_align(info)) if info.format == "WAV" else None
    if declared is not None and declared > info.frames:
        raise UsvmaskError(
            f"{path}: truncated (header declares {declared / info.samplerate:.3f} s, file holds "
            f"{info.frames / info.samplerate:.3f} s); copy the file again or repair its header"
        )
    if info.frames * SAMPLE_RATE_HZ < WINDOW * info.samplerate:
        raise UsvmaskError(
            f"{path}: holds {info.frames} samples ({info.frames / info.samplerate * 1e3:.2f} ms), shorter than one "
            f"{WINDOW}-sample STFT window at {SAMPLE_RATE_HZ // 1000} kHz; give a longer recording"
        )
    g = math.gcd(SAMPLE_RATE_HZ, int(info.samplerate))
    return AudioInfo(path, int(info.samplerate), info.channels, int(info.frames), SAMPLE_RATE_HZ // g,
                     int(info.samplerate) // g)


def _to_target(x: np.ndarray, up: int, down: int) -> np.ndarray:
    if up == down:
        return x
    return scipy.signal.resample_poly(x, up, down).astype(np.float32)


def _check_finite(x: np.ndarray, path: Path, first_frame: int, rate: int) -> None:
    bad = ~np.isfinite(x)
    if bad.any():
        at = (first_frame + int(np.argmax(bad))) / rate
        raise UsvmaskError(f"{path}: NaN or infinite sample at {at:.3f} s; repair or re-export the recording")


def chunk_bounds(frames: int, down: int, rate: int, *, chunk_s: float, pad_s: float) -> list[tuple[int, int]]:
    """Owned input-sample ranges ``[start, stop)`` tiling ``frames``; every start is a multiple of ``down``."""
    if chunk_s <= 0 or pad_s < 0:
        raise UsvmaskError(f"chunk_s/pad_s: need chunk_s > 0 and pad_s >= 0, got {chunk_s}, {pad_s}")
    step = max(down, int(round(chunk_s * rate / down)) * down)
    return [(s, min(s + step, frames)) for s in range(0, frames, step)]


def _chunks(read, frames: int, rate: int, up: int, down: int, name: Path, chunk_s: float,
            pad_s: float) -> Iterator[Chunk]:
    pad = int(math.ceil(pad_s * rate / down)) * down
    bounds = chunk_bounds(frames, down, rate, chunk_s=chunk_s, pad_s=pad_s)
    for i, (start, stop) in enumerate(bounds):
        lo, hi = max(start - pad, 0), min(stop + pad, frames)
        x = read(lo, hi)
        _check_finite(x, name, lo, rate)
        own_end = stop / rate if i < len(bounds) - 1 else math.inf
        yield Chunk(_to_target(x, up, down), lo / rate, start / rate, own_end)


def iter_chunks(info: AudioInfo, *, channel: int = 0, chunk_s: float = 10.0, pad_s: float = 0.5) -> Iterator[Chunk]:
    """Stream ``info.path`` as overlapping 250 kHz chunks (only one chunk is in memory at a time)."""
    with sf.SoundFile(str(info.path)) as handle:

        def read(lo: int, hi: int) -> np.ndarray:
            handle.seek(lo)
            block = handle.read(hi - lo, dtype="float32", always_2d=True)
            if len(block) < hi - lo:
                raise UsvmaskError(f"{info.path}: ended early at {(lo + len(block)) / info.sample_rate:.3f} s "
                                   "(truncated); copy the file again")
            return np.ascontiguousarray(block[:, channel])

        yield from _chunks(read, info.frames, info.sample_rate, info.up, info.down, info.path, chunk_s, pad_s)


def iter_array_chunks(audio: np.ndarray, sample_rate: int = SAMPLE_RATE_HZ, *, chunk_s: float = 10.0,
                      pad_s: float = 0.5) -> Iterator[Chunk]:
    """The same chunks as ``iter_chunks`` for a 1-D array already in memory (used on synthetic recordings)."""
    if sample_rate < MIN_RATE_HZ:
        raise UsvmaskError(f"sample_rate: {sample_rate} Hz is below the minimum {MIN_RATE_HZ} Hz; record faster")
    g = math.gcd(SAMPLE_RATE_HZ, int(sample_rate))
    x = np.asarray(audio, dtype=np.float32)
    yield from _chunks(lambda lo, hi: x[lo:hi], len(x), int(sample_rate), SAMPLE_RATE_HZ // g,
                       int(sample_rate) // g, Path("audio"), chunk_s, pad_s)
