"""`usvmask predict-images`: masks and overlays at the original size, the model card's threshold, the grey-level
guard, unreadable files named, --help."""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from usvmask.errors import UsvmaskError
from usvmask.models import build_model, save_model
from usvmask.infer.predict_images import add_command, overlay_montage, predict_folder

from helpers import card, vocalmat_like_images


def constant_model(path: Path, logit: float, threshold: float = 0.5) -> Path:
    """A tiny U-Net whose output is `logit` everywhere (score weights 0, bias `logit`), with a model card."""
    model = build_model("unet", base_channels=2, depth=1)
    with torch.no_grad():
        model.head.score.weight.zero_()
        model.head.score.bias.fill_(logit)
    save_model(model, path, meta=card(32, threshold, variant="unet"))
    return path


@pytest.fixture
def image_dir(tmp_path) -> Path:
    folder = tmp_path / "images"
    folder.mkdir()
    gray = vocalmat_like_images(2, 60)
    Image.fromarray(np.repeat(gray[0, :, :90, None], 3, axis=2)[:60, :60]).save(folder / "rgb.png")
    Image.fromarray(gray[1, :45, :40]).save(folder / "gray.jpg")
    (folder / "broken.png").write_bytes(b"not an image at all")
    (folder / "notes.txt").write_text("ignored: not an image suffix")
    return folder


def cli(argv: list[str]):
    parser = argparse.ArgumentParser(prog="usvmask")
    handlers = add_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return handlers[args.command](args)


def test_predict_images_writes_masks_names_the_broken_file_and_exits_1(image_dir, tmp_path, capsys):
    model = constant_model(tmp_path / "m.pt", 5.0)  # sigmoid(5) = 0.993 > 0.51: every pixel is call
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        cli(["predict-images", str(image_dir), "--model", str(model), "--out", str(out), "--batch-size", "1",
             "--device", "cpu", "--backend", "eager"])
    assert exit_info.value.code == 1
    assert "broken.png" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["gray_mask.png", "gray_overlay.png", "rgb_mask.png",
                                                     "rgb_overlay.png"]
    mask = cv2.imread(str(out / "rgb_mask.png"), cv2.IMREAD_UNCHANGED)
    assert mask.shape == (60, 60) and set(np.unique(mask)) == {255}
    assert cv2.imread(str(out / "gray_overlay.png")).shape == (45, 80, 3)


def test_threshold_comes_from_the_model_card_unless_given(image_dir, tmp_path):
    model = constant_model(tmp_path / "m.pt", 0.0, threshold=0.51)  # probability exactly 0.5 everywhere
    (image_dir / "broken.png").unlink()
    report = predict_folder(image_dir, model, tmp_path / "a", backend="eager", device="cpu", progress=False)
    assert report.failed == [] and sorted(report.written) == ["gray.jpg", "rgb.png"]
    assert not cv2.imread(str(tmp_path / "a" / "gray_mask.png"), cv2.IMREAD_UNCHANGED).any()  # 0.5 < 0.51
    predict_folder(image_dir, model, tmp_path / "b", threshold=0.49, backend="eager", device="cpu", progress=False)
    assert cv2.imread(str(tmp_path / "b" / "gray_mask.png"), cv2.IMREAD_UNCHANGED).all()


def test_inverted_folder_stops_before_any_output_and_invert_fixes_it(tmp_path):
    folder = tmp_path / "dark"
    folder.mkdir()
    for i, image in enumerate(vocalmat_like_images(4, 40, seed=3)):
        Image.fromarray(255 - image).save(folder / f"{i}.png")  # calls dark on light
    model = constant_model(tmp_path / "m.pt", 5.0)
    with pytest.raises(UsvmaskError, match=r"dark: the images look inverted .*; add --invert"):
        predict_folder(folder, model, tmp_path / "out", backend="eager", device="cpu", progress=False)
    assert not (tmp_path / "out").exists()
    report = predict_folder(folder, model, tmp_path / "out", invert=True, backend="eager", device="cpu",
                            progress=False)
    assert len(report.written) == 4


def test_folder_far_from_the_training_images_stops_unless_unchecked(tmp_path):
    folder = tmp_path / "white"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.full((40, 40), 252, np.uint8)).save(folder / f"{i}.png")  # linear-magnitude-like white
    model = constant_model(tmp_path / "m.pt", 5.0)
    with pytest.raises(UsvmaskError, match=r"white: the images are far from the reference .*--no-grey-check"):
        predict_folder(folder, model, tmp_path / "out", backend="eager", device="cpu", progress=False)
    assert not (tmp_path / "out").exists()
    report = predict_folder(folder, model, tmp_path / "out", check_grey=False, backend="eager", device="cpu",
                            progress=False)
    assert len(report.written) == 3


def test_a_checkpoint_without_a_card_is_refused(image_dir, tmp_path):
    save_model(build_model("unet", base_channels=2, depth=1), tmp_path / "old.pt", meta={"input_size": 32})
    with pytest.raises(UsvmaskError, match=r"old\.pt: checkpoint has no model card"):
        predict_folder(image_dir, tmp_path / "old.pt", tmp_path / "out", backend="eager", device="cpu")


def test_overlay_montage_is_image_then_tinted_image():
    image = np.full((2, 3), 100, np.uint8)
    mask = np.zeros((2, 3), bool)
    mask[0, 0] = True
    montage = overlay_montage(image, mask)
    assert montage.shape == (2, 6, 3) and (montage[:, :3] == 100).all()
    assert montage[0, 3].tolist() == [185, 67, 67]  # 0.45 * 100 + 0.55 * (255, 40, 40), rounded
    assert (montage[1, 3:] == 100).all()


def test_missing_folder_and_bad_model_are_one_line_errors(image_dir, tmp_path):
    with pytest.raises(UsvmaskError, match="no such folder"):
        predict_folder(tmp_path / "nowhere", tmp_path / "m.pt", tmp_path / "out")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UsvmaskError, match="holds no images"):
        predict_folder(empty, tmp_path / "m.pt", tmp_path / "out")
    (tmp_path / "bad.pt").write_bytes(b"garbage")
    with pytest.raises(UsvmaskError, match="bad.pt: not a readable checkpoint"):
        predict_folder(image_dir, tmp_path / "bad.pt", tmp_path / "out")


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli(["predict-images", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--model", "--out", "--threshold", "--invert", "--no-grey-check", "--batch-size", "--device",
                   "--backend"):
        assert option in text


def test_auto_backend_on_cpu_with_calibration_is_int8():
    from usvmask.infer.predictor import Predictor

    model = build_model("unet", base_channels=2, depth=1)
    calibration = np.random.default_rng(0).integers(0, 256, (4, 32, 32), dtype=np.uint8)
    assert Predictor(model, input_size=32, device="cpu", calibration=calibration).backend == "onnx_int8"
    assert Predictor(model, input_size=32, device="cpu").backend == "onnx"
