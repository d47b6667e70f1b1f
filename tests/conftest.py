"""Shared fixtures: a tiny prepared folder (synthetic corpus) made once per session."""

from __future__ import annotations

import sys
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
