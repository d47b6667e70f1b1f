"""MobileNetV2 building blocks and a 1-channel MobileNetV2 encoder (Sandler et al. 2018), as used by SqueakOut."""

from __future__ import annotations

import torch
from torch import nn

from usvmask.models.base import Encoder

# (expansion t, output channels c, repeats n, first stride s) — MobileNetV2 Table 2.
MOBILENET_V2_SETTING = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)
STEM_CHANNELS = 32
LAST_CHANNELS = 1280


def conv_bn_relu6(
    in_channels: int, out_channels: int, kernel: int, stride: int = 1, groups: int = 1
) -> list[nn.Module]:
    """Conv (no bias) → BatchNorm → ReLU6, as a list of layers to splice into a Sequential."""
    return [
        nn.Conv2d(in_channels, out_channels, kernel, stride, kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU6(inplace=True),
    ]


class InvertedResidual(nn.Module):
    """MobileNetV2 bottleneck: 1x1 expand → 3x3 depthwise → 1x1 linear projection, residual when shapes match."""

    def __init__(self, in_channels: int, out_channels: int, stride: int, expand_ratio: int) -> None:
        super().__init__()
        hidden = round(in_channels * expand_ratio)
        self.use_residual = stride == 1 and in_channels == out_channels
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers += conv_bn_relu6(in_channels, hidden, 1)
        layers += conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden)
        layers += [nn.Conv2d(hidden, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_residual else self.conv(x)


def _mobilenet_layers(in_channels: int, width: float, dropout: float) -> list[nn.Module]:
    """The MobileNetV2 feature layers (no pooling/classifier); dropout sits before the final bottleneck block."""
    channels = int(STEM_CHANNELS * width)
    layers: list[nn.Module] = [nn.Sequential(*conv_bn_relu6(in_channels, channels, 3, 2))]
    for index, (t, c, n, s) in enumerate(MOBILENET_V2_SETTING):
        out = int(c * width)
        if index == len(MOBILENET_V2_SETTING) - 1:
            layers.append(nn.Dropout(dropout))
        for repeat in range(n):
            layers.append(InvertedResidual(channels, out, s if repeat == 0 else 1, t))
            channels = out
    last = int(LAST_CHANNELS * width) if width > 1.0 else LAST_CHANNELS
    layers.append(nn.Sequential(*conv_bn_relu6(channels, last, 1)))
    return layers


class MobileNetV2Encoder(Encoder):
    """MobileNetV2 features returning the maps at strides 2, 4, 8, 16 and 32."""

    def __init__(self, in_channels: int = 1, width: float = 1.0, dropout: float = 0.2) -> None:
        super().__init__()
        layers = _mobilenet_layers(in_channels, width, dropout)
        # Stage ends (exclusive) after which a feature map is returned: strides 2, 4, 8, 16, 32 (the Dropout counts).
        self.stage_ends = (2, 4, 7, 14, len(layers))
        self.in_channels = in_channels
        self.features = nn.Sequential(*layers)
        strides_2_to_16 = [MOBILENET_V2_SETTING[i][1] for i in (0, 1, 2, 4)]
        self.out_channels = tuple(int(c * width) for c in strides_2_to_16) + (layers[-1][0].out_channels,)
        self.divisor = 32

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        self.check_input(x)
        features, start = [], 0
        for end in self.stage_ends:
            for layer in self.features[start:end]:
                x = layer(x)
            features.append(x)
            start = end
        return features
