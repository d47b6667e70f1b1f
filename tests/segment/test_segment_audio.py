"""Reading recordings: chunks tile the file once, resampling lengths, and one-line errors on bad input."""

import math

import numpy as np
import pytest
import soundfile as sf

from usvmask.errors import UsvmaskError
from usvmask.segment.audio import chunk_bounds, iter_array_chunks, iter_chunks, probe


def test_chunk_bounds_tile_exactly_once():
    bounds = chunk_bounds(1_000_003, 6, 300_000, chunk_s=1.0, pad_s=0.1)
    starts = [s for s, _ in bounds]
    assert starts[0] == 0 and bounds[-1][1] == 1_000_003
    assert all(b[1] == nb[0] for b, nb in zip(bounds, bounds[1:]))
    assert all(s % 6 == 0 for s in starts)


@pytest.mark.parametrize("rate", [250_000, 300_000])
def test_streamed_chunks_cover_the_file_once_at_250k(tmp_path, rate, make_wav):
    path = make_wav(tmp_path / "a.wav", rate=rate, seconds=2.3, subtype="FLOAT")
    info = probe(path)
    chunks = list(iter_chunks(info, chunk_s=0.5, pad_s=0.25))
    assert len(chunks) == 5 and chunks[-1].own_end_s == math.inf
    assert [c.own_start_s for c in chunks] == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0])
    owned = 0
    for c in chunks:
        lo = round((c.own_start_s - c.t0_s) * 250_000)
        hi = round((min(c.own_end_s, info.duration_s) - c.t0_s) * 250_000)
        assert 0 <= lo < hi <= len(c.audio) + 1
        owned += hi - lo
    assert owned == pytest.approx(math.ceil(info.frames * 250_000 / rate), abs=1)
    if rate == 250_000:  # no resampling: the chunks are the samples themselves
        raw = sf.read(str(path), dtype="float32")[0]
        np.testing.assert_array_equal(chunks[2].audio, raw[round(chunks[2].t0_s * rate):][: len(chunks[2].audio)])


def test_300k_resampled_length_and_tone_frequency():
    rate, n = 300_000, 300_000
    x = np.sin(2 * np.pi * 70_000 * np.arange(n) / rate).astype(np.float32)
    (chunk,) = list(iter_array_chunks(x, rate, chunk_s=10.0, pad_s=0.5))
    assert len(chunk.audio) == 250_000
    spectrum = np.abs(np.fft.rfft(chunk.audio))
    assert np.argmax(spectrum) * 250_000 / len(chunk.audio) == pytest.approx(70_000, abs=2)


def test_channel_choice(tmp_path, make_wav):
    path = make_wav(tmp_path / "st.wav", channels=2, subtype="FLOAT")
    loud = [float(np.abs(next(iter(iter_chunks(probe(path, channel=c), channel=c))).audio).max()) for c in (0, 1)]
    assert loud[0] > 10 * loud[1]
    with pytest.raises(UsvmaskError, match="no channel 2"):
        probe(path, channel=2)


def test_each_bad_input_gives_one_line_error_naming_the_file(bad_audio):
    for path, message in bad_audio.values():
        with pytest.raises(UsvmaskError) as err:
            info = probe(path)
            list(iter_chunks(info))
        text = str(err.value)
        assert str(path) in text and message in text and "\n" not in text and ";" in text
