"""The README's "Comparing experiments" commands, run verbatim in a fresh clone of the tiny pipeline.

The code blocks are read from README.md, so the README and this test cannot drift apart. The fresh clone is a
temporary git repository holding the code and a tiny params.yaml, and no outputs: the first `dvc exp run` builds
everything, the variant re-runs the erosion loop and what follows (together 8.5 min on 2 cores shared with a
benchmark; the sweep, marked slow, 6 min more). The baseline is a second clean run of the session's tiny
repository's params, so it also shows that two clean runs give byte-identical outputs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tiny_repo import ROOT, have_git_and_dvc, lock_md5s, new_repo

WIDTH = 120  # the terminal the tables must fit (tiny_repo's 96×96 kernel: factor 6 finds nothing to erode, so the
# README's variant passes its input through and its numbers differ from the baseline's)


def readme_blocks() -> list[list[str]]:
    """The command lines of each bash block of the README's "Comparing experiments" section."""
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Comparing experiments\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    return [[line for line in block.splitlines() if line.strip()] for block in blocks]


def shell(line: str, repo: Path) -> str:
    """Run one README line as a user would, in a 120-column terminal; the stages run the clone's own code."""
    env = {**os.environ, "COLUMNS": str(WIDTH), "PYTHONPATH": str(repo / "src")}
    done = subprocess.run(["bash", "-c", line], cwd=repo, capture_output=True, text=True, env=env)
    assert done.returncode == 0, f"{line} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], dict[str, str]]:
    """The fresh clone after the README's comparison block, each command's output, and the baseline's output md5s."""
    if not have_git_and_dvc():
        pytest.skip("git and dvc are needed")
    repo = new_repo(tmp_path_factory.mktemp("experiments") / "clone")
    first, *rest = readme_blocks()[0]
    assert first == "dvc exp run -n baseline", first  # the baseline is a clean run of the tiny params
    outputs = {first: shell(first, repo)}
    baseline = lock_md5s(repo)
    outputs.update({line: shell(line, repo) for line in rest})
    return repo, outputs, baseline


def output_of(outputs: dict[str, str], command: str) -> str:
    return next(out for line, out in outputs.items() if line.startswith(command))


def diff_table(table: str) -> list[list[str]]:
    """`dvc metrics diff` table → its rows [path, metric, old, new, change] (columns are 2+ spaces apart)."""
    rows = [re.split(r"\s{2,}", line.strip()) for line in table.strip().splitlines()]
    assert rows and rows[0][:2] == ["Path", "Metric"], table
    return rows[1:]


def diff_rows(table: str) -> dict[str, list[str]]:
    """`dvc metrics diff` table of one file → {metric: [path, old, new, change]}."""
    return {row[1]: [row[0], *row[2:]] for row in diff_table(table)}


def assert_fits(table: str) -> None:
    too_wide = [line for line in table.splitlines() if len(line) > WIDTH]
    assert too_wide == [] and "…" not in table, f"does not fit {WIDTH} columns:\n{table}"


# Outputs that record wall-clock seconds or machine speed, so two runs differ there and nowhere else (README).
TIMED = ("reports/facts/", "reports/pretrain.json", "reports/finetune_", "reports/erosion/", "reports/train_final/",
         "reports/evaluate.json", "reports/table1.md", "reports/segment.json", "reports/summary.json")


def test_two_clean_runs_give_byte_identical_outputs(compared, tiny_repo):
    """The clone's baseline (`dvc exp run`, another folder) against the session repo's first `dvc repro`."""
    _, _, baseline = compared
    first = tiny_repo.first_run
    assert set(baseline) == set(first)
    differ = sorted(path for path in first if baseline[path] != first[path])
    assert [path for path in differ if not path.startswith(TIMED)] == []
    assert "models/pretrain.pt" in first and baseline["models/pretrain.pt"] == first["models/pretrain.pt"]
    assert "data/corrected/masks.zip" in first and any(path.startswith(TIMED) for path in first)


UPSTREAM = {"prepare", "vocalmat_masks", "pretrain", "finetune_usv", "finetune_noise", "enhance"}


def test_readme_variant_reruns_only_the_erosion_loop_and_after(compared):
    _, outputs, _ = compared
    out = output_of(outputs, "dvc exp run -n factor6")
    ran = {line.split("'")[1] for line in out.splitlines() if line.startswith("Running stage")}
    assert "erosion@it1" in ran and not ran & UPSTREAM, ran
    assert {"train_final@squeakout", "evaluate", "summary"} <= ran  # the final models train on the new masks


def test_readme_comparison_shows_the_variants_erosion_numbers(compared):
    repo, outputs, _ = compared
    table = output_of(outputs, "dvc metrics diff")
    assert_fits(table)
    rows = diff_rows(table)
    assert {row[0] for row in rows.values()} == {"reports/summary.json"}
    erosion = {key for key in rows if re.fullmatch(r"it[1-3]_(usv|noise)|iters|stop", key)}
    assert erosion, f"no erosion number changed:\n{table}"
    assert not rows.keys() & {"vm_usv", "vm_noise", "it0_usv", "it0_noise"}, "upstream of the erosion loop changed"
    assert "total_s" in rows
    summary = json.loads((repo / "reports" / "summary.json").read_text())  # the variant's, now in the workspace
    assert summary["stop"] == "nothing left to erode" and summary["iters"] == 0
    assert len(summary) <= 24 and not any(isinstance(value, dict) for value in summary.values())


def test_readme_plots_diff_draws_both_experiments_on_one_figure(compared):
    repo, _, _ = compared
    html = (repo / "dvc_plots" / "index.html").read_text()
    assert html.count("$schema") == 1  # one figure
    assert {"baseline", "factor6"} <= set(re.findall(r'"rev": "([^"]+)"', html))
    assert '"dice_usv"' in html and "Dice vs truth per construction iteration" in html


QUICK_RUNS = {"erosion@it1", "erosion@it2", "erosion@it3", "score@erosion_it1", "score@erosion_it2",
              "score@erosion_it3", "erosion_summary", "simulate_corrections", "import_corrections",
              "score@import_corrections"}


def test_readme_quick_look_reruns_only_the_construction_stages(compared):
    repo, _, _ = compared
    run_line, diff_line = readme_blocks()[2]
    ran = {line.split("'")[1] for line in shell(run_line, repo).splitlines() if line.startswith("Running stage")}
    assert "erosion@it1" in ran and ran <= QUICK_RUNS, ran  # no final model, Table 1 or summary
    table = shell(diff_line, repo)
    assert_fits(table)
    changed = {(row[0], row[1]) for row in diff_table(table)}
    assert ("reports/erosion_it1.json", "usv.dice") in changed, table


@pytest.mark.slow
def test_readme_sweep_table_compares_every_value(compared):  # three experiments in temporary copies
    repo, _, _ = compared
    lines = readme_blocks()[1]
    outputs = {line: shell(line, repo) for line in lines}
    table = outputs[lines[-1]]
    assert_fits(table)
    rows = {m.group(1): line for line in table.splitlines() if (m := re.search(r"\[(factor-\d)\]", line))}
    assert sorted(rows) == ["factor-1", "factor-2", "factor-3"], table
    factors = {name: line.split()[-1] for name, line in rows.items()}
    assert factors == {"factor-1": "3", "factor-2": "4", "factor-3": "6"}, table
    assert "nothing left to erode" in rows["factor-3"] and "nothing left to erode" not in rows["factor-2"]
