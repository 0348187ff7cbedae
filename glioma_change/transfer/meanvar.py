"""Mean/variance initialisation from a pre-trained network (the Raghu et al., NeurIPS 2019 control).

Every learnable tensor of a fresh network of the same spec (convolution and dense weights, biases,
BatchNorm scales and shifts) is drawn i.i.d. from a normal with the pre-trained tensor's mean and
standard deviation; a one-element tensor keeps its value. BatchNorm running statistics start fresh
(they are re-estimated in training). Training from this start and from the pre-trained weights tells
whether a strategy's gain comes from reusing features or only from their scale.
"""

from __future__ import annotations

import torch
from torch import nn

from glioma_change.models import ChangeClassifier, ModelSpec, build_model


@torch.no_grad()
def meanvar_init(pretrained: nn.Module, spec: ModelSpec, seed: int) -> ChangeClassifier:
    """A network of `spec` whose parameters match `pretrained`'s per-tensor mean and std (seeded)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build_model(spec)
    source = dict(pretrained.named_parameters())
    for name, param in model.named_parameters():
        old = source[name].detach().float().cpu()
        if old.shape != param.shape:
            raise ValueError(f"{name}: pre-trained shape {tuple(old.shape)} differs from {tuple(param.shape)}")
        std = old.std(unbiased=False) if old.numel() > 1 else torch.tensor(0.0)
        draw = torch.randn(param.shape, generator=gen) * std + old.mean()
        param.copy_(draw.to(param.dtype))
    return model.to(next(pretrained.parameters()).device)
