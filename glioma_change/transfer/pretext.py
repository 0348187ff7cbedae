"""Self-supervised source tasks on difference maps: pre-train a feature extractor without any label.

Three pretext tasks, each a small head on the pooled features and a loss (`PRETEXTS`):

- `transform`: tell which of four copies a map is: itself, sign-flipped (the change reversed in time),
  flipped inferior↔superior, or both (4-way cross-entropy). Solving it needs the shape and sign of
  real changes, which noise does not have.
- `masked`: half of a 4×4×4 grid of cells is zeroed; the head regresses the 4³ cell means of the
  complete map, scored on the masked cells (masked-patch reconstruction at low resolution).
- `contrastive`: SimCLR's NT-Xent over two augmented views of each map (temperature 0.2,
  a 2-layer projection head).

Every map goes through `data.augment` first. Which maps pre-train is the caller's choice of pair ids;
`pretext_pair_ids` gives every map of a fold's training patients (labelled or not) and nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from glioma_change.data import MapBank, augment
from glioma_change.models import ModelSpec, build_model
from glioma_change.progress import progress
from glioma_change.seeding import derive_seed

PretextName = Literal["transform", "masked", "contrastive"]
GRID = 4  # masked: cells per axis
TEMPERATURE = 0.2  # contrastive
PROJECTION = 64  # contrastive: projection head width


@dataclass(frozen=True)
class PretextSettings:
    """How to pre-train: which pretext, epochs, Adam learning rate, batch size, augmentation strength and
    at most how many batches an epoch takes (None: every map)."""

    pretext: PretextName = "contrastive"
    epochs: int = 10
    lr: float = 1e-3
    batch_size: int = 8
    aug_strength: float = 0.5
    max_batches: int | None = None


def _transform_loss(features: nn.Module, head: nn.Module, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    target = torch.randint(0, 4, (len(x),), generator=gen, device=x.device)
    sign = torch.where(target % 2 == 1, -1.0, 1.0).view(-1, 1, 1, 1, 1)
    flip = (target >= 2).view(-1, 1, 1, 1, 1)
    x = torch.where(flip, x.flip(2), x) * sign
    return F.cross_entropy(head(features(x)), target)


def _masked_loss(features: nn.Module, head: nn.Module, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    b, c = x.shape[:2]
    cells = torch.rand(b, 1, GRID, GRID, GRID, generator=gen, device=x.device) < 0.5
    keep = F.interpolate((~cells).float(), size=x.shape[2:], mode="nearest")
    target = F.adaptive_avg_pool3d(x, GRID)
    pred = head(features(x * keep)).view(b, c, GRID, GRID, GRID)
    weight = cells.expand_as(target).float()
    return ((pred - target) ** 2 * weight).sum() / weight.sum().clamp_min(1.0)


def _contrastive_loss(
    features: nn.Module, head: nn.Module, x: torch.Tensor, gen: torch.Generator, strength: float
) -> torch.Tensor:
    views = torch.cat([augment(x, strength, gen), augment(x, strength, gen)])
    z = F.normalize(head(features(views)), dim=1)
    sim = z @ z.T / TEMPERATURE
    sim.fill_diagonal_(-math.inf)
    n = len(x)
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(x.device)
    return F.cross_entropy(sim, target)


def _head(pretext: PretextName, feature_dim: int, channels: int) -> nn.Module:
    if pretext == "transform":
        return nn.Linear(feature_dim, 4)
    if pretext == "masked":
        return nn.Linear(feature_dim, channels * GRID**3)
    return nn.Sequential(nn.Linear(feature_dim, PROJECTION), nn.ReLU(inplace=True), nn.Linear(PROJECTION, PROJECTION))


def pretext_pair_ids(rows: pd.DataFrame, train_patients: Collection[str]) -> list[str]:
    """Sorted pair ids of every row of `rows` whose patient is a training patient (no label column read)."""
    allowed = rows["patient_id"].astype(str).isin({str(p) for p in train_patients})
    return sorted(set(rows.loc[allowed, "pair_id"]))


def pretrain_self_supervised(
    spec: ModelSpec,
    maps: torch.Tensor | MapBank,
    settings: PretextSettings,
    seed: int,
    pair_ids: Sequence[str] | None = None,
    device: str | torch.device = "cpu",
) -> dict[str, torch.Tensor]:
    """Pre-train a fresh `spec` network's feature extractor on `maps` with a pretext task.

    `maps` is a `(N, C, D, H, W)` tensor, or a `MapBank` read at `pair_ids`. Returns the feature
    extractor's state dict on CPU (load it with `model.features.load_state_dict`). Same maps, settings
    and seed give the same weights on CPU.
    """
    if settings.pretext not in ("transform", "masked", "contrastive"):
        raise ValueError(f"unknown pretext task {settings.pretext!r} (transform, masked, contrastive)")
    if isinstance(maps, MapBank):
        if pair_ids is None:
            raise ValueError("pair_ids are required with a MapBank")
        maps = maps.stack(list(pair_ids))
    if len(maps) < 2:
        raise ValueError(f"self-supervised pre-training needs at least 2 maps, got {len(maps)}")
    device = torch.device(device)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(seed, "pretext", "init"))
        model = build_model(spec)
        head = _head(settings.pretext, model.feature_dim, maps.shape[1])
    features = model.features.to(device).train()
    head = head.to(device).train()
    optimizer = torch.optim.Adam([*features.parameters(), *head.parameters()], lr=settings.lr)
    order_gen = torch.Generator().manual_seed(derive_seed(seed, "pretext", "order"))
    gen = torch.Generator(device=device).manual_seed(derive_seed(seed, "pretext", "draws"))
    batch = max(2, settings.batch_size)
    for _ in progress(range(settings.epochs), desc=f"pretext {settings.pretext}", unit="epoch"):
        order = torch.randperm(len(maps), generator=order_gen)
        if settings.max_batches is not None:
            order = order[: settings.max_batches * batch]
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            if len(idx) < 2:  # BatchNorm and the contrastive loss need two maps
                continue
            x = maps[idx].to(device).float()
            if settings.pretext == "contrastive":
                loss = _contrastive_loss(features, head, x, gen, settings.aug_strength)
            else:
                x = augment(x, settings.aug_strength, gen)
                pretext_loss = _transform_loss if settings.pretext == "transform" else _masked_loss
                loss = pretext_loss(features, head, x, gen)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return {k: v.detach().cpu().clone() for k, v in features.state_dict().items()}
