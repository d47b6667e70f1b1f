import numpy as np
import pytest

from usvmask.errors import UsvmaskError
from usvmask.spectrogram import stft_magnitude
from usvmask.synth.recording import CALL_COLUMNS, make_recording


@pytest.fixture(scope="module")
def recording():
    return make_recording(3.0, seed=0, call_rate_hz=6.0, noise_event_rate_hz=0.0, snr_db_min=30, snr_db_max=40)


def test_calls_inside_sorted_and_non_overlapping(recording):
    audio, calls = recording
    assert audio.dtype == np.float32 and audio.shape == (750_000,)
    assert list(calls.columns) == list(CALL_COLUMNS)
    assert len(calls) >= 5
    assert (calls.start_s >= 0).all() and (calls.end_s <= 3.0).all()
    assert (calls.end_s > calls.start_s).all()
    assert np.all(calls.start_s.to_numpy()[1:] > calls.end_s.to_numpy()[:-1])


def test_calls_are_where_the_table_says(recording):
    audio, calls = recording
    mag, freqs, times = stft_magnitude(audio, 250_000)
    for call in calls.itertuples():
        mid = int(np.argmin(np.abs(times - (call.start_s + call.end_s) / 2)))
        f_peak = freqs[mag[:, mid].argmax()]
        top = 2 * call.fmax_hz if call.harmonic else call.fmax_hz
        assert call.fmin_hz - 3_000 <= f_peak <= top + 3_000


def test_deterministic_with_noise_events():
    a1, c1 = make_recording(1.0, seed=5, noise_event_rate_hz=4.0)
    a2, c2 = make_recording(1.0, seed=5, noise_event_rate_hz=4.0)
    a3, _ = make_recording(1.0, seed=6, noise_event_rate_hz=4.0)
    assert a1.tobytes() == a2.tobytes() and c1.equals(c2)
    assert a1.tobytes() != a3.tobytes()
    assert np.isfinite(a1).all()


def test_too_short_is_a_user_error():
    with pytest.raises(UsvmaskError, match="duration_s"):
        make_recording(0.05, seed=0)
