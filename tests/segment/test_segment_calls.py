"""Pure functions of recording segmentation against hand-computed values."""

import numpy as np
import pytest

from usvmask.segment.calls import extract_segments, group_calls, harmonic_parents, mask_to_calls
from usvmask.segment.detect import join_intervals, plan_crops, runs
from usvmask.evaluate.events import event_metrics, interval_iou, match_events

DT, DF = 0.001, 1000.0
TIMES = (np.arange(100) + 0.5) * DT  # frame k centred at (k + 0.5) ms
FREQS = 45_000.0 + np.arange(80) * DF  # row r at 45 + r kHz


def _mask(*boxes):
    mask = np.zeros((len(FREQS), len(TIMES)), bool)
    for r0, r1, c0, c1 in boxes:
        mask[r0:r1, c0:c1] = True
    return mask


def test_segment_times_and_contour_from_crafted_mask():
    mask = _mask((10, 12, 20, 30))  # rows 10-11 (55-56 kHz), frames 20-29
    mag = np.ones(mask.shape)
    mag[11, 20:30] = 5.0  # the loud row of the contour
    (seg,) = extract_segments(mask, mag, TIMES, min_pixels=1)
    assert seg.onset_s == pytest.approx(0.020) and seg.offset_s == pytest.approx(0.030)
    assert seg.pixels == 20 and list(seg.rows) == [11] * 10
    rows, _ = mask_to_calls(mask, mag, FREQS, TIMES, np.full(len(FREQS), 0.1), min_pixels=1)
    (call,) = rows
    assert call["Duration"] == pytest.approx(0.010)
    assert call["min_freq_main"] == pytest.approx(56.0) and call["Bandwidth"] == pytest.approx(0.0)
    assert call["max_intens"] == pytest.approx(20 * np.log10(5.0))
    assert call["Background_intens"] == pytest.approx(-20.0) and not call["Harmonic"]


def test_small_gap_merges_long_gap_splits():
    mask = _mask((10, 12, 10, 20), (30, 32, 23, 30), (10, 12, 50, 60))  # gaps of 3 ms then 20 ms
    rows, members = mask_to_calls(mask, np.ones(mask.shape), FREQS, TIMES, np.ones(len(FREQS)), min_pixels=1,
                                  merge_gap_ms=5.0)
    assert [len(m) for m in members] == [2, 1]
    assert rows[0]["Start_time"] == pytest.approx(0.010) and rows[0]["End_time"] == pytest.approx(0.030)
    assert rows[0]["freq_jumps"] == 1 and rows[0]["n_segments"] == 2
    assert rows[0]["start_freq"] == pytest.approx(55.0) and rows[0]["end_freq"] == pytest.approx(75.0)


def test_harmonic_at_twice_the_frequency_is_kept_with_its_call():
    # fundamental 50 kHz (row 5), harmonic 100 kHz (row 55) over the same frames; a 70 kHz call elsewhere
    mask = _mask((5, 6, 10, 30), (55, 56, 12, 28), (25, 26, 60, 70))
    segs = extract_segments(mask, np.ones(mask.shape), TIMES, min_pixels=1)
    parents = harmonic_parents(segs, FREQS)
    assert parents == [None, None, 0]  # labels run row by row: 50 kHz, 70 kHz, 100 kHz
    assert [sorted(g) for g in group_calls(segs, parents, merge_gap_s=0.005)] == [[0, 2], [1]]
    rows, _ = mask_to_calls(mask, np.ones(mask.shape), FREQS, TIMES, np.ones(len(FREQS)), min_pixels=1)
    assert [r["Harmonic"] for r in rows] == [True, False]
    assert rows[0]["max_freq_main"] == pytest.approx(50.0) and rows[0]["max_freq_total"] == pytest.approx(100.0)


def test_non_integer_ratio_is_not_a_harmonic():
    mask = _mask((5, 6, 10, 30), (30, 31, 10, 30))  # 50 and 75 kHz: ratio 1.5
    segs = extract_segments(mask, np.ones(mask.shape), TIMES, min_pixels=1)
    assert harmonic_parents(segs, FREQS) == [None, None]


def test_runs_join_and_crop_plan():
    assert runs(np.array([0, 1, 1, 0, 1], bool)).tolist() == [[1, 2], [4, 4]]
    assert join_intervals(np.array([[0, 1], [1.5, 2], [5, 6]]), 0.5).tolist() == [[0, 2], [5, 6]]
    centres = plan_crops(np.array([[1.0, 1.01], [1.05, 1.1], [2.0, 2.02]]), width_s=0.22, margin_s=0.02)
    assert centres == pytest.approx([1.05, 2.01])
    long = plan_crops(np.array([[0.0, 0.5]]), width_s=0.22, margin_s=0.02)
    assert long[0] == pytest.approx(0.09) and long[-1] == pytest.approx(0.41)
    assert np.all(np.diff(long) <= 0.09 + 1e-9)


def test_iou_matching_and_prf():
    truth = np.array([[0.0, 1.0], [2.0, 3.0], [5.0, 6.0]])
    pred = np.array([[0.1, 1.0], [2.4, 3.4], [2.0, 3.1], [8.0, 9.0]])
    assert interval_iou(pred[:1], truth[:1])[0, 0] == pytest.approx(0.9)
    assert match_events(pred, truth) == [(0, 0), (2, 1)]  # (2.4, 3.4) has IoU 0.6/1.4 < 0.5
    m = event_metrics(pred, truth)
    assert (m["true_positives"], m["precision"], m["recall"]) == (2, 0.5, pytest.approx(0.6667, abs=1e-4))
    assert m["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3), abs=1e-4)
    assert m["onset_error_ms"] == pytest.approx(50.0) and m["offset_error_ms"] == pytest.approx(50.0)
    assert m["truth"] == {"count": 3, "median_duration_ms": 1000.0, "median_interval_ms": 2500.0}


def test_call_across_a_chunk_border_is_reported_once():
    from usvmask.segment.audio import iter_array_chunks
    from usvmask.segment.core import SegmentSettings, segment_chunks

    rate = 250_000
    t = np.arange(int(2.0 * rate)) / rate
    x = 0.01 * np.random.default_rng(0).standard_normal(t.size)
    for start, freq in ((0.5, 60e3), (0.99, 80e3)):  # the second crosses the 1.0 s chunk border
        on = (t >= start) & (t < start + 0.03)
        x[on] += 0.5 * np.sin(2 * np.pi * freq * t[on])
    settings = SegmentSettings(chunk_s=1.0, pad_s=0.3).with_card({"threshold": 0.5, "representation":
                                                                  {"crop_s": 0.22, "image_size": 227}})
    table = segment_chunks(iter_array_chunks(x, rate, chunk_s=1.0, pad_s=0.3),
                           lambda images: (images > 200).astype(np.float32), settings)  # calls are bright
    assert len(table) == 2
    assert table["Start_time"].to_numpy() == pytest.approx([0.5, 0.99], abs=2e-3)
    assert table["End_time"].to_numpy() == pytest.approx([0.53, 1.02], abs=2e-3)
    assert table["mean_freq_main"].to_numpy() == pytest.approx([60.0, 80.0], abs=0.5)
