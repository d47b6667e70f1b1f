"""Predictor backends agree with eager fp32; input checks; device choice; BatchNorm folding."""

import numpy as np
import pytest
import torch
from torch import nn

from usvmask.errors import UsvmaskError
from usvmask.infer.backends import SubpixelUpsample, best_backend, fold_batchnorm, resolve_device, subpixel_upsampling
from usvmask.infer.predictor import Predictor, load_predictor
from usvmask.infer.resize import resize_probs, resize_stack
from usvmask.models import build_model, save_model

from helpers import card

TOLERANCE = {"channels_last": 1e-5, "onnx": 1e-5, "compile": 1e-5, "bf16": 3e-2}  # bf16 keeps ~3 significant digits


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    net = build_model("unet", base_channels=4, depth=2)
    net.train()(torch.rand(4, 1, 32, 32))  # non-trivial BatchNorm running statistics, so folding matters
    return net.eval()


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((5, 1, 32, 32), dtype=np.float32)


@pytest.fixture(scope="module")
def reference(model, images):
    return Predictor(model, input_size=32, backend="eager", device="cpu", batch_size=2).predict_model_size(images)


def test_eager_matches_model_sigmoid(model, images, reference):
    with torch.no_grad():
        expected = torch.sigmoid(model(torch.from_numpy(images)))[:, 0].numpy()
    assert reference.shape == (5, 32, 32) and reference.dtype == np.float32
    np.testing.assert_allclose(reference, expected, atol=1e-6)


@pytest.mark.parametrize("backend", ["channels_last", "bf16", "onnx"])
def test_backend_agrees_with_eager(model, images, reference, backend):
    probs = Predictor(model, input_size=32, backend=backend, device="cpu", batch_size=2).predict_model_size(images)
    assert probs.shape == reference.shape and probs.dtype == np.float32
    assert np.abs(probs - reference).max() < TOLERANCE[backend]


@pytest.mark.slow
def test_compile_agrees_with_eager(model, images, reference):
    probs = Predictor(model, input_size=32, backend="compile", device="cpu", batch_size=2).predict_model_size(images)
    assert np.abs(probs - reference).max() < TOLERANCE["compile"]


def test_onnx_int8_close_to_eager(model, images, reference):
    predictor = Predictor(model, input_size=32, backend="onnx_int8", device="cpu", calibration=images[:3])
    probs = predictor.predict_model_size(images)
    assert probs.shape == reference.shape
    assert np.abs(probs - reference).max() < 0.05


def test_onnx_int8_squeakout_uses_subpixel_path():
    torch.manual_seed(5)
    net = build_model("squeakout", width=0.25).eval()
    x = np.random.default_rng(5).random((3, 1, 64, 64), dtype=np.float32)
    eager = Predictor(net, input_size=64, backend="eager", device="cpu").predict_model_size(x)
    fp32 = Predictor(net, input_size=64, backend="onnx", device="cpu")
    int8 = Predictor(net, input_size=64, backend="onnx_int8", device="cpu", calibration=x[:2])
    assert "ConvTranspose" in fp32.op_types  # the fp32 graph keeps the transposed convolutions ...
    assert "ConvTranspose" not in int8.op_types and "DepthToSpace" in int8.op_types  # ... int8 has conv + shuffle
    assert np.abs(int8.predict_model_size(x) - eager).max() < 0.05


def test_onnx_int8_needs_calibration(model):
    with pytest.raises(UsvmaskError, match="backend 'onnx_int8': needs calibration images"):
        Predictor(model, input_size=32, backend="onnx_int8", device="cpu")


def test_onnx_handles_other_sizes(model):
    x = np.random.default_rng(1).random((3, 1, 64, 48), dtype=np.float32)
    eager = Predictor(model, input_size=32, backend="eager", device="cpu").predict_model_size(x)
    np.testing.assert_allclose(Predictor(model, input_size=32, backend="onnx", device="cpu").predict_model_size(x), eager, atol=1e-5)


def test_uint8_images_are_scaled(model, images):
    u8 = np.random.default_rng(2).integers(0, 256, (2, 32, 32), dtype=np.uint8)
    predictor = Predictor(model, input_size=32, backend="eager", device="cpu")
    as_float = (u8.astype(np.float32) / 255.0)[:, None]
    np.testing.assert_allclose(predictor.predict_model_size(u8), predictor.predict_model_size(as_float), atol=1e-6)


@pytest.mark.parametrize(
    "bad", [np.zeros((2, 32, 32), np.float32), np.zeros((2, 1, 32, 32), np.float64), np.zeros((2, 1, 32, 32), np.uint8)]
)
def test_bad_image_arrays(model, bad):
    with pytest.raises(UsvmaskError, match=r"images: got .*; pass float32 \(N, 1, H, W\)"):
        Predictor(model, input_size=32, backend="eager", device="cpu").predict_model_size(bad)


def test_size_not_divisible(model):
    with pytest.raises(UsvmaskError, match=r"images: input size 30 \(height\) is not divisible by 4; use 32 \(or 28\)"):
        Predictor(model, input_size=32, backend="onnx", device="cpu").predict_model_size(np.zeros((1, 30, 32), np.uint8))


def test_predictor_leaves_model_unchanged(model):
    before = {k: v.clone() for k, v in model.state_dict().items()}
    Predictor(model, input_size=32, backend="channels_last", device="cpu")
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules())


def test_predictor_argument_errors(model):
    with pytest.raises(UsvmaskError, match="backend 'tensorrt': unknown; use 'auto' or one of eager"):
        Predictor(model, input_size=32, backend="tensorrt", device="cpu")
    with pytest.raises(UsvmaskError, match="batch_size 0"):
        Predictor(model, input_size=32, device="cpu", batch_size=0)
    with pytest.raises(UsvmaskError, match="backend 'onnx': runs on the CPU only"):
        Predictor(model, input_size=32, backend="onnx", device="cuda")


def test_auto_backend_on_cpu(model, images):
    assert (best_backend(), best_backend(calibrated=True)) == ("onnx", "onnx_int8")
    assert Predictor(model, input_size=32, device="cpu").backend == "onnx"
    assert Predictor(model, input_size=32, device="cpu", calibration=images[:2]).backend == "onnx_int8"


def test_resolve_device(monkeypatch):
    assert resolve_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    with pytest.raises(UsvmaskError, match="device 'gpu0': not a torch device"):
        resolve_device("gpu0")


def test_fold_batchnorm_keeps_outputs(model):
    folded = fold_batchnorm(model)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    x = torch.rand(2, 1, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(folded(x), model(x), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("bias", [True, False])
def test_subpixel_upsample_equals_conv_transpose(bias):
    torch.manual_seed(3)
    up = nn.ConvTranspose2d(5, 3, 4, stride=2, padding=1, bias=bias)
    x = torch.randn(2, 5, 7, 9)
    with torch.no_grad():
        torch.testing.assert_close(SubpixelUpsample(up)(x), up(x), atol=1e-5, rtol=1e-5)


def test_subpixel_upsampling_replaces_only_k4_s2():
    torch.manual_seed(4)
    squeakout = build_model("squeakout", width=0.25).eval()
    unet = build_model("unet", base_channels=4, depth=2).eval()  # kernel-2 transposed convs stay
    rewritten = subpixel_upsampling(squeakout)
    assert sum(isinstance(m, SubpixelUpsample) for m in rewritten.modules()) == 4
    assert not any(isinstance(m, SubpixelUpsample) for m in subpixel_upsampling(unet).modules())
    x = torch.rand(1, 1, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(rewritten(x), squeakout(x), atol=1e-5, rtol=1e-4)


def test_predict_proba_resizes_to_the_input_size_and_back(model):
    images = np.random.default_rng(3).integers(0, 256, (3, 45, 50), dtype=np.uint8)
    predictor = Predictor(model, input_size=32, backend="eager", device="cpu")
    small = predictor.predict_model_size(resize_stack(images, 32))
    probs = predictor.predict_proba(images)
    assert probs.shape == (3, 45, 50) and probs.dtype == np.float32
    np.testing.assert_allclose(probs, resize_probs(small, (45, 50)), atol=1e-6)
    listed = predictor.predict_proba([images[0], images[1, :40, :20]])  # a list may mix sizes
    assert [p.shape for p in listed] == [(45, 50), (40, 20)]
    np.testing.assert_allclose(listed[0], probs[0], atol=1e-6)
    masks = predictor.predict_masks(images, threshold=0.5)
    assert masks.dtype == bool and np.array_equal(masks, probs > 0.5)


def test_input_size_must_fit_the_model(model):
    with pytest.raises(UsvmaskError, match=r"input_size: input size 30 \(height\) is not divisible by 4"):
        Predictor(model, input_size=30, device="cpu")


def test_load_predictor_reads_the_input_size_from_the_checkpoint(model, tmp_path):
    save_model(model, tmp_path / "m.pt", meta=card(32, threshold=0.4))
    predictor, meta = load_predictor(tmp_path / "m.pt", backend="eager", device="cpu")
    assert predictor.input_size == 32 and meta["input_size"] == 32 and meta["threshold"] == 0.4
    save_model(model, tmp_path / "old.pt", meta={"input_size": 32})
    with pytest.raises(UsvmaskError, match=r"old\.pt: checkpoint has no model card \(representation"):
        load_predictor(tmp_path / "old.pt")
