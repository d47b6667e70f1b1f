import numpy as np
import pytest

from usvmask.errors import UsvmaskError
from usvmask.spectrogram import (
    SAMPLE_RATE_HZ, CandidateGrid, candidate_image, crop_frames, imresize, imresize_matrix, mat2gray, power_db,
    render_candidate, stft_magnitude,
)

FS = SAMPLE_RATE_HZ


def tone(freq_hz, seconds=0.05, amp=1.0):
    t = np.arange(int(seconds * FS)) / FS
    return (amp * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def test_stft_grid_matches_matlab_layout():
    x = tone(62_500.0)
    mag, freqs, times = stft_magnitude(x, FS)
    assert mag.dtype == np.float32
    assert freqs[0] == pytest.approx(185 * FS / 1024)  # first bin above 45 kHz (F > 45000)
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


def test_grid_round_trips_and_row0_is_highest():
    grid = CandidateGrid(t0_s=1.0, t1_s=1.227, f_lo_hz=45_000.0, f_hi_hz=125_000.0, size=227)
    assert grid.col_to_time(0) == pytest.approx(1.0005)
    assert grid.row_to_freq(0) > grid.row_to_freq(226)
    cols = np.array([0.0, 10.5, 226.0])
    np.testing.assert_allclose(grid.time_to_col(grid.col_to_time(cols)), cols, atol=1e-9)
    np.testing.assert_allclose(grid.freq_to_row(grid.row_to_freq(cols)), cols, atol=1e-9)
    assert grid.freq_to_row(125_000.0) == pytest.approx(-0.5)


def test_power_db_is_vocalmats_psd_in_db():
    freqs = np.array([45_166.015625, 125_000.0])  # an ordinary row and the Nyquist row
    mag = np.array([[2.0, 0.0], [2.0, 1.0]], np.float32)
    out = power_db(mag, freqs, FS)
    window_energy = float(np.sum(np.hamming(256) ** 2))
    expected = 10 * np.log10(2 * 4.0 / (FS * window_energy))  # one-sided: doubled |S|^2 / (fs * sum w^2)
    assert out[0, 0] == pytest.approx(expected, abs=1e-4)
    assert out[1, 0] == pytest.approx(expected - 10 * np.log10(2), abs=1e-4)  # Nyquist is not doubled
    assert out[0, 1] == 0.0  # P(P==0) = 1 → 0 dB
    assert out[1, 1] == pytest.approx(10 * np.log10(1 / (FS * window_energy)), abs=1e-4)


def test_mat2gray_and_crop_frames_hand_values():
    np.testing.assert_allclose(mat2gray(np.array([[-60.0, -40.0], [-50.0, -20.0]])), [[0.0, 0.5], [0.25, 1.0]])
    assert not mat2gray(np.full((2, 2), -3.0)).any()
    times = (128 + 128 * np.arange(1000)) / FS  # frame centres, 0.512 ms apart
    first, last = crop_frames(times, centre_s=times[500], width_s=0.22)
    assert (first, last) == (500 - 215, 500 + 215)  # 0.11 s / 0.512 ms = 214.8 → nearest frames ±215
    assert crop_frames(times, centre_s=0.0, width_s=0.22)[0] == 0  # clamped at the start, as MATLAB's min(abs())


def test_imresize_matches_matlab_weights():
    # scale 0.5, 16 → 8 samples: kernel width 8, weights 0.5·cubic(0.5·d), d = u - tap, u = 2i - 0.5 (1-based)
    m = imresize_matrix(16, 8)
    np.testing.assert_allclose(m.sum(axis=1), 1.0)

    def cubic(x):
        a = np.abs(x)
        return np.where(a <= 1, 1.5 * a**3 - 2.5 * a**2 + 1, np.where(a <= 2, -0.5 * a**3 + 2.5 * a**2 - 4 * a + 2, 0))

    taps = np.arange(4, 12)  # output 4 sits at u = 7.5; its taps 4..11 stay clear of the mirrored border
    w = 0.5 * cubic(0.5 * (7.5 - taps))
    assert w.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(m[3, taps - 1], w, atol=1e-12)
    assert np.count_nonzero(m[3]) == 8
    np.testing.assert_allclose(imresize_matrix(5, 5), np.eye(5), atol=1e-12)  # same size: identity
    ramp = np.arange(16.0)[:, None] * np.ones((1, 3))
    np.testing.assert_allclose(imresize(ramp, (8, 3))[2:6, 0], [4.5, 6.5, 8.5, 10.5])  # interior of a ramp: exact


def test_candidate_image_is_flipped_min_max_bright_calls():
    power = np.full((40, 60), -100.0)
    power[30, :] = -40.0  # a loud tone on a high row (rows ascend in frequency)
    power[0, 0] = -120.0  # the darkest pixel sets 0
    image = candidate_image(power, size=40)
    assert image.dtype == np.uint8 and image.shape == (40, 40)
    row = int(np.median(image.argmax(axis=0)))
    assert row == 40 - 1 - 30  # flipped: high frequency near the top
    assert image[row].min() >= 200 and image[5].max() < 100  # the call is bright, background 20/80 of the range
    assert np.median(image) == round(255 * 20 / 80)  # (-100 - -120) / (-40 - -120) = 0.25 → 64


def test_render_candidate_places_a_tone_on_its_row_bright():
    x = tone(80_000.0, seconds=0.3, amp=0.1) + np.random.default_rng(0).normal(0, 1e-3, int(0.3 * FS))
    mag, freqs, times = stft_magnitude(x.astype(np.float32), FS)
    image, grid, first, last = render_candidate(power_db(mag, freqs, FS), freqs, times, 0.15)
    assert image.shape == (227, 227) and image.dtype == np.uint8
    bright_row = int(np.median(image.argmax(axis=0)))
    assert grid.row_to_freq(bright_row) == pytest.approx(80_000.0, abs=600)
    assert grid.t1_s - grid.t0_s == pytest.approx((last - first + 1) * 128 / FS)
    assert (grid.t0_s + grid.t1_s) / 2 == pytest.approx(0.15, abs=128 / FS)
    assert last - first + 1 in (430, 431)
