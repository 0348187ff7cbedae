"""Higher-capacity 3D ResNeXt: grouped-convolution bottlenecks, optional squeeze-excitation.

Built from MONAI blocks (`Convolution` = conv + BatchNorm + ReLU, `ChannelSELayer`). MONAI's own
`SENet`/`SEResNeXt50` fixes its stage widths at 64-512 planes (no width knob; 19.5 M parameters
with layers (2,3,4,2)) and its `SEResNeXtBottleneck` always includes SE, so the stages are assembled
here. Stem: 3×3×3 convolution with stride 2 and a 3×3×3 max-pool with stride 2 (inputs shrink 4× per
axis before the first stage, as in ResNet and MONAI's SENet layer0). Stage i (strides 1,2,2,2) has
`layers[i]` bottlenecks of inner width `cardinality × base_width × 2^i × width` (groups =
`cardinality`) and twice that as output; global average pooling gives the features (F = output width
of the last stage).
"""

from __future__ import annotations

import torch
from monai.networks.blocks import ChannelSELayer, Convolution
from monai.networks.layers import Act, Norm
from torch import nn

from glioma_change.models.classifier import ChangeClassifier, dense_head
from glioma_change.models.spec import ModelSpec, scaled

STEM_CHANNELS = 16
SE_REDUCTION = 16


def _conv(cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1, act: bool = True) -> Convolution:
    return Convolution(
        spatial_dims=3,
        in_channels=cin,
        out_channels=cout,
        strides=stride,
        kernel_size=kernel,
        groups=groups,
        act=Act.RELU if act else None,
        norm=Norm.BATCH,
        bias=False,
    )


class Bottleneck(nn.Module):
    """1×1×1 reduce, 3×3×3 grouped, 1×1×1 expand, optional SE, residual (projected when shapes differ)."""

    def __init__(self, cin: int, inner: int, cout: int, groups: int, stride: int, se: bool) -> None:
        super().__init__()
        self.body = nn.Sequential(
            _conv(cin, inner, 1),
            _conv(inner, inner, 3, stride=stride, groups=groups),
            _conv(inner, cout, 1, act=False),
        )
        self.se = ChannelSELayer(3, cout, r=min(SE_REDUCTION, cout)) if se else nn.Identity()
        self.project = _conv(cin, cout, 1, stride=stride, act=False) if stride != 1 or cin != cout else nn.Identity()
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.se(self.body(x)) + self.project(x))


def build_resnext(spec: ModelSpec) -> ChangeClassifier:
    """A 3D (SE-)ResNeXt from `spec.layers`, `cardinality`, `base_width`, `width`, `squeeze_excitation`."""
    stem = scaled(STEM_CHANNELS, spec.width)
    modules: list[nn.Module] = [_conv(spec.in_channels, stem, 3, stride=2), nn.MaxPool3d(3, stride=2, padding=1)]
    cin = stem
    for i, depth in enumerate(spec.layers):
        inner = spec.cardinality * max(1, round(spec.base_width * 2**i * spec.width))
        cout = 2 * inner
        for j in range(depth):
            stride = 2 if i > 0 and j == 0 else 1
            modules.append(Bottleneck(cin, inner, cout, spec.cardinality, stride, spec.squeeze_excitation))
            cin = cout
    modules += [nn.AdaptiveAvgPool3d(1), nn.Flatten(1)]
    return ChangeClassifier(nn.Sequential(*modules), dense_head(cin, (), spec.dropout), cin)
