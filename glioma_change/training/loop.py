"""The one training loop shared by every strategy.

AdamW on the trainable parameters, class-balanced BCE-with-logits (`pos_weight` = weighted negatives /
weighted positives) with per-sample weights, augmentation on the model's device, early stopping on the
validation AUC, and the best weights kept. Every random source (initial shuffle order, dropout,
augmentation) comes from generators derived from one seed, so on CPU the same seed gives the same model.

Samples point into one map storage (a study's `MapBank` tensor) by row, so the maps sit in memory once
however many folds, thresholds and strategies select them; each batch is gathered where the storage
lives. Labels, weights and the epoch's order move to the model's device once per run and epoch, not
per batch. With `Runtime.compile_mode`, the forward pass runs through `torch.compile` while the module
itself (optimiser, `state_dict`, checkpoints, freezing) stays the plain network.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from torch import nn

from glioma_change.data import augment
from glioma_change.data.samples import Samples
from glioma_change.progress import progress
from glioma_change.seeding import derive_seed
from glioma_change.training.runtime import Runtime

EpochCallback = Callable[[int, float], None]
"""Called after each epoch with (epoch, validation score); may raise to stop (e.g. `optuna.TrialPruned`)."""


@dataclass(frozen=True)
class LoopSettings:
    """Optimiser and schedule of one training run."""

    epochs: int
    patience: int
    lr: float
    weight_decay: float
    batch_size: int
    aug_strength: float
    eval_batch_size: int = 16
    max_batches: int | None = None
    """Batches per epoch at most (a fresh random subset each epoch); None: the whole training set."""
    signed_channels: tuple[int, ...] = ()
    """Input channels holding signed differences, whose sign augmentation may flip (see `augment`)."""


@dataclass
class FitResult:
    """The best validation score, its epoch, the per-epoch scores and the best weights."""

    best_score: float
    best_epoch: int
    history: list[float] = field(default_factory=list)


def validation_score(y_true: np.ndarray, prob: np.ndarray) -> float:
    """ROC AUC when both classes are present; otherwise minus the mean BCE (still higher-is-better)."""
    if len(np.unique(y_true)) == 2:
        return float(roc_auc_score(y_true, prob))
    return -validation_loss(y_true, prob)


def validation_loss(y_true: np.ndarray, prob: np.ndarray) -> float:
    """Mean binary cross-entropy of `prob` against `y_true` (probabilities clipped away from 0 and 1)."""
    p = np.clip(prob, 1e-7, 1 - 1e-7)
    return float(-np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))


def pos_weight(y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Weighted negatives over weighted positives (1 when a class is missing)."""
    pos = float((w * y).sum())
    neg = float((w * (1 - y)).sum())
    return torch.tensor(neg / pos if pos > 0 and neg > 0 else 1.0)


@torch.no_grad()
def predict(
    model: nn.Module,
    x: torch.Tensor | Samples,
    runtime: Runtime,
    batch_size: int = 16,
    forward: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> np.ndarray:
    """P(unstable) for every input, in order (model in eval mode; `forward` defaults to the model)."""
    model.eval()
    samples = x if isinstance(x, Samples) else Samples.unlabelled(x)
    forward = model if forward is None else forward
    out = []
    for start in range(0, len(samples), batch_size):
        with runtime.autocast():
            logits = forward(runtime.to_input(samples.batch(slice(start, start + batch_size))))
        out.append(torch.sigmoid(logits.float()))
    return torch.cat(out).cpu().numpy() if out else np.zeros(0, dtype=np.float32)


def _batches(n: int, batch_size: int) -> list[tuple[int, int]]:
    """(start, end) of each batch over `n` ordered samples; a last batch of one joins the previous one."""
    starts = list(range(0, n, batch_size))
    if len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()  # a last batch of one sample breaks batch norm
    return [(a, starts[i + 1] if i + 1 < len(starts) else n) for i, a in enumerate(starts)]


def _train_epoch(
    model: nn.Module,
    forward: Callable[[torch.Tensor], torch.Tensor],
    train: Samples,
    optimizer: torch.optim.Optimizer,
    loss_fn: nn.Module,
    settings: LoopSettings,
    runtime: Runtime,
    order_gen: torch.Generator,
    aug_gen: torch.Generator,
    scaler: torch.amp.GradScaler,
) -> None:
    model.train()
    order = torch.randperm(len(train), generator=order_gen)
    if settings.max_batches is not None:
        order = order[: settings.max_batches * settings.batch_size]
    if len(order) == 1:
        order = order.repeat(2)  # batch norm cannot train on a single sample
    order = order.to(train.y.device, non_blocking=True)  # one copy per epoch; batches index on the device
    for start, end in _batches(len(order), settings.batch_size):
        idx = order[start:end]
        x = runtime.to_input(train.batch(idx))
        if settings.aug_strength > 0:
            x = augment(x, settings.aug_strength, aug_gen, settings.signed_channels).contiguous(
                memory_format=runtime.memory_format
            )
        y, w = train.y[idx], train.w[idx]
        optimizer.zero_grad(set_to_none=True)
        with runtime.autocast():
            logits = forward(x)
        loss = (loss_fn(logits.float(), y) * w).sum() / w.sum().clamp_min(1e-8)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()


def fit(
    model: nn.Module,
    train: Samples,
    val: Samples,
    settings: LoopSettings,
    runtime: Runtime,
    seed: int,
    callback: EpochCallback | None = None,
    desc: str = "train",
) -> FitResult:
    """Train `model` in place; on return it holds the weights of the best validation epoch."""
    if len(train) == 0:
        raise ValueError("no training samples")
    torch.manual_seed(derive_seed(seed, "loop", "dropout"))
    order_gen = torch.Generator().manual_seed(derive_seed(seed, "loop", "order"))
    aug_gen = torch.Generator(device=runtime.device).manual_seed(derive_seed(seed, "loop", "augment"))
    runtime.prepare(model)
    forward = runtime.forward(model)
    train = train.to(runtime.device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=settings.lr, weight_decay=settings.weight_decay)
    loss_fn = nn.BCEWithLogitsLoss(reduction="none", pos_weight=pos_weight(train.y, train.w).to(runtime.device))
    scaler = runtime.grad_scaler()
    y_val = val.y.numpy()

    result = FitResult(best_score=-math.inf, best_epoch=-1)
    best_key = (-math.inf, -math.inf)
    best_state = copy.deepcopy(model.state_dict())
    for epoch in progress(range(settings.epochs), desc=desc, unit="epoch"):
        _train_epoch(model, forward, train, optimizer, loss_fn, settings, runtime, order_gen, aug_gen, scaler)
        prob = predict(model, val, runtime, settings.eval_batch_size, forward)
        score = validation_score(y_val, prob)
        result.history.append(score)
        # ties in AUC (frequent on small validation sets, which reach 1.0 after an epoch) go to the lower loss
        key = (score, -validation_loss(y_val, prob))
        if key > best_key:
            best_key, result.best_score, result.best_epoch = key, score, epoch
            best_state = copy.deepcopy(model.state_dict())
        if callback is not None:
            callback(epoch, score)
        if epoch - result.best_epoch >= settings.patience:
            break
    model.load_state_dict(best_state)
    return result
