"""Static checks of dvc.yaml and params.yaml: truth isolation, params that exist, one section per stage."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TRUTH_READERS = {"score", "simulate_corrections", "evaluate", "segment_eval", "erosion_summary"}


def load(name):
    return yaml.safe_load((ROOT / name).read_text())


def deps_of(stage):
    body = stage.get("do", stage)
    return [d if isinstance(d, str) else next(iter(d)) for d in body.get("deps", [])]


def test_no_training_or_enhancement_stage_depends_on_truth():
    stages = load("dvc.yaml")["stages"]
    offenders = []
    for name, stage in stages.items():
        if name in TRUTH_READERS:
            continue
        for dep in deps_of(stage):
            if "truth" in dep or dep.rstrip("/") == "data/prepared":
                offenders.append(f"{name}: {dep}")
    assert offenders == []
    assert "pretrain" in stages and "erosion" in stages  # the check above saw the training stages


def test_truth_readers_are_only_metrics_stages():
    stages = load("dvc.yaml")["stages"]
    readers = {n for n, s in stages.items() if any(d.rstrip("/") == "data/prepared" for d in deps_of(s))}
    assert readers <= TRUTH_READERS
    assert "score" in readers


def test_every_params_key_has_a_comment():
    lines = (ROOT / "params.yaml").read_text().splitlines()
    uncommented = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#") and "#" not in ln]
    assert uncommented == []


def test_params_sections_used_by_dvc_exist():
    params = load("params.yaml")
    stages = load("dvc.yaml")["stages"]
    for name, stage in stages.items():
        for key in stage.get("do", stage).get("params", []):
            node = params
            for part in str(key).split("."):
                assert part in node, f"{name}: params key {key} missing"
                node = node[part]


def test_each_stage_reads_the_params_section_of_its_own_name():
    params = load("params.yaml")
    stages = load("dvc.yaml")["stages"]
    for name, stage in stages.items():
        body = stage.get("do", stage)
        listed = [str(k).split(".")[0] for k in body.get("params", [])]
        if listed:
            assert listed[0] == name and name in params, f"{name}: its first params section should be {name}"
