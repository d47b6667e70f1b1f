"""Ways to run a segmentation model: eager torch, channels-last, compile, bf16, ONNX Runtime fp32 and int8 (CPU)."""

from __future__ import annotations

import copy
import logging
import tempfile
import warnings
from pathlib import Path
from types import MappingProxyType
from typing import Callable

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from usvmask.errors import UsvmaskError

log = logging.getLogger(__name__)

Runner = Callable[[torch.Tensor], torch.Tensor]  # float32 (B, 1, H, W) on the device -> float32 logits on the CPU


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """"auto" picks CUDA, then MPS, then the CPU; anything else is passed to torch.device."""
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        return torch.device("mps" if mps is not None and mps.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise UsvmaskError(f"device {device!r}: not a torch device; use 'auto', 'cpu', 'cuda' or 'mps'") from exc


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """Eval-mode copy of `model` where each Conv2d directly followed by a BatchNorm2d in a Sequential is one conv."""
    folded = copy.deepcopy(model).eval()
    for module in folded.modules():
        if not isinstance(module, nn.Sequential):
            continue
        for i in range(len(module) - 1):
            conv, norm = module[i], module[i + 1]
            if isinstance(conv, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d):
                module[i], module[i + 1] = fuse_conv_bn_eval(conv, norm), nn.Identity()
    return folded


class SubpixelUpsample(nn.Module):
    """ConvTranspose2d(kernel 4, stride 2, padding 1) rewritten as a 3x3 conv to 4x the channels + PixelShuffle(2).

    Output pixel (2m + a, 2n + b) of the transposed conv only sees inputs m + d (d in -1, 0, 1) through kernel tap
    a + 1 - 2d (when in 0..3), so each of the four output phases is a zero-padded 3x3 conv: the same numbers, but
    ONNX Runtime quantises and runs a plain conv much faster than its float ConvTranspose.
    """

    def __init__(self, up: nn.ConvTranspose2d) -> None:
        super().__init__()
        w = up.weight.detach()  # (in, out, 4, 4)
        kernel = w.new_zeros(up.out_channels, 2, 2, up.in_channels, 3, 3)
        for a, b, dy, dx in ((a, b, dy, dx) for a in (0, 1) for b in (0, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1)):
            ky, kx = a + 1 - 2 * dy, b + 1 - 2 * dx
            if 0 <= ky <= 3 and 0 <= kx <= 3:
                kernel[:, a, b, :, dy + 1, dx + 1] = w[:, :, ky, kx].T
        self.conv = nn.Conv2d(up.in_channels, 4 * up.out_channels, 3, padding=1, bias=up.bias is not None)
        self.conv.weight.data = kernel.reshape(4 * up.out_channels, up.in_channels, 3, 3)
        if up.bias is not None:
            self.conv.bias.data = up.bias.detach().repeat_interleave(4)
        self.shuffle = nn.PixelShuffle(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shuffle(self.conv(x))


def subpixel_upsampling(model: nn.Module) -> nn.Module:
    """Eval-mode copy of `model` with each ConvTranspose2d(4, stride 2, padding 1) replaced by a SubpixelUpsample."""
    model = copy.deepcopy(model).eval()
    for module in list(model.modules()):
        for name, child in module.named_children():
            if isinstance(child, nn.ConvTranspose2d) and _is_k4_s2_p1(child):
                setattr(module, name, SubpixelUpsample(child))
    return model


def _is_k4_s2_p1(up: nn.ConvTranspose2d) -> bool:
    shape = (up.kernel_size, up.stride, up.padding, up.output_padding, up.dilation, up.groups)
    return shape == ((4, 4), (2, 2), (1, 1), (0, 0), (1, 1), 1)


def _eager(model: nn.Module, device: torch.device, calibration: torch.Tensor | None) -> Runner:
    model = copy.deepcopy(model).eval().to(device)
    return lambda x: model(x).float().cpu()


def _channels_last(model: nn.Module, device: torch.device, calibration: torch.Tensor | None) -> Runner:
    model = fold_batchnorm(model).to(device, memory_format=torch.channels_last)
    return lambda x: model(x.contiguous(memory_format=torch.channels_last)).float().cpu()


def _compiled(model: nn.Module, device: torch.device, calibration: torch.Tensor | None) -> Runner:
    model = torch.compile(fold_batchnorm(model).to(device, memory_format=torch.channels_last))
    return lambda x: model(x.contiguous(memory_format=torch.channels_last)).float().cpu()


def _bf16(model: nn.Module, device: torch.device, calibration: torch.Tensor | None) -> Runner:
    model = fold_batchnorm(model).to(device, memory_format=torch.channels_last)

    def run(x: torch.Tensor) -> torch.Tensor:
        with torch.autocast(device.type, dtype=torch.bfloat16):
            return model(x.contiguous(memory_format=torch.channels_last)).float().cpu()

    return run


def _export_onnx(model: nn.Module, path: Path, *, subpixel: bool) -> None:
    """ONNX file of `model` with dynamic batch, height and width (legacy exporter: onnxscript is not installed)."""
    model = (subpixel_upsampling(model) if subpixel else copy.deepcopy(model)).eval().cpu()
    example = torch.zeros(1, 1, 2 * model.divisor, 2 * model.divisor)
    axes = {0: "batch", 2: "height", 3: "width"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, example, str(path), input_names=["image"], output_names=["logits"],
            dynamic_axes={"image": axes, "logits": axes}, opset_version=17, dynamo=False,
        )


def _ort_runner(path: Path) -> Runner:
    """ONNX Runtime session on the CPU with all graph optimisations and no thread spinning (measured faster here)."""
    import onnx
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = torch.get_num_threads()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def run(x: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(session.run(None, {"image": x.numpy()})[0])

    run.op_types = sorted({node.op_type for node in onnx.load(str(path)).graph.node})  # which path was built
    return run


def _onnx(model: nn.Module, device: torch.device, calibration: torch.Tensor | None) -> Runner:
    if device.type != "cpu":
        raise UsvmaskError(f"backend 'onnx': runs on the CPU only, not {device}; use device='cpu' or backend='eager'")
    with tempfile.TemporaryDirectory() as tmp:
        _export_onnx(model, Path(tmp) / "model.onnx", subpixel=False)
        return _ort_runner(Path(tmp) / "model.onnx")


class _Calibration:
    """onnxruntime CalibrationDataReader over single images."""

    def __init__(self, images: torch.Tensor) -> None:
        self._images = iter(images.split(1))

    def get_next(self) -> dict | None:
        image = next(self._images, None)
        return None if image is None else {"image": image.numpy()}


def _onnx_int8(model: nn.Module, device: torch.device, calibration: torch.Tensor | None) -> Runner:
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    if device.type != "cpu":
        raise UsvmaskError(f"backend 'onnx_int8': runs on the CPU only, not {device}; use device='cpu'")
    if calibration is None or len(calibration) == 0:
        raise UsvmaskError("backend 'onnx_int8': needs calibration images; pass calibration=<a few typical images>")
    with tempfile.TemporaryDirectory() as tmp:
        fp32, pre, int8 = (Path(tmp) / name for name in ("fp32.onnx", "pre.onnx", "int8.onnx"))
        _export_onnx(model, fp32, subpixel=True)
        quant_pre_process(str(fp32), str(pre), skip_symbolic_shape=True)  # H, W are dynamic
        quantize_static(
            str(pre), str(int8), _Calibration(calibration), quant_format=QuantFormat.QDQ, per_channel=True,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
        )
        return _ort_runner(int8)


BACKENDS: MappingProxyType[str, Callable[[nn.Module, torch.device, torch.Tensor | None], Runner]] = MappingProxyType(
    {
        "eager": _eager, "channels_last": _channels_last, "compile": _compiled, "bf16": _bf16,
        "onnx": _onnx, "onnx_int8": _onnx_int8,
    }
)


def best_backend(calibrated: bool = False) -> str:
    """Fastest CPU backend: "onnx_int8" when calibration images are given, else "onnx" (same results as eager).

    Evidence, `python benchmarks/inference.py --size 512 --batch 16 --repeats 2` on SqueakOut (width 1.0), 2 threads,
    quiet 2-core AMD EPYC; img/s (x eager fp32, Dice vs eager): eager fp32 1.34 (1.0); channels_last 5.70 (4.2x);
    bf16 12.29 (9.2x, 0.9996); onnx 14.81 (11.0x, 1.0000, |dp| 6e-8); onnx_int8 33.44 (24.9x, 0.9977, |dp| 2e-4).
    compile (measured under load only) was barely faster than channels_last and costs ~60 s to compile.
    """
    return "onnx_int8" if calibrated else "onnx"
