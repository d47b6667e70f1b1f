"""Decisions land in the formats `import_corrections` reads, the folder stays valid, a user's files are respected."""

import json
from pathlib import Path

import numpy as np
import pytest

from usvmask import paths
from usvmask.data.store import write_png
from usvmask.errors import UsvmaskError
from usvmask.masks.corrections_io import load_corrections
from usvmask.review.folder import CorrectionsFolder, Decision, read_log, write_log

NAMES = ["a", "b", "c"]
SHAPE = (16, 16)


def _blobs() -> np.ndarray:
    """Two separate squares: two 8-connected components."""
    mask = np.zeros(SHAPE, bool)
    mask[2:5, 2:5] = True
    mask[9:12, 9:14] = True
    return mask


def _loaded(folder: Path):
    return load_corrections(folder, names=NAMES, shape=SHAPE)


def test_an_edit_is_a_coco_rle_record_with_one_annotation_per_component(tmp_path):
    folder = CorrectionsFolder(tmp_path, NAMES, SHAPE)
    folder.write("b", _blobs(), np.zeros(SHAPE, bool))
    coco = json.loads((tmp_path / paths.CORRECTIONS_COCO).read_text())
    assert [img["file_name"] for img in coco["images"]] == ["b.png"]
    assert len(coco["annotations"]) == 2 and all(a["iscrowd"] == 1 for a in coco["annotations"])
    assert isinstance(coco["annotations"][0]["segmentation"]["counts"], str)
    found = _loaded(tmp_path)
    assert np.array_equal(found.masks["b"], _blobs()) and not found.noise


def test_clear_all_goes_to_the_noise_list_and_keeps_the_users_lines(tmp_path):
    (tmp_path / paths.CORRECTIONS_NOISE).write_text("# mine\nc  # checked by hand\n")
    folder = CorrectionsFolder(tmp_path, NAMES, SHAPE)
    folder.write("a", np.zeros(SHAPE, bool), _blobs())
    assert (tmp_path / paths.CORRECTIONS_NOISE).read_text() == "# mine\nc  # checked by hand\na\n"
    assert _loaded(tmp_path).noise == {"a", "c"}
    folder.write("a", _blobs(), _blobs())  # back to the mask under review: no correction any more
    assert (tmp_path / paths.CORRECTIONS_NOISE).read_text() == "# mine\nc  # checked by hand\n"
    assert _loaded(tmp_path).noise == {"c"} and "a" not in folder.corrected


def test_an_image_moves_between_files_and_is_never_in_two(tmp_path):
    folder = CorrectionsFolder(tmp_path, NAMES, SHAPE)
    base = np.zeros(SHAPE, bool)
    folder.write("a", _blobs(), base)
    folder.write("a", np.zeros(SHAPE, bool), _blobs())  # cleared: COCO record gone, listed as noise
    found = _loaded(tmp_path)
    assert found.noise == {"a"} and not found.masks
    assert json.loads((tmp_path / paths.CORRECTIONS_COCO).read_text())["images"] == []
    folder.write("a", _blobs(), base)
    assert set(_loaded(tmp_path).masks) == {"a"} and not _loaded(tmp_path).noise


def test_coco_records_the_app_did_not_write_are_kept(tmp_path):
    folder = CorrectionsFolder(tmp_path, NAMES, SHAPE)
    folder.write("a", _blobs(), np.zeros(SHAPE, bool))
    again = CorrectionsFolder(tmp_path, NAMES, SHAPE)  # a new session over the same folder
    small = np.zeros(SHAPE, bool)
    small[0, 0] = True
    again.write("b", small, np.zeros(SHAPE, bool))
    found = _loaded(tmp_path)
    assert np.array_equal(found.masks["a"], _blobs()) and np.array_equal(found.masks["b"], small)


def test_an_image_another_json_corrects_gets_a_png_override(tmp_path):
    other = {"images": [{"id": 1, "file_name": "c.png", "width": 16, "height": 16}],
             "annotations": [{"id": 1, "image_id": 1, "segmentation": [[1, 1, 6, 1, 6, 6, 1, 6]]}]}
    (tmp_path / "cvat_export.json").write_text(json.dumps(other))
    folder = CorrectionsFolder(tmp_path, NAMES, SHAPE)
    folder.write("c", np.zeros(SHAPE, bool), _blobs())
    assert (tmp_path / paths.CORRECTIONS_MASKS / "c.png").is_file()
    assert not (tmp_path / paths.CORRECTIONS_NOISE).exists()
    assert not _loaded(tmp_path).masks["c"].any()  # the PNG (empty) overrides the other file's polygon


def test_an_existing_png_override_is_rewritten_not_shadowed(tmp_path):
    write_png(tmp_path / paths.CORRECTIONS_MASKS / "b.png", np.ones(SHAPE, bool))
    folder = CorrectionsFolder(tmp_path, NAMES, SHAPE)
    folder.write("b", _blobs(), np.zeros(SHAPE, bool))
    assert not (tmp_path / paths.CORRECTIONS_COCO).exists()
    assert np.array_equal(_loaded(tmp_path).masks["b"], _blobs())


def test_a_folder_import_would_refuse_is_refused_at_start(tmp_path):
    (tmp_path / paths.CORRECTIONS_NOISE).write_text("zz\n")
    with pytest.raises(UsvmaskError, match="unknown image name 'zz'"):
        CorrectionsFolder(tmp_path, NAMES, SHAPE)


def test_the_review_log_round_trips_and_is_not_read_by_import(tmp_path):
    assert not paths.CORRECTIONS_REVIEW_LOG.endswith(".json") and paths.CORRECTIONS_REVIEW_LOG not in (paths.CORRECTIONS_NOISE, paths.CORRECTIONS_COCO)
    log = {"b": Decision("accept", False, 2, "2024-01-01T00:00:00+00:00", "x1"),
           "a": Decision("edit", True, 1, "2024-01-01T00:00:01+00:00", "x2")}
    write_log(tmp_path / paths.CORRECTIONS_REVIEW_LOG, log)
    assert (tmp_path / paths.CORRECTIONS_REVIEW_LOG).read_text().splitlines()[1].startswith("a\tedit\ttrue\t1\t")
    assert read_log(tmp_path / paths.CORRECTIONS_REVIEW_LOG, set(NAMES)) == log
    assert _loaded(tmp_path).sources == {}


@pytest.mark.parametrize("row, message", [("a\tedit\ttrue\tseven\tt\ts", "malformed"),
                                          ("zz\tedit\ttrue\t1\tt\ts", "unknown image 'zz'")])
def test_a_bad_review_log_is_a_one_line_error(tmp_path, row, message):
    (tmp_path / paths.CORRECTIONS_REVIEW_LOG).write_text("name\tdecision\tchanged\tversion\tsaved_at\tsave_id\n" + row + "\n")
    with pytest.raises(UsvmaskError, match=message):
        read_log(tmp_path / paths.CORRECTIONS_REVIEW_LOG, set(NAMES))
