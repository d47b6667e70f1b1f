import numpy as np
import pytest
from PIL import Image

from usvmask.errors import UsvmaskError
from usvmask.data.imagedir import import_image_dir


def vocalmat_like(rng, size, mode="L", invert=False):
    """A VocalMat-like candidate: light-grey grain (median ~180) with one bright call row."""
    pixels = np.clip(rng.normal(180, 12, size=size[::-1]), 0, 255)
    pixels[size[1] // 2, :] = 250
    pixels = pixels.astype(np.uint8)
    pixels = 255 - pixels if invert else pixels
    return np.repeat(pixels[..., None], 3, axis=2) if mode == "RGB" else pixels


def make_tree(root, classes=("chevron", "noise"), n=3, size=(40, 30), mode="L", invert=False):
    rng = np.random.default_rng(0)
    for label in classes:
        (root / label).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(vocalmat_like(rng, size, mode, invert), mode).save(root / label / f"{i:03d}.png")
    return root


def test_imports_any_mode_and_size_with_splits(tmp_path):
    root = make_tree(tmp_path / "img", mode="RGB")
    data = import_image_dir(image_dir=str(root), image_size=64, test_fraction=0.34, val_fraction=0.5, seed=1)
    assert data.images.shape == (6, 64, 64) and data.images.dtype == np.uint8
    assert data.truth is None
    assert list(data.table["kind"]) == ["usv"] * 3 + ["noise"] * 3
    assert (data.table["split"] == "test").sum() == 2  # round(0.34·3) = 1 per kind
    assert data.table["name"].iloc[0] == "chevron-000"


def test_dark_call_images_are_caught_and_inverted_on_request(tmp_path):
    root = make_tree(tmp_path / "img", n=2, size=(40, 40), invert=True)
    with pytest.raises(UsvmaskError, match=r"img: the images look inverted .*; set prepare.image_dir.invert: true"):
        import_image_dir(image_dir=str(root), image_size=40)
    fixed = import_image_dir(image_dir=str(root), image_size=40, invert=True)
    as_given = import_image_dir(image_dir=str(root), image_size=40, invert=False, check_grey=False)
    assert np.array_equal(fixed.images, 255 - as_given.images)
    assert fixed.images[0, 20].mean() > 240  # the call is bright again
    assert fixed.representation["polarity"] == "calls bright" and fixed.representation["source"] == "image_dir"


def test_images_unlike_vocalmat_are_refused_unless_told(tmp_path):
    root = tmp_path / "img"
    for label in ("chevron", "noise"):
        (root / label).mkdir(parents=True)
        Image.fromarray(np.full((30, 40), 250, np.uint8)).save(root / label / "000.png")  # near-white
    with pytest.raises(UsvmaskError, match=r"far from the reference \(median grey 250.*check_grey: false"):
        import_image_dir(image_dir=str(root), image_size=40)
    assert import_image_dir(image_dir=str(root), image_size=40, check_grey=False).images.shape == (2, 40, 40)


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
