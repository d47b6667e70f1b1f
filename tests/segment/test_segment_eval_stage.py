"""The segment_eval stage on a tiny fixture: one short synthetic recording, an untrained model."""

import json
import runpy
import sys
from pathlib import Path

import yaml

STAGE = Path(__file__).resolve().parents[2] / "stages" / "segment_eval.py"


def test_stage_writes_event_metrics(tmp_path, tiny_model, monkeypatch):
    params = {"segment_eval": {"settings": {"threshold": 0.5}, "n_recordings": 1, "duration_s": 2.0, "seed": 0,
                          "min_iou": 0.5, "recording": {"call_rate_hz": 3.0}}}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    report = tmp_path / "segment.json"
    monkeypatch.setattr(sys, "argv", ["segment_eval.py", "--params", str(tmp_path / "params.yaml"),
                                      "--model", str(tiny_model), "--report", str(report)])
    runpy.run_path(str(STAGE), run_name="__main__")
    result = json.loads(report.read_text())
    assert result["n_recordings"] == 1 and 0.0 <= result["all"]["f1"] <= 1.0
    assert result["all"]["truth"]["count"] >= 1 and {"precision", "recall", "onset_error_ms"} <= set(result["all"])
