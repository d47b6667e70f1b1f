"""`usvmask review` as a command: help, one-line errors at start, pipeline-checkout defaults, one server per folder."""

from __future__ import annotations

import shutil
import subprocess
import textwrap

import pytest

from usvmask.cli import main
from usvmask.errors import UsvmaskError
from usvmask.review.cli import hold_lock, pipeline_defaults

DVC_YAML = """\
vars:
  - iterations:
      it1: {prev: it0}
      it2: {prev: it1}
stages:
  erosion:
    foreach: ${iterations}
    do:
      cmd: python stages/erosion.py --prev-masks data/construct/${item.prev}/masks.zip
        --out data/construct/${key}/masks.zip
  import_corrections:
    cmd: python stages/import_corrections.py --data data/prepared --masks data/construct/it2/masks.zip
      --corrections data/corrections/simulated data/corrections/manual --out data/corrected/masks.zip
"""


def test_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["review", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: usvmask review" in out and "127.0.0.1" in out and "--port" in out


def test_masks_of_other_images_stop_with_one_line(review_inputs, tmp_path, capsys):
    shutil.copy(review_inputs["masks"], tmp_path / "m.zip")
    other = tmp_path / "other.zip"
    with open(other, "wb") as f:
        f.write(b"not a zip")
    code = main(["review", "--data", str(review_inputs["data"]), "--masks", str(other), "--out", str(tmp_path / "o"),
                 "--port", "0"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith(f"usvmask: error: {other}: not a readable masks zip")
    assert not (tmp_path / "o").exists()


def test_outside_a_checkout_the_paths_are_required(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["review"]) == 2
    err = capsys.readouterr().err
    assert "no dvc.yaml here" in err and "--data, --masks or --out" in err and err.count("\n") == 1


@pytest.fixture
def checkout(tmp_path):
    if shutil.which("dvc") is None:
        pytest.skip("dvc is needed")
    (tmp_path / "dvc.yaml").write_text(textwrap.dedent(DVC_YAML))
    subprocess.run(["dvc", "init", "--no-scm", "-q"], cwd=tmp_path, check=True)
    construct = tmp_path / "data" / "construct"
    for key, content in (("it0", b"zero"), ("it1", b"one"), ("it2", b"one")):  # it2 passed it1's masks on
        (construct / key).mkdir(parents=True)
        (construct / key / "masks.zip").write_bytes(content)
    return tmp_path


def test_pipeline_defaults_follow_import_corrections_and_skip_passed_on_iterations(checkout):
    found = pipeline_defaults(checkout)
    assert found["data"] == checkout / "data" / "prepared"
    assert found["masks"] == checkout / "data" / "construct" / "it2" / "masks.zip"
    assert found["out"] == checkout / "data" / "corrections" / "manual"  # the last folder: it wins
    assert found["compare"] == checkout / "data" / "construct" / "it0" / "masks.zip"  # it1 is the same bytes
    (checkout / "data" / "construct" / "it1" / "masks.zip").write_bytes(b"other")
    assert pipeline_defaults(checkout)["compare"] == checkout / "data" / "construct" / "it1" / "masks.zip"
    (checkout / "data" / "construct" / "it1" / "masks.zip").write_bytes(b"one")
    (checkout / "data" / "construct" / "it0" / "masks.zip").write_bytes(b"one")
    assert pipeline_defaults(checkout)["compare"] is None  # nothing earlier differs


def test_defaults_in_a_checkout_name_the_missing_masks(checkout, monkeypatch, capsys):
    monkeypatch.chdir(checkout)
    (checkout / "data" / "construct" / "it2" / "masks.zip").unlink()
    assert main(["review", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "data/construct/it2/masks.zip: no such masks file" in err and "run dvc repro first" in err


def test_one_server_per_corrections_folder(tmp_path):
    first = hold_lock(tmp_path)
    if first is None:
        pytest.skip("no POSIX file locks here")
    try:
        with pytest.raises(UsvmaskError, match="another usvmask review .* is writing here"):
            hold_lock(tmp_path)
    finally:
        first.close()
    hold_lock(tmp_path).close()  # free again once the first one is gone
