"""The tiny pipeline in a temporary git repository, shared by the DVC tests (test_dvc_pipeline, test_experiments).

`tiny_params` shrinks params.yaml so the whole `dvc repro` runs in about 2 min on 2 cores; `new_repo` copies the
code and commits it with those params and no outputs, as a fresh `git clone` would be.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# Tiny masks fill most of the 227² image. With a 96×96 kernel factor 4 (36,864 px) finds segments to erode, while
# factor 6 (55,296 px, more than the whole image) finds none: an erosion iteration with factor 6 passes its input on.
TINY_KERNEL = [96, 96]


def tiny_params() -> dict:
    """params.yaml with a 20-spectrogram corpus, 32² networks, one epoch per training and one erosion iteration."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["prepare"]["synthetic"].update(n_usv=14, n_noise=6, n_test_usv=2, n_test_noise=1, val_fraction=0.3,
                                          workers=1)
    params["pretrain"].update(input_size=32, max_epochs=1, architecture={"name": "unet", "base_channels": 4,
                                                                         "depth": 2})
    for section in ("finetune_usv", "finetune_noise"):
        params[section]["max_epochs"] = 1
    # tiny masks: keep iteration 1 active (no ring-contrast stop) with a kernel that finds segments to erode
    params["erosion"].update(max_iterations=1, stop_ring_contrast=None, kernel=TINY_KERNEL)
    params["train_final"].update(input_size=32, max_epochs=1, unet={"base_channels": 4, "depth": 2})
    params["segment_eval"].update(n_recordings=1, duration_s=2.0)
    return params


def run(cmd: list[str], cwd: Path) -> str:
    """Run `cmd` in `cwd`; its stdout, or a failed assertion with the tail of both streams."""
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def new_repo(repo: Path) -> Path:
    """`repo` (created) as a git + DVC repository of the code and tiny params, committed, without any output."""
    repo.mkdir(parents=True)
    for name in ("dvc.yaml", ".gitignore"):
        shutil.copy(ROOT / name, repo / name)
    shutil.copytree(ROOT / "stages", repo / "stages", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "src", repo / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(ROOT / "data" / "corrections" / "manual", repo / "data" / "corrections" / "manual")
    (repo / "params.yaml").write_text(yaml.safe_dump(tiny_params(), sort_keys=False))
    for cmd in (["git", "init", "-q"], ["git", "config", "user.email", "ci@example.com"],
                ["git", "config", "user.name", "ci"], ["dvc", "init", "-q"],
                ["dvc", "config", "core.analytics", "false"], ["git", "add", "-A"], ["git", "commit", "-qm", "tiny"]):
        run(cmd, repo)
    return repo


def lock_md5s(repo: Path) -> dict[str, str]:
    """out path -> md5 of every stage output recorded in `repo`'s dvc.lock."""
    lock = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]
    return {out["path"]: out["md5"] for stage in lock.values() for out in stage.get("outs", [])}


def have_git_and_dvc() -> bool:
    return shutil.which("git") is not None and shutil.which("dvc") is not None
