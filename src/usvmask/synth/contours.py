"""Parametric frequency contours for the 11 VocalMat call classes.

A call is one or more *elements*; inside an element the frequency follows monotone (PCHIP) interpolation
through knots, and between elements it jumps instantly (the "step" classes). Durations and bandwidths are
log-normal per class, clipped to VocalMat's observed ranges (2.6-192 ms, 0.4-77 kHz); with equal class
weights the medians come out near VocalMat's 9.7 ms and 7.1 kHz (``benchmarks/realism.py`` prints them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator

from usvmask.errors import UsvmaskError

CALL_CLASSES = (
    "chevron", "complex", "down_fm", "flat", "mult_steps", "rev_chevron",
    "short", "step_down", "step_up", "two_steps", "up_fm",
)
DURATION_RANGE_MS = (2.6, 192.0)
BANDWIDTH_RANGE_KHZ = (0.4, 77.0)
BAND_LIMITS_HZ = (48_000.0, 122_000.0)
LONG_CALL_MS = (60.0, 190.0)

# class: (median duration ms, log-sd, median bandwidth kHz, log-sd)
_CLASS_STATS = {
    "chevron": (10.0, 0.5, 7.0, 0.5),
    "complex": (20.0, 0.6, 9.0, 0.5),
    "down_fm": (6.0, 0.5, 6.0, 0.6),
    "flat": (7.0, 0.6, 1.6, 0.6),
    "mult_steps": (30.0, 0.5, 14.0, 0.5),
    "rev_chevron": (9.0, 0.5, 6.0, 0.5),
    "short": (3.8, 0.2, 2.5, 0.6),
    "step_down": (11.0, 0.5, 9.0, 0.5),
    "step_up": (11.0, 0.5, 9.0, 0.5),
    "two_steps": (17.0, 0.5, 11.0, 0.5),
    "up_fm": (5.5, 0.5, 5.5, 0.6),
}


@dataclass(frozen=True)
class CallSpec:
    """One call: its class, duration and contour elements (knot times as fractions of the call, knot Hz)."""

    label: str
    duration_s: float
    elements: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]

    def contour_hz(self, t_s: np.ndarray) -> np.ndarray:
        """Fundamental frequency (Hz) at times ``t_s`` measured from call onset (clipped to the call)."""
        u = np.clip(np.asarray(t_s, dtype=float) / self.duration_s, 0.0, 1.0)
        out = np.empty_like(u)
        for i, (kt, kf) in enumerate(self.elements):
            last = i == len(self.elements) - 1
            sel = (u >= kt[0]) & ((u <= kt[-1]) if last else (u < kt[-1]))
            out[sel] = PchipInterpolator(kt, kf)(u[sel])
        return out

    @property
    def f_range_hz(self) -> tuple[float, float]:
        """(min, max) of the fundamental contour in Hz."""
        f = self.contour_hz(np.linspace(0.0, self.duration_s, 512))
        return float(f.min()), float(f.max())


def _lognormal(rng: np.random.Generator, median: float, sd: float, lo: float, hi: float) -> float:
    return float(np.clip(median * np.exp(sd * rng.standard_normal()), lo, hi))


def _shape(label: str, rng: np.random.Generator) -> list[tuple[list[float], list[float]]]:
    """Unit-bandwidth elements (values in [0, 1], knots in [0, 1]) for one class."""
    r = rng.uniform
    if label in ("up_fm", "down_fm", "short", "flat"):
        mid = r(0.25, 0.75)
        f = [0.0, mid, 1.0]
        if label == "down_fm" or (label in ("short", "flat") and r() < 0.5):
            f = f[::-1]
        return [([0.0, r(0.3, 0.7), 1.0], f)]
    if label in ("chevron", "rev_chevron"):
        ends = [r(0.0, 0.6), r(0.0, 0.6)]
        ends[rng.integers(2)] = 0.0
        f = [ends[0], 1.0, ends[1]]
        if label == "rev_chevron":
            f = [1.0 - v for v in f]
        return [([0.0, r(0.3, 0.7), 1.0], f)]
    if label == "complex":
        n = int(rng.integers(4, 7))
        t = np.linspace(0.0, 1.0, n)
        t[1:-1] += r(-0.3, 0.3, n - 2) / (n - 1)
        start_high = r() < 0.5
        f = [r(0.6, 1.0) if (k % 2 == 0) == start_high else r(0.0, 0.4) for k in range(n)]
        f[int(np.argmax(f))], f[int(np.argmin(f))] = 1.0, 0.0
        return [(list(t), f)]
    n_el = {"step_up": 2, "step_down": 2, "two_steps": 3}.get(label, int(rng.integers(4, 7)))
    return _step_elements(label, n_el, rng)


def _step_elements(label: str, n_el: int, rng: np.random.Generator) -> list[tuple[list[float], list[float]]]:
    """Elements separated by instant jumps; levels differ by at least a third of the bandwidth."""
    if label == "step_up":
        levels = [0.0, 1.0]
    elif label == "step_down":
        levels = [1.0, 0.0]
    else:
        levels = [float(rng.uniform())]
        while len(levels) < n_el:
            cand = float(rng.uniform())
            if abs(cand - levels[-1]) >= 0.33:
                levels.append(cand)
        lv = np.asarray(levels)
        levels = list((lv - lv.min()) / (lv.max() - lv.min()))
    cuts = 0.5 * np.linspace(0, 1, n_el + 1)[1:-1] + 0.5 * np.sort(rng.uniform(0.1, 0.9, n_el - 1))
    bounds = [0.0, *cuts, 1.0]
    elements = []
    for k, lev in enumerate(levels):
        drift = rng.uniform(-0.12, 0.12)
        f0, f1 = np.clip([lev - drift / 2, lev + drift / 2], -0.05, 1.05)
        elements.append(([bounds[k], bounds[k + 1]], [float(f0), float(f1)]))
    return elements


def sample_call(
    rng: np.random.Generator,
    label: str | None = None,
    *,
    class_weights: dict[str, float] | None = None,
    band_hz: tuple[float, float] = BAND_LIMITS_HZ,
    long_prob: float = 0.0,
    long_ms: tuple[float, float] = LONG_CALL_MS,
) -> CallSpec:
    """Draw one call of ``label`` (or of a class drawn by ``class_weights``, default equal) inside ``band_hz``.

    With probability ``long_prob`` the call's duration is instead log-uniform in ``long_ms``: the long calls of pups
    and of some adults (deer-mouse pup calls last 100-200 ms) that the class medians almost never reach."""
    if label is None:
        weights = class_weights or {c: 1.0 for c in CALL_CLASSES}
        unknown = set(weights) - set(CALL_CLASSES)
        if unknown:
            raise UsvmaskError(f"class_weights: unknown classes {sorted(unknown)}; valid: {list(CALL_CLASSES)}")
        names = list(weights)
        p = np.asarray([weights[n] for n in names], dtype=float)
        label = names[int(rng.choice(len(names), p=p / p.sum()))]
    if label not in _CLASS_STATS:
        raise UsvmaskError(f"label: unknown call class {label!r}; valid: {list(CALL_CLASSES)}")
    d_med, d_sd, b_med, b_sd = _CLASS_STATS[label]
    d_hi = 5.0 if label == "short" else DURATION_RANGE_MS[1]
    duration_ms = _lognormal(rng, d_med, d_sd, DURATION_RANGE_MS[0], d_hi)
    if long_prob > 0 and label != "short" and rng.uniform() < long_prob:
        duration_ms = float(np.exp(rng.uniform(np.log(long_ms[0]), np.log(long_ms[1]))))
    span = band_hz[1] - band_hz[0]
    bw_hz = 1e3 * _lognormal(rng, b_med, b_sd, BANDWIDTH_RANGE_KHZ[0], min(BANDWIDTH_RANGE_KHZ[1], span / 1e3))
    elements = _shape(label, rng)
    lo_unit = min(min(f) for _, f in elements)
    hi_unit = max(max(f) for _, f in elements)
    bw_unit = bw_hz / (hi_unit - lo_unit)
    centre = float(np.exp(rng.normal(np.log(72_000.0), 0.18)))
    lowest = float(np.clip(centre - bw_hz / 2, band_hz[0], band_hz[1] - bw_hz))
    base = lowest - lo_unit * bw_unit
    built = tuple((tuple(t), tuple(float(base + v * bw_unit) for v in f)) for t, f in elements)
    return CallSpec(label=label, duration_s=duration_ms / 1e3, elements=built)
