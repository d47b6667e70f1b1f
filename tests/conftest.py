"""Shared fixtures, made once per session: a tiny prepared folder (synthetic corpus) and the tiny DVC repository."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from usvmask.data.dataset import Dataset, write_dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))  # test helpers such as import_chain

TINY_CORPUS = dict(n_usv=24, n_noise=8, n_test_usv=4, n_test_noise=2, val_fraction=0.25, seed=3, snr_db_min=10.0,
                   snr_db_max=50.0)


@pytest.fixture(scope="session")
def tiny_prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A prepared folder of 32 synthetic spectrograms with truth (read-only for tests: copy before changing)."""
    from usvmask.synth.corpus import make_corpus

    corpus = make_corpus(**TINY_CORPUS)
    out = tmp_path_factory.mktemp("prepared")
    write_dataset(out, Dataset(corpus.table, corpus.images, corpus.truth))
    return out


@dataclass(frozen=True)
class TinyRepo:
    """The tiny pipeline's repository after its first clean `dvc repro`, and the output md5s of that run."""

    path: Path
    first_run: dict[str, str]


@pytest.fixture(scope="session")
def tiny_repo(tmp_path_factory: pytest.TempPathFactory) -> TinyRepo:
    """tests/tiny_repo.py's repository, built by `dvc repro` from nothing and committed (about 2 min on 2 cores)."""
    from tiny_repo import have_git_and_dvc, lock_md5s, new_repo, run

    if not have_git_and_dvc():
        pytest.skip("git and dvc are needed")
    repo = new_repo(tmp_path_factory.mktemp("tiny") / "repo")
    run(["dvc", "repro"], repo)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-qm", "repro"], repo)
    return TinyRepo(repo, lock_md5s(repo))
