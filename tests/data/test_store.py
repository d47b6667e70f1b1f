import json

import numpy as np
import pandas as pd
import pytest

from usvmask.data import store
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


def test_write_json_atomic_sorted(tmp_path):
    path = tmp_path / "new" / "metrics.json"
    store.write_json(path, {"b": np.float32(0.5), "a": {"d": np.int64(3), "c": np.array([1, 2])}})
    text = path.read_text()
    assert json.loads(text) == {"a": {"c": [1, 2], "d": 3}, "b": 0.5}
    assert text.index('"a"') < text.index('"b"') and text.index('"c"') < text.index('"d"')
    assert '\n  "a"' in text
    store.write_json(path, {"z": 1})
    assert json.loads(path.read_text()) == {"z": 1}
    assert sorted(p.name for p in path.parent.iterdir()) == ["metrics.json"]


def test_write_json_failure_leaves_no_temp_file(tmp_path):
    with pytest.raises(TypeError):
        store.write_json(tmp_path / "bad.json", {"x": object()})
    assert list(tmp_path.iterdir()) == []


def test_temp_names_are_short_and_stale_ones_are_removed(tmp_path):
    long_name = "x" * 240 + ".png"
    store.write_bytes(tmp_path / long_name, b"data")  # a temp name built from the target's would overflow
    assert (tmp_path / long_name).read_bytes() == b"data" and (tmp_path / long_name).stat().st_mode & 0o777 == 0o644
    (tmp_path / ".tmp-abc123.zip").write_bytes(b"left by a killed run")
    (tmp_path / ".tmp-dir").mkdir()
    assert store.remove_stale_temps(tmp_path) == 2
    assert [p.name for p in tmp_path.iterdir()] == [long_name]


def test_atomic_dir_replaces_a_folder_only_when_complete(tmp_path):
    out = tmp_path / "out"
    with store.atomic_dir(out) as tmp:
        (tmp / "a.txt").write_text("1")
    with pytest.raises(RuntimeError), store.atomic_dir(out) as tmp:
        (tmp / "b.txt").write_text("2")
        raise RuntimeError("killed")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"]
    with store.atomic_dir(out) as tmp:
        (tmp / "c.txt").write_text("3")
    assert sorted(p.name for p in out.iterdir()) == ["c.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_stale_temps_of_one_target_only(tmp_path):
    mine = tmp_path / f"{store.temp_prefix('masks.zip')}dead.zip"
    other = tmp_path / f"{store.temp_prefix('images.zip')}live.zip"
    mine.write_bytes(b"left by a killed run")
    other.write_bytes(b"another writer's")
    store.write_stack(tmp_path / "masks.zip", ["a"], np.zeros((1, 2, 2), np.uint8))  # cleans its own target first
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["masks.zip", other.name])


def test_check_writable_names_the_path_and_the_fix(tmp_path):
    (tmp_path / "f").write_text("x")
    assert store.check_writable(tmp_path / "new" / "deeper", folder=True) == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()  # checked, not created
    for path, folder, words in ((tmp_path / "f", True, "exists and is not a folder"),
                                (tmp_path, False, "is a folder, not a file"),
                                (tmp_path / "f" / "x.zip", False, "is a file, not a folder")):
        with pytest.raises(UsvmaskError, match=words):
            store.check_writable(path, folder=folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]
