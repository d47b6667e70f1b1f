import numpy as np
import pytest

from usvmask.errors import UsvmaskError
from usvmask.spectrogram import (
    SAMPLE_RATE_HZ, CandidateGrid, candidate_grid, crop_candidate, crop_mask, stft_magnitude, vocalmat_gray,
)

FS = SAMPLE_RATE_HZ


def tone(freq_hz, seconds=0.05, amp=1.0):
    t = np.arange(int(seconds * FS)) / FS
    return (amp * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def test_stft_grid_matches_matlab_layout():
    x = tone(62_500.0)
    mag, freqs, times = stft_magnitude(x, FS)
    assert mag.dtype == np.float32
    assert freqs[0] == pytest.approx(185 * FS / 1024)  # first bin >= 45 kHz
    assert mag.shape == (513 - 185, 1 + (len(x) - 256) // 128)
    assert times[0] == pytest.approx(128 / FS)
    assert times[1] - times[0] == pytest.approx(128 / FS)


def test_pure_tone_peaks_at_its_bin_with_window_gain():
    mag, freqs, _ = stft_magnitude(tone(62_500.0, amp=2.0), FS)
    peak_rows = mag.argmax(axis=0)
    assert np.all(freqs[peak_rows] == 62_500.0)  # 62.5 kHz is exactly bin 256
    assert mag.max() == pytest.approx(2.0 * np.hamming(256).sum() / 2, rel=1e-3)


def test_stft_rejects_2d_audio():
    with pytest.raises(UsvmaskError, match="audio"):
        stft_magnitude(np.zeros((2, 1000)), FS)


def test_vocalmat_gray_complements_and_saturates_tails():
    mag = np.arange(10_000, dtype=np.float32).reshape(100, 100)
    gray = vocalmat_gray(mag)
    assert gray.dtype == np.float32 and gray.min() == 0.0 and gray.max() == 1.0
    assert gray[0, 0] == 1.0 and gray[-1, -1] == 0.0  # loud is dark
    assert np.mean(gray == 0.0) == pytest.approx(0.01, abs=0.002)
    assert np.mean(gray == 1.0) == pytest.approx(0.01, abs=0.002)


def test_vocalmat_gray_explicit_limits():
    mag = np.array([[0.0, 25.0, 50.0, 100.0]])
    gray = vocalmat_gray(mag, limits=(0.5, 1.0))  # complement = [1, .75, .5, 0]
    np.testing.assert_allclose(gray, [[1.0, 0.5, 0.0, 0.0]])


def test_vocalmat_gray_constant_input_does_not_divide_by_zero():
    gray = vocalmat_gray(np.ones((4, 4)))
    assert np.isfinite(gray).all()


def test_grid_round_trips_and_row0_is_highest():
    grid = CandidateGrid(t0_s=1.0, t1_s=1.227, f_lo_hz=45_000.0, f_hi_hz=125_000.0, size=227)
    assert grid.col_to_time(0) == pytest.approx(1.0005)
    assert grid.row_to_freq(0) > grid.row_to_freq(226)
    cols = np.array([0.0, 10.5, 226.0])
    np.testing.assert_allclose(grid.time_to_col(grid.col_to_time(cols)), cols, atol=1e-9)
    np.testing.assert_allclose(grid.freq_to_row(grid.row_to_freq(cols)), cols, atol=1e-9)
    assert grid.freq_to_row(125_000.0) == pytest.approx(-0.5)


def test_crop_candidate_places_tone_on_its_row():
    mag, freqs, times = stft_magnitude(tone(80_000.0, seconds=0.3), FS)
    image, grid = crop_candidate(vocalmat_gray(mag), freqs, times, 0.15)
    assert image.shape == (227, 227) and image.dtype == np.uint8
    dark_row = int(np.median(image.argmin(axis=0)))
    assert grid.row_to_freq(dark_row) == pytest.approx(80_000.0, abs=600)
    assert grid.t1_s - grid.t0_s == pytest.approx(0.22, abs=128 / FS)
    assert (grid.t0_s + grid.t1_s) / 2 == pytest.approx(0.15, abs=128 / FS)


def test_crop_candidate_pads_edges_with_median():
    gray = np.zeros((50, 200), dtype=np.float32)
    gray[:, :150] = 1.0  # median is 1 -> white padding
    freqs = 45_000.0 + 244.140625 * np.arange(50)
    times = (128 + 128 * np.arange(200)) / FS
    image, _ = crop_candidate(gray, freqs, times, times[0], width_s=0.05, size=40)
    assert np.all(image[:, :15] == 255)


def test_crop_mask_maps_a_box_to_grid():
    freqs = 45_000.0 + 244.140625 * np.arange(328)
    times = (128 + 128 * np.arange(600)) / FS
    mask = np.zeros((328, 600), dtype=bool)
    fsel = (freqs > 70_000) & (freqs < 80_000)
    tsel = (times > 0.14) & (times < 0.16)
    mask[np.ix_(fsel, tsel)] = True
    out = crop_mask(mask, freqs, times, 0.15)
    rows, cols = np.nonzero(out)
    grid, _, _ = candidate_grid(freqs, times, 0.15)
    assert grid.row_to_freq(rows.max()) == pytest.approx(70_000, abs=800)
    assert grid.row_to_freq(rows.min()) == pytest.approx(80_000, abs=800)
    assert grid.col_to_time(cols.min()) == pytest.approx(0.14, abs=0.0015)
    assert grid.col_to_time(cols.max()) == pytest.approx(0.16, abs=0.0015)
