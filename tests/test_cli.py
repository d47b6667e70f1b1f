"""The `usvmask` entry point: declared in pyproject, --help for every subcommand, one-line errors."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from usvmask.cli import main

ROOT = Path(__file__).resolve().parents[1]
SUBCOMMANDS = ["prepare", "vocalmat-masks", "score", "import-corrections", "export", "predict-images", "segment",
               "info", "review"]


def test_console_script_target_exists():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, function = scripts["usvmask"].partition(":")
    assert module == "usvmask.cli" and function == "main" and callable(main)


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: usvmask " + command in capsys.readouterr().out


def test_module_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "usvmask.cli", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and all(c in done.stdout for c in SUBCOMMANDS)


def test_score_and_vocalmat_commands_on_the_fixture(tiny_prepared, tmp_path, capsys):
    assert main(["vocalmat-masks", "--data", str(tiny_prepared), "--out", str(tmp_path / "m.zip")]) == 0
    capsys.readouterr()
    assert main(["score", "--data", str(tiny_prepared), "--masks", str(tmp_path / "m.zip"), "--report",
                 str(tmp_path / "r.json"), "--figure", str(tmp_path / "f.png")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"usv", "noise", "all"}


def test_missing_data_folder_is_a_one_line_error(tmp_path, capsys):
    assert main(["vocalmat-masks", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "m.zip")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usvmask: error: ") and err.count("\n") == 1 and "nowhere" in err
    assert not (tmp_path / "m.zip").exists()
