"""Tiny in-memory difference maps and networks for the transfer tests."""

from __future__ import annotations

import torch

from glioma_change.models import ChangeClassifier, ModelSpec, build_model

SIZE = 16


def blob_maps(n: int, seed: int, size: int = SIZE) -> tuple[torch.Tensor, torch.Tensor]:
    """`(n, 1, size³)` float16 maps (noise; unstable ones carry a signed Gaussian blob) and 0/1 labels."""
    gen = torch.Generator().manual_seed(seed)
    y = (torch.arange(n) % 2).float()
    grid = torch.stack(torch.meshgrid(*[torch.arange(size, dtype=torch.float32)] * 3, indexing="ij"))
    x = torch.randn(n, 1, size, size, size, generator=gen) * 0.3
    for i in range(n):
        if y[i] == 1:
            centre = (torch.rand(3, generator=gen) * 0.4 + 0.3) * size
            r2 = ((grid - centre.view(3, 1, 1, 1)) ** 2).sum(0)
            x[i, 0] += 2.0 * torch.exp(-r2 / (2 * (size / 8) ** 2))
    return x.half(), y


def small_spec(network: str) -> ModelSpec:
    """A small VGG or ResNeXt (one bottleneck per stage)."""
    if network == "resnext":
        return ModelSpec(network="resnext", width=0.5, layers=(1, 1, 1, 1), cardinality=4)
    return ModelSpec(network="vgg", width=0.5)


def trained_like(spec: ModelSpec, seed: int) -> ChangeClassifier:
    """A network whose weights and BatchNorm statistics are no longer at their initial values."""
    torch.manual_seed(seed)
    model = build_model(spec)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(1.0 + 0.5 * torch.rand_like(p)).add_(0.05 * torch.randn_like(p))
        model.train()
        model(torch.randn(4, spec.in_channels, SIZE, SIZE, SIZE) * 1.5 + 0.2)
    return model.eval()
