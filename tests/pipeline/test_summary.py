"""The headline metrics file, from hand-made detailed reports."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from usvmask.errors import UsvmaskError
from usvmask.pipeline.summary import erosion_stop, stage_seconds, summarise_run
from usvmask.stage import run_stage


def write(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def score(usv: float, noise: float) -> dict:
    return {"usv": {"dice": usv, "dice_sem": 1.0}, "noise": {"dice": noise}, "all": {"dice": 0.0}, "masks": {}}


@pytest.fixture
def reports(tmp_path: Path) -> dict:
    r = tmp_path / "reports"
    return {
        "scores": {"vm": write(r / "vm.json", score(27.84, 3.9)), "it1": write(r / "it1.json", score(46.456, 6.7))},
        "erosion_facts": [write(r / "erosion/it1.json", {"active": True, "reason": "eroded", "seconds": 10.0}),
                          write(r / "erosion/it2.json", {"active": False, "reason": "masks stopped changing",
                                                         "seconds": 0.5}),
                          write(r / "erosion/it3.json", {"active": False, "reason": "past max_iterations",
                                                         "seconds": 0.25})],
        "table1": write(r / "evaluate.json", {"null": {"usv": {"dice": 1.0}}, "vocalmat": {"usv": {"dice": 25.4}},
                                              "unet": {"usv": {"dice": 40.0}, "cpu_images_per_s": 9.0},
                                              "squeakout": {"usv": {"dice": 50.44}}}),
        "events": write(r / "segment.json", {"all": {"f1": 0.8125}, "seconds": {"model": 1.5, "detect": 0.5}}),
        "pretrain": write(r / "pretrain.json", {"epochs": 2, "seconds": 100.0}),
        "final": write(r / "final.json", {"seconds": 30.0, "train_seconds": 29.0}),
    }


def test_summary_of_hand_made_reports(reports, tmp_path):
    r = reports
    times = {"construct": [r["pretrain"], *r["erosion_facts"]], "final": [r["final"]],
             "rest": [r["events"], r["pretrain"]]}  # a report named twice counts once in total_s
    out = tmp_path / "reports" / "summary.json"
    got = summarise_run(scores=r["scores"], erosion_facts=r["erosion_facts"], table1=r["table1"],
                        events=r["events"], times=times, out=out)
    expected = {"vm_usv": 27.84, "vm_noise": 3.9, "it1_usv": 46.456, "it1_noise": 6.7,
                "iters": 1, "stop": "masks stopped changing", "t1_unet": 40.0, "t1_squeakout": 50.44,
                "event_f1": 0.8125, "construct_s": 110.8, "final_s": 30.0, "rest_s": 102.0, "total_s": 142.8}
    assert got == expected
    assert list(json.loads(out.read_text())) == list(expected)  # the file keeps the reading order
    assert all(not isinstance(v, dict) for v in got.values())  # flat: one column per key in `dvc exp show`


def test_every_slot_active_stops_at_max_slots():
    assert erosion_stop([{"active": True}, {"active": True}]) == {"iters": 2, "stop": "max slots"}
    assert erosion_stop([{"active": False, "reason": "nothing left to erode"}, {"active": True}]) == {
        "iters": 1, "stop": "nothing left to erode"}


def test_seconds_of_a_stage_report():
    assert stage_seconds({"seconds": 2.5}) == 2.5
    assert stage_seconds({"seconds": {"a": 1.0, "b": 2.0}}) == 3.0
    assert stage_seconds({}) == 0.0


def test_a_score_report_without_truth_is_a_one_line_error(reports, tmp_path):
    r = reports
    write(r["scores"]["vm"], {"masks": {"mean_area": 3.0}})  # no truth: mask statistics only
    with pytest.raises(UsvmaskError, match=r"vm\.json: no usv Dice"):
        summarise_run(scores=r["scores"], erosion_facts=r["erosion_facts"], table1=r["table1"], events=r["events"],
                      times={"final": [r["final"]]}, out=tmp_path / "summary.json")
    assert not (tmp_path / "summary.json").exists()


def summary_main():
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("stage_summary", root / "stages" / "summary.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def test_stage_main_takes_named_reports_and_time_groups(reports, tmp_path, monkeypatch):
    r = reports
    out = tmp_path / "summary.json"
    monkeypatch.setattr(sys, "argv", [
        "summary.py", "--scores", *(f"{k}={v}" for k, v in r["scores"].items()),
        "--erosion", *map(str, r["erosion_facts"]), "--table1", str(r["table1"]), "--events", str(r["events"]),
        "--time", "construct", str(r["pretrain"]), "--time", "final", str(r["final"]), "--out", str(out)])
    run_stage(summary_main())
    got = json.loads(out.read_text())
    assert list(got)[:4] == ["vm_usv", "vm_noise", "it1_usv", "it1_noise"]
    assert (got["construct_s"], got["final_s"], got["total_s"]) == (100.0, 30.0, 130.0)


@pytest.mark.parametrize("bad", [["--scores", "reports/vm.json"], ["--time", "construct"]])
def test_stage_main_rejects_malformed_arguments(bad, reports, tmp_path, monkeypatch):
    r = reports
    args = {"--scores": [f"vm={r['scores']['vm']}"], "--time": ["final", str(r["final"])]}
    args[bad[0]] = bad[1:]
    monkeypatch.setattr(sys, "argv", [
        "summary.py", "--erosion", str(r["erosion_facts"][0]), "--table1", str(r["table1"]), "--events",
        str(r["events"]), "--out", str(tmp_path / "s.json"), *(a for k, v in args.items() for a in (k, *v))])
    with pytest.raises(SystemExit) as exit_info:
        summary_main()()
    assert exit_info.value.code == 2 and not (tmp_path / "s.json").exists()
