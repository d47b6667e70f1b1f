import cv2
import numpy as np
import pandas as pd
import pytest

import usvmask.data.export as export_mod
from usvmask.errors import UsvmaskError
from usvmask.data.export import export_dataset

NAMES = ["usv_000000", "usv_000001", "usv_000002", "usv_000003"]


def _data(with_source: bool = True):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(4, 12, 10), dtype=np.uint8)
    masks = np.zeros((4, 12, 10), dtype=bool)
    masks[1, 2:5, 3:7] = True  # area 12
    masks[3, 0:2, 0:3] = True  # area 6
    table = pd.DataFrame(
        {
            "name": NAMES[::-1],  # rows in another order than names
            "label": ["up", "noise", "flat", "noise"],
            "kind": ["usv", "noise", "usv", "noise"],
            "split": ["test", "val", "train", "train"],
        }
    )
    if with_source:
        table["source"] = ["corrected", None, "vocalmat", "enhanced"]
    return images, masks, table


def test_layout_index_and_png_round_trip(tmp_path):
    images, masks, table = _data()
    out = tmp_path / "dataset"
    index = export_dataset(out, names=NAMES, images=images, masks=masks, table=table)
    expected = pd.DataFrame(
        {
            "file": [
                "train/images/usv_000000.png",
                "train/images/usv_000001.png",
                "val/images/usv_000002.png",
                "test/images/usv_000003.png",
            ],
            "split": ["train", "train", "val", "test"],
            "class": ["noise", "flat", "noise", "up"],
            "kind": ["noise", "usv", "noise", "usv"],
            "source": ["enhanced", "vocalmat", "pipeline", "corrected"],
            "mask_area": [0, 12, 0, 6],
        }
    )
    pd.testing.assert_frame_equal(index, expected)
    pd.testing.assert_frame_equal(pd.read_csv(out / "index.csv"), expected)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    masks_files = [f.replace("/images/", "/masks/") for f in expected["file"]]
    assert files == sorted(list(expected["file"]) + masks_files)
    for i, (img_file, mask_file) in enumerate(zip(expected["file"], masks_files)):
        img = cv2.imread(str(out / img_file), cv2.IMREAD_UNCHANGED)
        mask = cv2.imread(str(out / mask_file), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(img, images[i])
        assert mask.dtype == np.uint8 and set(np.unique(mask)) <= {0, 255}
        np.testing.assert_array_equal(mask == 255, masks[i])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset"]  # no temp or old folder left


def test_source_defaults_to_pipeline(tmp_path):
    images, masks, table = _data(with_source=False)
    index = export_dataset(tmp_path / "d", names=NAMES, images=images, masks=masks, table=table)
    assert list(index["source"]) == ["pipeline"] * 4


def test_replaces_existing_folder(tmp_path):
    images, masks, table = _data()
    out = tmp_path / "dataset"
    (out / "stale").mkdir(parents=True)
    (out / "stale" / "x.png").write_bytes(b"old")
    export_dataset(out, names=NAMES, images=images, masks=masks, table=table)
    assert not (out / "stale").exists()
    assert (out / "index.csv").is_file()


def _old_tree(out):
    (out / "train" / "images").mkdir(parents=True)
    (out / "index.csv").write_text("file\nold.png\n")
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_error_midway_leaves_old_folder_intact(tmp_path, monkeypatch):
    images, masks, table = _data()
    out = tmp_path / "dataset"
    before = _old_tree(out)
    calls = []

    real_write = export_mod._write_png

    def failing_write(path, array):
        calls.append(path)
        if len(calls) == 3:
            raise OSError("disk full")
        return real_write(path, array)

    monkeypatch.setattr(export_mod, "_write_png", failing_write)
    with pytest.raises(OSError, match="disk full"):
        export_dataset(out, names=NAMES, images=images, masks=masks, table=table)
    assert len(calls) == 3
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.assign(split=["test", "val", "holdout", "train"]), "split of 'usv_000001' is 'holdout'"),
        (lambda t: t.assign(split=["test", None, "train", "train"]), "split of 'usv_000002' is missing"),
        (lambda t: t.drop(columns="split"), r"missing column\(s\) \['split'\]"),
        (lambda t: t.iloc[:3], "no row for 'usv_000000'"),
        (lambda t: pd.concat([t, t.iloc[:1]]), "several rows"),
    ],
)
def test_bad_table_raises_and_keeps_old_folder(tmp_path, change, message):
    images, masks, table = _data()
    out = tmp_path / "dataset"
    before = _old_tree(out)
    with pytest.raises(UsvmaskError, match=rf"^table: .*{message}"):
        export_dataset(out, names=NAMES, images=images, masks=masks, table=change(table))
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_bad_arrays_raise(tmp_path):
    images, masks, table = _data()
    with pytest.raises(UsvmaskError, match="^images:"):
        export_dataset(tmp_path / "d", names=NAMES, images=images.astype(np.float32), masks=masks, table=table)
    with pytest.raises(UsvmaskError, match="^masks:"):
        export_dataset(tmp_path / "d", names=NAMES, images=images, masks=masks[:, :5], table=table)
    assert not (tmp_path / "d").exists()
