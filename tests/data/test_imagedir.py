import numpy as np
import pytest
from PIL import Image

from usvmask.errors import UsvmaskError
from usvmask.data.imagedir import import_image_dir


def make_tree(root, classes=("chevron", "noise"), n=3, size=(40, 30), mode="L"):
    rng = np.random.default_rng(0)
    for label in classes:
        (root / label).mkdir(parents=True)
        for i in range(n):
            pixels = rng.integers(0, 256, size=size[::-1] + ((3,) if mode == "RGB" else ()), dtype=np.uint8)
            Image.fromarray(pixels, mode).save(root / label / f"{i:03d}.png")
    return root


def test_imports_any_mode_and_size_with_splits(tmp_path):
    root = make_tree(tmp_path / "img", mode="RGB")
    data = import_image_dir(image_dir=str(root), image_size=64, test_fraction=0.34, val_fraction=0.5, seed=1)
    assert data.images.shape == (6, 64, 64) and data.images.dtype == np.uint8
    assert data.truth is None
    assert list(data.table["kind"]) == ["usv"] * 3 + ["noise"] * 3
    assert (data.table["split"] == "test").sum() == 2  # round(0.34·3) = 1 per kind
    assert data.table["name"].iloc[0] == "chevron-000"


def test_bright_calls_are_complemented(tmp_path):
    root = make_tree(tmp_path / "img", n=1, size=(40, 40))
    dark = import_image_dir(image_dir=str(root), image_size=40)
    bright = import_image_dir(image_dir=str(root), image_size=40, calls_dark=False)
    assert np.array_equal(bright.images, 255 - dark.images)


def test_masks_are_matched_by_name(tmp_path):
    root = make_tree(tmp_path / "img", n=1)
    masks = tmp_path / "masks"
    masks.mkdir()
    m = np.zeros((30, 40), np.uint8)
    m[10:20, 5:15] = 255
    for label in ("chevron", "noise"):
        Image.fromarray(m if label == "chevron" else m * 0).save(masks / "000.png")
    data = import_image_dir(image_dir=str(root), mask_dir=str(masks), image_size=40)
    assert data.truth.dtype == bool and data.truth.shape == (2, 40, 40)


def test_mask_size_mismatch_names_the_mask(tmp_path):
    root = make_tree(tmp_path / "img", n=1)
    (tmp_path / "masks").mkdir()
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(tmp_path / "masks" / "000.png")
    with pytest.raises(UsvmaskError, match=r"masks/000.png: mask is 10×10 but 000.png is 40×30"):
        import_image_dir(image_dir=str(root), mask_dir=str(tmp_path / "masks"))


def test_truncated_image_is_named(tmp_path):
    root = make_tree(tmp_path / "img")
    data = (root / "chevron" / "001.png").read_bytes()
    (root / "chevron" / "001.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(UsvmaskError, match=r"chevron/001.png: not a readable image"):
        import_image_dir(image_dir=str(root))


def test_non_image_file_is_named(tmp_path):
    root = make_tree(tmp_path / "img")
    (root / "noise" / "notes.txt").write_text("hello")
    with pytest.raises(UsvmaskError, match=r"noise/notes.txt: not an image file"):
        import_image_dir(image_dir=str(root))


def test_empty_folder_and_unknown_noise_class(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsvmaskError, match="no class subfolders"):
        import_image_dir(image_dir=str(tmp_path / "empty"))
    root = make_tree(tmp_path / "img")
    with pytest.raises(UsvmaskError, match=r"noise_class: no folder 'Noise'.*chevron, noise"):
        import_image_dir(image_dir=str(root), noise_class="Noise")
    (tmp_path / "hollow" / "a").mkdir(parents=True)
    with pytest.raises(UsvmaskError, match="hold no images"):
        import_image_dir(image_dir=str(tmp_path / "hollow"))
