"""`ChangeClassifier`: a feature extractor (→ pooled features) followed by a head (→ one logit)."""

from __future__ import annotations

import torch
from torch import nn


class ChangeClassifier(nn.Module):
    """`features(x: (B,C,D,H,W)) -> (B,F)`, `head(f) -> (B,1)`, `forward(x) -> (B,)` logits.

    After `freeze_features`, the feature extractor keeps `requires_grad=False` and stays in eval mode
    (BatchNorm statistics frozen too) even when the model is put in training mode.
    """

    def __init__(self, features: nn.Module, head: nn.Module, feature_dim: int) -> None:
        super().__init__()
        self.features = features
        self.head = head
        self.feature_dim = feature_dim
        self.features_frozen = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).squeeze(1)

    def train(self, mode: bool = True) -> ChangeClassifier:
        super().train(mode)
        if self.features_frozen:
            self.features.eval()
        return self


def freeze_features(model: ChangeClassifier) -> ChangeClassifier:
    """Freeze the feature extractor (weights and BatchNorm statistics); the head stays trainable."""
    for p in model.features.parameters():
        p.requires_grad_(False)
    model.features_frozen = True
    model.features.eval()
    return model


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (only those with `requires_grad` when `trainable_only`)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def dense_head(in_features: int, hidden: tuple[int, ...], dropout: float) -> nn.Sequential:
    """Linear-ReLU(-Dropout) layers of sizes `hidden`, then one logit."""
    layers: list[nn.Module] = []
    size = in_features
    for h in hidden:
        layers += [nn.Linear(size, h), nn.ReLU(inplace=True)]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        size = h
    if dropout > 0 and not hidden:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(size, 1))
    return nn.Sequential(*layers)
