"""Low-capacity 3D VGG after Di Noto et al. 2022: conv blocks 4-8-16-32, dense 256-128-32, one logit.

Each block is `convs_per_block` 3×3×3 convolutions (BatchNorm, ReLU; one by default, as in the paper)
and a 2×2×2 max-pool. An adaptive average pool
to 2×2×2 before the dense layers makes any input shape work (no shape-locked first dense layer); the
feature extractor ends with the flattened pool (F = 8 × last channel count), the head holds the dense
layers.
"""

from __future__ import annotations

from torch import nn

from glioma_change.models.classifier import ChangeClassifier, dense_head
from glioma_change.models.spec import ModelSpec, scaled

POOLED = 2  # adaptive pool size per axis before the dense layers


def _block(cin: int, cout: int, n_convs: int) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(n_convs):
        layers += [
            nn.Conv3d(cin if i == 0 else cout, cout, 3, padding=1, bias=False),
            nn.BatchNorm3d(cout),
            nn.ReLU(inplace=True),
        ]
    return [*layers, nn.MaxPool3d(2, ceil_mode=True)]


def build_vgg(spec: ModelSpec) -> ChangeClassifier:
    """A 3D VGG from `spec.channels`, `convs_per_block`, `dense`, `width` and `dropout`."""
    channels = [scaled(c, spec.width) for c in spec.channels]
    layers: list[nn.Module] = []
    cin = spec.in_channels
    for cout in channels:
        layers += _block(cin, cout, spec.convs_per_block)
        cin = cout
    layers += [nn.AdaptiveAvgPool3d(POOLED), nn.Flatten(1)]
    feature_dim = cin * POOLED**3
    head = dense_head(feature_dim, tuple(scaled(d, spec.width) for d in spec.dense), spec.dropout)
    return ChangeClassifier(nn.Sequential(*layers), head, feature_dim)
