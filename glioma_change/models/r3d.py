"""Optional backbone: torchvision's `r3d_18` (video ResNet-18), randomly initialised, first layer adapted
to `in_channels`. Available only when torchvision imports; it is imported here, never at package import.
"""

from __future__ import annotations

from torch import nn

from glioma_change.models.classifier import ChangeClassifier, dense_head
from glioma_change.models.spec import ModelSpec


def build_r3d_18(spec: ModelSpec) -> ChangeClassifier:
    """torchvision `r3d_18` without its classifier as features (F = 512), a linear head; width is ignored."""
    from torchvision.models.video import r3d_18

    net = r3d_18(weights=None)
    old = net.stem[0]
    net.stem[0] = nn.Conv3d(spec.in_channels, old.out_channels, old.kernel_size, old.stride, old.padding, bias=False)
    feature_dim = net.fc.in_features
    net.fc = nn.Identity()
    return ChangeClassifier(net, dense_head(feature_dim, (), spec.dropout), feature_dim)
