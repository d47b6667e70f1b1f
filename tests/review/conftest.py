"""Masks to review on the tiny prepared folder: the truth spoiled in known ways, and a previous iteration."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage as ndi

from usvmask.data.dataset import load_dataset
from usvmask.data.store import write_stack

SPOILED_USV = (0, 1, 2, 3)  # their masks are dilated by 3 pixels in "masks.zip"
SPOILED_NOISE = 2  # the first two noise images get a false 12x12 call


@pytest.fixture(scope="session")
def review_inputs(tiny_prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """prepared folder, masks.zip (truth with errors), previous.zip (the same without the USV errors), and the
    names of the spoiled masks."""
    data = load_dataset(tiny_prepared, with_truth=True)
    masks = data.truth.copy()
    for i in SPOILED_USV:
        masks[i] = ndi.binary_dilation(masks[i], iterations=3)
    noise = np.flatnonzero(data.table["kind"].to_numpy() == "noise")[:SPOILED_NOISE]
    masks[noise, 100:112, 100:112] = True
    previous = masks.copy()
    previous[list(SPOILED_USV)] = data.truth[list(SPOILED_USV)]
    out = tmp_path_factory.mktemp("review_inputs")
    write_stack(out / "masks.zip", data.names, masks)
    write_stack(out / "previous.zip", data.names, previous)
    spoiled = [data.names[i] for i in SPOILED_USV] + [data.names[i] for i in noise]
    return {"data": tiny_prepared, "masks": out / "masks.zip", "previous": out / "previous.zip", "spoiled": spoiled}


@pytest.fixture
def corrections_dir(tmp_path: Path) -> Path:
    """An empty corrections folder (a fresh one per test)."""
    folder = tmp_path / "manual"
    folder.mkdir()
    return folder


def copy_tree(src: Path, dst: Path) -> Path:
    """A copy of a folder, for tests that change it."""
    shutil.copytree(src, dst)
    return dst
