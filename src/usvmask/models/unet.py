"""Classic U-Net (Ronneberger et al. 2015) with BatchNorm, sized for CPU training on small crops."""

from __future__ import annotations

import torch
from torch import nn

from usvmask.models.base import Decoder, Encoder, SegmentationModel, init_weights


def double_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    """(3x3 conv → BatchNorm → ReLU) twice, padding 1 so the size is kept."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class UNetEncoder(Encoder):
    """Double conv at full size, then `depth` times max-pool → double conv doubling the channels."""

    def __init__(self, in_channels: int = 1, base_channels: int = 16, depth: int = 4) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = tuple(base_channels * 2**level for level in range(depth + 1))
        self.divisor = 2**depth
        self.stem = double_conv(in_channels, base_channels)
        self.downs = nn.ModuleList(
            nn.Sequential(nn.MaxPool2d(2), double_conv(c, 2 * c)) for c in self.out_channels[:-1]
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        self.check_input(x)
        features = [self.stem(x)]
        for down in self.downs:
            features.append(down(features[-1]))
        return features


class UNetUp(nn.Module):
    """Transposed conv x2 halving the channels → concatenate the skip → double conv."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(in_channels, in_channels // 2, 2, stride=2)
        self.conv = double_conv(in_channels, in_channels // 2)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.conv(torch.cat([skip, self.up(x)], dim=1))


class UNetDecoder(Decoder):
    """One UNetUp per encoder level, deepest first."""

    def __init__(self, encoder_channels: tuple[int, ...]) -> None:
        super().__init__()
        self.ups = nn.ModuleList(UNetUp(c) for c in reversed(encoder_channels[1:]))
        self.out_channels = encoder_channels[0]

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        *skips, x = features
        for up, skip in zip(self.ups, reversed(skips)):
            x = up(x, self.skip(skip))
        return x


class ScoreHead(nn.Module):
    """1x1 conv to the 1-channel score."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.score = nn.Conv2d(in_channels, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.score(x)


def build_unet(in_channels: int = 1, base_channels: int = 16, depth: int = 4) -> SegmentationModel:
    """U-Net with `depth` poolings (input sizes divisible by 2**depth) and `base_channels` at full resolution."""
    encoder = UNetEncoder(in_channels, base_channels, depth)
    decoder = UNetDecoder(encoder.out_channels)
    model = SegmentationModel(encoder, decoder, ScoreHead(decoder.out_channels))
    init_weights(model)
    return model
