import numpy as np
import pytest

from usvmask.errors import UsvmaskError
from usvmask.spectrogram import stft_magnitude
from usvmask.synth.audio import render_call
from usvmask.synth.contours import BAND_LIMITS_HZ, CALL_CLASSES, sample_call

SEEDS = range(8)


def contour(label, seed, n=2000):
    spec = sample_call(np.random.default_rng(seed), label)
    return spec, spec.contour_hz(np.linspace(0, spec.duration_s, n))


def jumps(f, bandwidth):
    return np.diff(f)[np.abs(np.diff(f)) > 0.15 * bandwidth]


@pytest.mark.parametrize("seed", SEEDS)
def test_fm_classes_are_monotone(seed):
    _, up = contour("up_fm", seed)
    _, down = contour("down_fm", seed)
    assert np.all(np.diff(up) >= -1e-6) and up[-1] > up[0]
    assert np.all(np.diff(down) <= 1e-6) and down[-1] < down[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_chevrons_turn_once(seed):
    _, f = contour("chevron", seed)
    k = int(np.argmax(f))
    assert 0 < k < len(f) - 1
    assert np.all(np.diff(f[: k + 1]) >= -1e-6) and np.all(np.diff(f[k:]) <= 1e-6)
    _, g = contour("rev_chevron", seed)
    k = int(np.argmin(g))
    assert 0 < k < len(g) - 1
    assert np.all(np.diff(g[: k + 1]) <= 1e-6) and np.all(np.diff(g[k:]) >= -1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_complex_changes_direction_at_least_twice(seed):
    _, f = contour("complex", seed)
    d = np.sign(np.diff(f))
    d = d[d != 0]
    assert np.count_nonzero(np.diff(d)) >= 2


@pytest.mark.parametrize("seed", SEEDS)
def test_step_classes_jump_the_right_number_of_times(seed):
    for label, count in (("step_up", 1), ("step_down", 1), ("two_steps", 2)):
        spec, f = contour(label, seed)
        lo, hi = spec.f_range_hz
        steps = jumps(f, hi - lo)
        assert len(steps) == count, label
    _, f = contour("step_up", seed)
    assert np.all(jumps(f, np.ptp(f)) > 0)
    _, f = contour("step_down", seed)
    assert np.all(jumps(f, np.ptp(f)) < 0)
    _, f = contour("mult_steps", seed)
    assert len(jumps(f, np.ptp(f))) >= 3


@pytest.mark.parametrize("seed", SEEDS)
def test_short_and_flat(seed):
    spec, _ = contour("short", seed)
    assert 2.6e-3 <= spec.duration_s <= 5e-3
    spec, f = contour("flat", seed)
    assert np.ptp(f) <= 8_000


@pytest.mark.parametrize("label", CALL_CLASSES)
def test_every_class_stays_in_band_and_ranges(label):
    for seed in SEEDS:
        spec, f = contour(label, seed)
        assert spec.label == label
        assert BAND_LIMITS_HZ[0] - 1 <= f.min() and f.max() <= BAND_LIMITS_HZ[1] + 1
        assert 2.6e-3 <= spec.duration_s <= 0.192
        assert 399 <= np.ptp(f) <= 77_001


def test_unknown_label_is_a_user_error():
    with pytest.raises(UsvmaskError, match="label"):
        sample_call(np.random.default_rng(0), "whistle")


def test_rendered_call_follows_its_contour():
    rng = np.random.default_rng(3)
    spec = sample_call(rng, "up_fm")
    call = render_call(spec, rng, harmonic_prob=0.0, vibrato_hz=0.0, jitter_hz=0.0)
    assert not call.harmonic and call.audio.dtype == np.float32
    audio = np.pad(call.audio, 256)
    mag, freqs, times = stft_magnitude(audio, 250_000)
    inside = (times > 256 / 250_000 + 1e-3) & (times < (256 + len(call.audio)) / 250_000 - 1e-3)
    expected = spec.contour_hz(times[inside] - 256 / 250_000)
    assert np.max(np.abs(freqs[mag[:, inside].argmax(axis=0)] - expected)) < 2_500


def test_harmonic_is_at_twice_f0():
    rng = np.random.default_rng(0)
    spec = sample_call(rng, "flat", band_hz=(50_000.0, 55_000.0))
    call = render_call(spec, rng, harmonic_prob=1.0, vibrato_hz=0.0, jitter_hz=0.0)
    assert call.harmonic
    mag, freqs, _ = stft_magnitude(np.pad(call.audio, 256), 250_000)
    col = mag[:, mag.shape[1] // 2]
    upper = freqs > 90_000
    f_h = freqs[upper][col[upper].argmax()]
    assert f_h == pytest.approx(2 * np.mean(spec.f_range_hz), abs=3_000)


def test_long_calls_are_drawn_in_the_long_range_and_off_by_default():
    long = [sample_call(np.random.default_rng(i), "chevron", long_prob=1.0).duration_s for i in range(20)]
    assert all(0.060 <= d <= 0.190 for d in long)
    plain = sample_call(np.random.default_rng(3), "chevron")
    assert sample_call(np.random.default_rng(3), "chevron", long_prob=0.0) == plain  # no draw when off
    assert sample_call(np.random.default_rng(3), "short", long_prob=1.0).duration_s <= 0.005  # short stays short
