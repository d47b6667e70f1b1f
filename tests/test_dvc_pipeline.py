"""`dvc repro`, a review's corrections and `dvc metrics diff` on a tiny config in a temporary git repo.

The repository is the session's `tiny_repo` (tests/conftest.py). test_experiments runs the README's experiments in a
fresh clone: that two clean runs give byte-identical outputs, and that `dvc exp run -S erosion...` re-runs only the
erosion loop and what follows, are checked there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tiny_repo import run


@pytest.fixture(scope="module")
def repo(tiny_repo) -> Path:
    """The session's tiny repository after its first `dvc repro` (committed); these tests change it in turn."""
    return tiny_repo.path


def test_repro_writes_every_report_and_is_up_to_date(repo: Path):
    for name in ("vocalmat_masks", "enhance", "erosion_it1", "import_corrections"):
        report = json.loads((repo / "reports" / f"{name}.json").read_text())
        assert 0.0 <= report["usv"]["dice"] <= 100.0
        assert report["null"]["noise"]["dice"] == 100.0
    assert (repo / "data" / "export" / "index.csv").exists()
    table1 = (repo / "reports" / "table1.md").read_text()
    assert "SqueakOut with augmentation" in table1 and "VocalMat" in table1
    assert "f1" in json.dumps(json.loads((repo / "reports" / "segment.json").read_text())).lower()
    assert (repo / "reports" / "plots" / "erosion_dice.csv").exists()
    assert "up to date" in run(["dvc", "status"], repo).lower() or run(["dvc", "status"], repo).strip() == ""


def test_iterations_past_max_pass_through(repo: Path):
    facts = json.loads((repo / "reports" / "erosion" / "it2.json").read_text())
    assert facts["active"] is False
    same = (repo / "data" / "construct" / "it1" / "masks.zip").read_bytes()
    assert (repo / "data" / "construct" / "it2" / "masks.zip").read_bytes() == same


def test_forced_pretrain_on_an_unchanged_tree_leaves_the_rest_cached(repo: Path):
    run(["dvc", "repro", "-f", "-s", "pretrain"], repo)
    status = json.loads(run(["dvc", "status", "--json"], repo))
    # the byte-stable checkpoint keeps every model-consuming stage cached; only `summary`, which collects the
    # seconds each stage spent (reports/pretrain.json's included), sees a changed input
    assert set(status) <= {"summary"}, status
    if status:
        assert status["summary"] == [{"changed deps": {"reports/pretrain.json": "modified"}}], status


def test_review_corrections_flow_into_repro(repo: Path):
    from usvmask.data.dataset import load_masks
    from usvmask.review.load import open_session
    from usvmask.review.session import encode_runs

    run(["dvc", "repro"], repo)  # whatever an earlier test left is built first
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-qm", "before the review", "--allow-empty"], repo)
    before = (repo / "data" / "corrected" / "masks.zip").read_bytes()
    session, _ = open_session(repo / "data" / "prepared", repo / "data" / "construct" / "it3" / "masks.zip",
                              repo / "data" / "corrections" / "manual")
    name, mask = session.names[0], session.current(0).copy()
    mask[:12, :12] = ~mask[:12, :12]  # a correction that differs from every mask set so far
    session.save(name, decision="edit", version=0, save_id="ci", mask=encode_runs(mask))
    out = run(["dvc", "repro"], repo)
    ran = {line.split("'")[1] for line in out.splitlines() if line.startswith("Running stage")}
    upstream = {"prepare", "vocalmat_masks", "pretrain", "finetune_usv", "finetune_noise", "enhance",
                "simulate_corrections", *(f"erosion@it{i}" for i in (1, 2, 3)),
                *(f"score@{key}" for key in ("vocalmat_masks", "enhance", "erosion_it1", "erosion_it2",
                                             "erosion_it3"))}
    assert "import_corrections" in ran and not ran & upstream, ran
    assert (repo / "data" / "corrected" / "masks.zip").read_bytes() != before
    assert (load_masks(repo / "data" / "corrected" / "masks.zip", [name])[0] == mask).all()
    changed = json.loads(run(["dvc", "metrics", "diff", "--json"], repo))
    assert "reports/facts/import_corrections.json" in changed and "reports/import_corrections.json" in changed
