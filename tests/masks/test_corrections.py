import json
from pathlib import Path

import cv2
import numpy as np
import pycocotools.mask as mask_util
import pytest

from usvmask.masks.corrections import (
    Corrections,
    apply_corrections,
    load_corrections,
    merge_corrections,
    simulate_corrections,
    write_corrections,
)
from usvmask.errors import UsvmaskError
from usvmask.evaluate.metrics import dice_scores

H = W = 16
SHAPE = (H, W)
NAMES = [f"usv_{i:06d}" for i in range(10)]


def _dataset():
    """Truth: a 4x4 call; prediction of image i misses i call pixels: Dice 100·(2(16-i)+1)/(33-i) falls with i."""
    truth = np.zeros((10, H, W), dtype=bool)
    pred = np.zeros_like(truth)
    kinds = ["usv"] * 10
    for i in range(10):
        truth[i, 4:8, 4:8] = True
        call = np.ones((4, 4), dtype=bool)
        call.flat[:i] = False
        pred[i, 4:8, 4:8] = call
    kinds[9] = "noise"
    truth[9] = pred[9] = False
    pred[9, 0:2, 0:2] = True  # a noise image with a false call: Dice 100/5 = 20, the worst
    kinds[0] = "noise"
    truth[0] = pred[0] = False  # a clean noise image: Dice 100
    return pred, truth, kinds


def _runs(m: np.ndarray) -> list[int]:
    """Uncompressed COCO RLE counts: column-major runs, starting with a (possibly empty) run of zeros."""
    counts, current, n = [], False, 0
    for v in m.T.ravel():
        if v == current:
            n += 1
        else:
            counts.append(n)
            current, n = v, 1
    return counts + [n]


def _coco(segmentation, *, file_name="usv_000001.png", width=W, height=H, image_id=1, ann_image_id=1):
    return {
        "images": [{"id": image_id, "file_name": file_name, "width": width, "height": height}],
        "annotations": [{"id": 7, "image_id": ann_image_id, "category_id": 1, "segmentation": segmentation}],
        "categories": [{"id": 1, "name": "usv"}],
    }


def _write_json(folder: Path, data, name="a.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


SQUARE = [[2, 2, 6, 2, 6, 6, 2, 6]]


def test_dice_scores_hand_values():
    p = np.zeros((3, 4, 4), dtype=bool)
    t = np.zeros_like(p)
    p[1, 0, 0:2] = True
    t[1, 0, 1:3] = True  # |P|=|T|=2, overlap 1 -> 100*(2+1)/(4+1) = 60
    p[2, 0, 0] = True  # |P|=1, |T|=0 -> 100*1/2 = 50
    np.testing.assert_allclose(dice_scores(p, t), [100.0, 60.0, 50.0])


def test_fraction_picks_the_worst_count():
    pred, truth, kinds = _dataset()
    sim = simulate_corrections(NAMES, pred, truth, kinds, fraction=0.3)
    # Dice: image 9 = 20, image 8 = 100·17/25 = 68, image 7 = 100·19/26 ≈ 73.1, image 6 = 100·21/27 ≈ 77.8.
    np.testing.assert_allclose(dice_scores(pred, truth)[6:], [2100 / 27, 1900 / 26, 68.0, 20.0])
    assert sim.picked == ["usv_000007", "usv_000008", "usv_000009"]
    assert sim.noise_names == ["usv_000009"]
    assert [im["file_name"] for im in sim.coco["images"]] == ["usv_000007.png", "usv_000008.png"]


@pytest.mark.parametrize(("fraction", "count"), [(0.0, 0), (0.15, 2), (0.25, 3), (1.0, 10)])
def test_fraction_rounds_half_up(fraction, count):
    pred, truth, kinds = _dataset()
    assert len(simulate_corrections(NAMES, pred, truth, kinds, fraction=fraction).picked) == count


def test_bad_fraction_names_key():
    pred, truth, kinds = _dataset()
    with pytest.raises(UsvmaskError, match="^fraction:"):
        simulate_corrections(NAMES, pred, truth, kinds, fraction=1.5)


def test_one_annotation_per_component_and_deterministic():
    pred, truth, kinds = _dataset()
    truth[8, 12:14, 12:14] = True  # second call on image 8
    a = simulate_corrections(NAMES, pred, truth, kinds, fraction=1.0, seed=3)
    b = simulate_corrections(NAMES, pred, truth, kinds, fraction=1.0, seed=3)
    assert a == b
    per_image = [ann["image_id"] for ann in a.coco["annotations"]]
    image_8 = next(im["id"] for im in a.coco["images"] if im["file_name"] == "usv_000008.png")
    assert per_image.count(image_8) == 2
    assert len({ann["id"] for ann in a.coco["annotations"]}) == len(per_image)


def test_round_trip_recovers_truth_on_picked(tmp_path):
    pred, truth, kinds = _dataset()
    sim = simulate_corrections(NAMES, pred, truth, kinds, fraction=0.5, seed=1)
    coco_path, noise_path = write_corrections(tmp_path / "new" / "corr", sim)
    assert coco_path.is_file() and noise_path.is_file()
    assert sorted(p.name for p in coco_path.parent.iterdir()) == ["corrections.json", "noise.txt"]  # no temp files
    corr = load_corrections(tmp_path / "new" / "corr", names=NAMES, shape=SHAPE)
    before = pred.copy()
    fixed, changed = apply_corrections(NAMES, pred, corr)
    np.testing.assert_array_equal(pred, before)
    picked = [NAMES.index(n) for n in sim.picked]
    assert len(picked) == 5
    np.testing.assert_array_equal(fixed[picked], truth[picked])
    others = [i for i in range(10) if i not in picked]
    np.testing.assert_array_equal(fixed[others], pred[others])
    assert changed == sorted(set(sim.picked) & {n for n, p, t in zip(NAMES, pred, truth) if (p != t).any()})


def test_polygon_square_pixels(tmp_path):
    # pycocotools: pixel (r, c) covers [c, c+1) x [r, r+1); corners (2,2)-(6,6) give rows 2..5, cols 2..5.
    data = _coco(SQUARE)
    data["annotations"][0]["iscrowd"] = 0
    _write_json(tmp_path, data)
    corr = load_corrections(tmp_path, names=NAMES, shape=SHAPE)
    expected = np.zeros(SHAPE, dtype=bool)
    expected[2:6, 2:6] = True
    np.testing.assert_array_equal(corr.masks["usv_000001"], expected)
    assert corr.sources["usv_000001"] == str(tmp_path / "a.json")


def test_annotations_of_one_image_are_ored_and_rle_forms_agree(tmp_path):
    m = np.zeros(SHAPE, dtype=bool)
    m[10:12, 3:9] = True
    rle = mask_util.encode(np.asfortranarray(m, dtype=np.uint8))
    compressed = {"size": [H, W], "counts": rle["counts"].decode()}
    uncompressed = {"size": [H, W], "counts": _runs(m)}
    data = _coco(SQUARE, file_name="some/dir/usv_000002")
    data["annotations"].append({"id": 8, "image_id": 1, "segmentation": compressed, "iscrowd": 1})
    _write_json(tmp_path, data)
    other = _coco(uncompressed, file_name="usv_000003.png")
    _write_json(tmp_path, other, "b.json")
    corr = load_corrections(tmp_path, names=NAMES, shape=SHAPE)
    np.testing.assert_array_equal(corr.masks["usv_000003"], m)
    assert corr.masks["usv_000002"].sum() == 16 + 12


def test_png_override_and_noise_list(tmp_path):
    _write_json(tmp_path, _coco(SQUARE))
    (tmp_path / "masks").mkdir()
    png = np.zeros(SHAPE, dtype=np.uint8)
    png[0, 0] = 1
    png[15, 15] = 200
    cv2.imwrite(str(tmp_path / "masks" / "usv_000001.png"), png)
    (tmp_path / "noise.txt").write_text("# noise\nusv_000004  # loud fan\n\nusv_000005.png\n")
    corr = load_corrections(tmp_path, names=NAMES, shape=SHAPE)
    assert corr.noise == {"usv_000004", "usv_000005"}
    np.testing.assert_array_equal(corr.masks["usv_000001"], png != 0)
    pred = np.ones((10, H, W), dtype=bool)
    fixed, changed = apply_corrections(NAMES, pred, corr)
    assert changed == ["usv_000001", "usv_000004", "usv_000005"]
    assert not fixed[4].any() and fixed[2].all()


def test_missing_or_empty_folder_means_no_corrections(tmp_path):
    for folder in (tmp_path / "absent", tmp_path):
        corr = load_corrections(folder, names=NAMES, shape=SHAPE)
        assert corr == Corrections()


def test_example_message_for_point_outside(tmp_path):
    data = _coco([[250.0, 12.0, 10, 10, 20, 20]], width=227, height=227)
    path = _write_json(tmp_path, data)
    with pytest.raises(UsvmaskError) as err:
        load_corrections(tmp_path, names=NAMES, shape=(227, 227))
    expected = "annotation id 7: polygon point (250.0, 12.0) outside the 227×227 image; fix or delete that annotation"
    assert str(err.value) == f"{path}: {expected}"


def _bad_json_cases():
    def without(key):
        d = _coco(SQUARE)
        del d["annotations"][0][key]
        return d

    rle_other_size = {"size": [H, W + 1], "counts": [H * (W + 1)]}
    return {
        "malformed": ('{"images": [', "not valid JSON"),
        "no_images": ({"annotations": []}, "missing key"),
        "no_segmentation": (without("segmentation"), "annotations\\[0\\]: missing key"),
        "unknown_name": (_coco(SQUARE, file_name="cat.png"), "unknown image name"),
        "width": (_coco(SQUARE, width=W + 1), "size 17×16 is not 16×16"),
        "rle_size": (_coco(rle_other_size), "RLE size"),
        "rle_sum": (_coco({"size": [H, W], "counts": [5, 3]}), "cover 8 pixels"),
        "rle_chars": (_coco({"size": [H, W], "counts": "a b"}), "invalid character"),
        "outside": (_coco([[2, 2, 6, 2, 6, 17]]), "outside the 16×16 image"),
        "short_polygon": (_coco([[2, 2, 6, 2]]), "at least 3"),
        "bbox_only": (_coco([]), "empty segmentation"),
        "no_image_record": (_coco(SQUARE, ann_image_id=5), "image_id 5 has no image record"),
    }


@pytest.mark.parametrize("case", sorted(_bad_json_cases()))
def test_bad_json_raises_naming_file(tmp_path, case):
    data, message = _bad_json_cases()[case]
    path = _write_json(tmp_path, data)
    with pytest.raises(UsvmaskError, match=message) as err:
        load_corrections(tmp_path, names=NAMES, shape=SHAPE)
    assert str(err.value).startswith(f"{path}: ")
    assert "\n" not in str(err.value)


def test_bad_png_and_noise_files(tmp_path):
    (tmp_path / "masks").mkdir()
    cv2.imwrite(str(tmp_path / "masks" / "usv_000001.png"), np.zeros((H, W + 2), np.uint8))
    with pytest.raises(UsvmaskError, match=r"usv_000001\.png: mask is 18×16"):
        load_corrections(tmp_path, names=NAMES, shape=SHAPE)
    (tmp_path / "masks" / "usv_000001.png").unlink()
    cv2.imwrite(str(tmp_path / "masks" / "dog.png"), np.zeros(SHAPE, np.uint8))
    with pytest.raises(UsvmaskError, match=r"dog\.png: unknown image name"):
        load_corrections(tmp_path, names=NAMES, shape=SHAPE)
    (tmp_path / "masks" / "dog.png").unlink()
    (tmp_path / "noise.txt").write_text("usv_000001\nusv_999999\n")
    with pytest.raises(UsvmaskError, match=r"noise\.txt: line 2: unknown image name 'usv_999999'"):
        load_corrections(tmp_path, names=NAMES, shape=SHAPE)


def test_corrected_and_noise_is_an_error(tmp_path):
    _write_json(tmp_path, _coco(SQUARE))
    (tmp_path / "noise.txt").write_text("usv_000001\n")
    with pytest.raises(UsvmaskError, match=r"noise\.txt: 'usv_000001' is also corrected in .*a\.json"):
        load_corrections(tmp_path, names=NAMES, shape=SHAPE)


def test_same_image_in_two_json_files_is_an_error(tmp_path):
    _write_json(tmp_path, _coco(SQUARE), "a.json")
    _write_json(tmp_path, _coco(SQUARE), "b.json")
    with pytest.raises(UsvmaskError, match=r"b\.json: image 'usv_000001' is also corrected in .*a\.json"):
        load_corrections(tmp_path, names=NAMES, shape=SHAPE)


def test_nothing_applied_when_validation_fails():
    masks = np.ones((10, H, W), dtype=bool)
    before = masks.copy()
    good = np.zeros(SHAPE, dtype=bool)
    bad_name = Corrections(masks={"usv_000001": good, "usv_424242": good}, noise={"usv_000002"})
    bad_shape = Corrections(masks={"usv_000001": good, "usv_000003": np.zeros((4, 4), bool)})
    bad_noise = Corrections(masks={"usv_000001": good}, noise={"nope"})
    for corr in (bad_name, bad_shape, bad_noise):
        with pytest.raises(UsvmaskError):
            apply_corrections(NAMES, masks, corr)
        np.testing.assert_array_equal(masks, before)


def test_compressed_rle_decoding_matches_pycocotools(tmp_path):
    rng = np.random.default_rng(0)
    masks = [rng.random((227, 227)) < p for p in (0.002, 0.5, 0.98)]
    masks.append(np.zeros((227, 227), dtype=bool))
    masks[0][100:180, 50:60] = True  # long runs need several characters
    data = {"images": [], "annotations": []}
    for i, m in enumerate(masks):
        rle = mask_util.encode(np.asfortranarray(m, dtype=np.uint8))
        data["images"].append({"id": i, "file_name": f"{NAMES[i]}.png", "width": 227, "height": 227})
        seg = {"size": [227, 227], "counts": rle["counts"].decode()}
        data["annotations"].append({"id": i, "image_id": i, "segmentation": seg, "iscrowd": 1})
    _write_json(tmp_path, data)
    corr = load_corrections(tmp_path, names=NAMES, shape=(227, 227))
    for i, m in enumerate(masks):
        np.testing.assert_array_equal(corr.masks[NAMES[i]], m)


def test_merge_corrections_the_later_folder_wins():
    a, b = np.zeros((H, W), bool), np.ones((H, W), bool)
    first = Corrections(masks={"x": a, "y": a}, noise={"z"}, sources={"x": "1", "y": "1", "z": "1"})
    second = Corrections(masks={"z": b}, noise={"x"}, sources={"z": "2", "x": "2"})
    merged = merge_corrections([first, second])
    assert set(merged.masks) == {"y", "z"} and merged.noise == {"x"}  # x: noise later; z: a mask later
    assert merged.masks["z"] is b and merged.sources == {"x": "2", "y": "1", "z": "2"}
    assert merge_corrections([]).masks == {} and merge_corrections([]).noise == set()
