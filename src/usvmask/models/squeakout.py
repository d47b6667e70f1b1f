"""SqueakOut (Santana & Dietrich 2024): MobileNetV2 encoder, four transposed-conv + inverted-residual decoder blocks."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from usvmask.models.base import Decoder, SegmentationModel, init_weights
from usvmask.models.mobilenet import InvertedResidual, MobileNetV2Encoder


class UpBlock(nn.Module):
    """Transposed conv x2 (to the skip's channels) → concatenate the skip → inverted residual (expansion 6)."""

    def __init__(self, in_channels: int, skip_channels: int) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(in_channels, skip_channels, 4, stride=2, padding=1)
        self.fuse = InvertedResidual(2 * skip_channels, skip_channels, 1, 6)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.fuse(torch.cat([skip, self.up(x)], dim=1))


class SqueakOutDecoder(Decoder):
    """Four UpBlocks from stride 32 to stride 2, consuming the encoder skips deepest first."""

    def __init__(self, encoder_channels: tuple[int, ...]) -> None:
        super().__init__()
        *skips, deepest = encoder_channels
        blocks, channels = [], deepest
        for skip_channels in reversed(skips):
            blocks.append(UpBlock(channels, skip_channels))
            channels = skip_channels
        self.blocks = nn.ModuleList(blocks)
        self.out_channels = channels

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        *skips, x = features
        for block, skip in zip(self.blocks, reversed(skips)):
            x = block(x, self.skip(skip))
        return x


class SqueakOutHead(nn.Module):
    """1x1 conv to 3 channels → bilinear x2 back to input size → 1x1 conv to the 1-channel score."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 3, 1)
        self.score = nn.Conv2d(3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(self.conv(x), scale_factor=2, mode="bilinear", align_corners=False)
        return self.score(x)


def build_squeakout(in_channels: int = 1, width: float = 1.0, dropout: float = 0.2) -> SegmentationModel:
    """SqueakOut at MobileNetV2 width multiplier `width` (4 682 319 parameters at 1.0); sizes divisible by 32."""
    encoder = MobileNetV2Encoder(in_channels, width, dropout)
    decoder = SqueakOutDecoder(encoder.out_channels)
    model = SegmentationModel(encoder, decoder, SqueakOutHead(decoder.out_channels))
    init_weights(model)
    return model
