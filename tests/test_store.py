import numpy as np
import pandas as pd
import pytest

from usvmask import store
from usvmask.errors import UsvmaskError


def test_stack_round_trip_images_and_masks(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(3, 5, 7), dtype=np.uint8)
    masks = images > 128
    store.write_stack(tmp_path / "i.zip", ["a", "b", "c"], images)
    store.write_stack(tmp_path / "m.zip", ["a", "b", "c"], masks)
    assert np.array_equal(store.read_stack(tmp_path / "i.zip"), images)
    assert np.array_equal(store.read_stack(tmp_path / "m.zip", ["c", "a"], kind="mask"), masks[[2, 0]])
    assert store.stack_names(tmp_path / "i.zip") == ["a", "b", "c"]


def test_stack_is_uncompressed_zip(tmp_path):
    import zipfile

    store.write_stack(tmp_path / "i.zip", ["a"], np.zeros((1, 4, 4), np.uint8))
    with zipfile.ZipFile(tmp_path / "i.zip") as zf:
        assert all(info.compress_type == zipfile.ZIP_STORED for info in zf.infolist())


def test_missing_member_is_one_line_error(tmp_path):
    store.write_stack(tmp_path / "i.zip", ["a"], np.zeros((1, 4, 4), np.uint8))
    with pytest.raises(UsvmaskError, match=r"i\.zip: has no image 'zz'"):
        store.read_stack(tmp_path / "i.zip", ["a", "zz"])


def test_corrupt_zip_names_the_file(tmp_path):
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    with pytest.raises(UsvmaskError, match="bad.zip"):
        store.read_stack(tmp_path / "bad.zip")


def test_atomic_path_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "t.csv"
    store.write_table(target, pd.DataFrame({"a": [1]}))
    with pytest.raises(RuntimeError):
        with store.atomic_path(target) as tmp:
            tmp.write_text("partial")
            raise RuntimeError("killed")
    assert target.read_text().strip().splitlines() == ["a", "1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]
