"""Stage `summary`: the headline numbers of a run in one small, flat metrics file.

`dvc metrics diff A B --targets reports/summary.json` and `dvc exp show` read this file to compare experiments on
one screen; every number here comes from a detailed report (score@*, erosion@itN, evaluate, segment_eval and the
stages' facts), which stay the place to drill down. Keys, in this order:

- `<step>_usv`, `<step>_noise`: Dice ×100 of each construction step's masks against truth (score@<step>), the
  steps named by the caller (e.g. vm, it0, it1, ..., fix);
- `iters`: erosion iterations run; `stop`: why the loop stopped (the `reason` of the first iteration that passed
  through, or "max slots" when every slot ran);
- `t1_<model>`: Table 1 test USV Dice of each trained model (evaluate; the null and VocalMat rows are left out);
- `event_f1`: call-level F1 of `usvmask segment` on recordings with known calls (segment_eval);
- `<group>_s`: wall-clock seconds summed over the stages of each time group, and `total_s` over all of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from usvmask.data import store
from usvmask.errors import UsvmaskError

ALL_SLOTS_RAN = "max slots"
NOT_MODELS = ("null", "vocalmat")  # Table 1 rows that are not trained models


def _dice(report: Mapping[str, Any], kind: str, source: Path) -> float:
    try:
        return float(report[kind]["dice"])
    except (KeyError, TypeError, ValueError) as err:
        raise UsvmaskError(f"{source}: no {kind} Dice (key {kind}.dice); re-run its score stage with truth") from err


def construction_dice(scores: Mapping[str, str | Path]) -> dict[str, float]:
    """{`<step>_usv`, `<step>_noise`} per score report, in the order given."""
    out: dict[str, float] = {}
    for step, path in scores.items():
        report = store.read_json(path)
        out[f"{step}_usv"] = _dice(report, "usv", Path(path))
        out[f"{step}_noise"] = _dice(report, "noise", Path(path))
    return out


def erosion_stop(facts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Iterations run (`active` facts) and why the loop stopped: the first inactive iteration's reason."""
    stopped = next((fact for fact in facts if not fact.get("active", False)), None)
    return {"iters": sum(bool(fact.get("active", False)) for fact in facts),
            "stop": ALL_SLOTS_RAN if stopped is None else str(stopped.get("reason", "?"))}


def table1_dice(rows: Mapping[str, Any]) -> dict[str, float]:
    """`t1_<model>`: the test USV Dice of each trained model in evaluate's metrics."""
    return {f"t1_{name}": float(row["usv"]["dice"]) for name, row in rows.items()
            if name not in NOT_MODELS and isinstance(row, Mapping) and "usv" in row}


def stage_seconds(report: Mapping[str, Any]) -> float:
    """A stage's wall-clock `seconds`; a mapping of per-step seconds (segment_eval) counts as its sum."""
    seconds = report.get("seconds", 0.0)
    if isinstance(seconds, Mapping):
        return float(sum(seconds.values()))
    return float(seconds or 0.0)


def time_groups(groups: Mapping[str, Sequence[str | Path]]) -> dict[str, float]:
    """`<group>_s` per group of stage reports, and `total_s` over every report named (each counted once)."""
    seconds = {Path(p): stage_seconds(store.read_json(p)) for files in groups.values() for p in files}
    out = {f"{group}_s": round(sum(seconds[Path(p)] for p in files), 1) for group, files in groups.items()}
    out["total_s"] = round(sum(seconds.values()), 1)
    return out


def summarise_run(
    *, scores: Mapping[str, str | Path], erosion_facts: Sequence[str | Path], table1: str | Path,
    events: str | Path, times: Mapping[str, Sequence[str | Path]], out: str | Path,
) -> dict[str, Any]:
    """Write and return the headline metrics (see the module docstring) of the given detailed reports."""
    summary: dict[str, Any] = construction_dice(scores)
    summary.update(erosion_stop([store.read_json(p) for p in erosion_facts]))
    summary.update(table1_dice(store.read_json(table1)))
    f1 = store.read_json(events).get("all", {}).get("f1")
    if f1 is None:
        raise UsvmaskError(f"{events}: no event F1 (key all.f1); re-run segment_eval")
    summary["event_f1"] = float(f1)
    summary.update(time_groups(times))
    store.write_text(out, json.dumps(summary, indent=2) + "\n")  # not sorted: columns in reading order
    return summary
