"""Ways of using weak labels, as a registry of named strategies sharing one training loop.

- `baseline`: human labels only, from scratch.
- `mixed`: human and weak labels together from scratch; weak samples weighted by `weak_weight`.
- `finetune`: pre-train on weak labels, then train every layer on human labels.
- `feature_extract`: pre-train on weak labels, freeze the feature extractor, train the head.

A strategy is a function `StrategyContext -> Trained` registered with `@register_strategy`; adding one
(e.g. teacher-student) is one decorated function. Pre-training only ever sees `FoldData.weak_train`,
which excludes the fold's validation and test patients.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from glioma_change.models import ModelSpec, build_model, freeze_features
from glioma_change.seeding import derive_seed
from glioma_change.training.loop import EpochCallback, FitResult, LoopSettings, Samples, fit
from glioma_change.training.params import TrainParams
from glioma_change.training.pretrain_cache import PretrainCache
from glioma_change.training.runtime import Runtime
from glioma_change.training.study_data import FoldData
from glioma_change.tuning.config import BudgetSection


@dataclass
class StrategyContext:
    """Everything a strategy needs to train one model on one fold."""

    data: FoldData
    params: TrainParams
    spec: ModelSpec
    budget: BudgetSection
    runtime: Runtime
    seed: int
    cache: PretrainCache | None = None
    callback: EpochCallback | None = None

    def settings(self) -> LoopSettings:
        """Loop settings of the human-label phase, from the trial's parameters."""
        p = self.params
        b = self.budget
        return LoopSettings(
            b.epochs, b.patience, p.lr, p.weight_decay, p.batch_size, p.aug_strength, b.eval_batch_size,
            b.max_batches_per_epoch,
        )

    def new_model(self, purpose: str) -> nn.Module:
        """A freshly initialised network, its initial weights seeded by (seed, fold, purpose)."""
        torch.manual_seed(derive_seed(self.seed, "init", self.data.fold, purpose))
        return build_model(self.spec)


@dataclass
class Trained:
    """A trained model (best validation epoch) and how it got there."""

    model: nn.Module
    fit: FitResult


StrategyFn = Callable[[StrategyContext], Trained]


@dataclass(frozen=True)
class Strategy:
    """A registered strategy: whether it needs weak labels, the extra hyperparameters it tunes, its function."""

    name: str
    uses_weak: bool
    run: StrategyFn
    tunes: tuple[str, ...] = ()


STRATEGIES: dict[str, Strategy] = {}


def register_strategy(
    name: str, uses_weak: bool, tunes: tuple[str, ...] = ()
) -> Callable[[StrategyFn], StrategyFn]:
    """Decorator adding a strategy function to `STRATEGIES` under `name`.

    `tunes` names the `TrainParams` fields beyond the common ones that the strategy uses (searched only
    for trials of this strategy); `weak_threshold` is searched for every strategy with `uses_weak`.
    """

    def deco(fn: StrategyFn) -> StrategyFn:
        STRATEGIES[name] = Strategy(name, uses_weak, fn, tunes)
        return fn

    return deco


def get_strategy(name: str) -> Strategy:
    """The registered strategy called `name` (ValueError naming the known ones otherwise)."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise ValueError(f"unknown strategy {name!r} (known: {', '.join(STRATEGIES)})") from None


def _fit_human(ctx: StrategyContext, model: nn.Module, train: Samples) -> Trained:
    result = fit(
        model, train, ctx.data.val, ctx.settings(), ctx.runtime, derive_seed(ctx.seed, "fit", ctx.data.fold),
        ctx.callback, desc=f"fold {ctx.data.fold} {ctx.params.combo}",
    )
    return Trained(model, result)


def pretrained_model(ctx: StrategyContext) -> nn.Module:
    """A network pre-trained on the fold's weak labels (cached per fold, spec, threshold and seed)."""
    if len(ctx.data.weak_train) == 0:
        raise ValueError(f"fold {ctx.data.fold}: no weak-labelled maps to pre-train on")
    b = ctx.budget
    settings = LoopSettings(
        b.pretrain_epochs, b.patience, b.pretrain_lr, 0.0, b.pretrain_batch_size, b.pretrain_aug_strength,
        b.eval_batch_size, b.max_batches_per_epoch,
    )

    def train() -> dict[str, torch.Tensor]:
        model = ctx.new_model("pretrain")
        weak = ctx.data.weak_train
        fit(model, Samples(weak.x, weak.y, torch.ones_like(weak.y)), ctx.data.val, settings, ctx.runtime,
            derive_seed(ctx.seed, "pretrain", ctx.data.fold), desc=f"fold {ctx.data.fold} pre-train")
        return model.state_dict()

    fields = {
        "spec": ctx.spec.model_dump(mode="json"),
        "threshold": ctx.params.weak_threshold,
        "seed": ctx.seed,
        "settings": settings.__dict__,
        "data": ctx.data.fingerprint,
    }
    if ctx.cache is None:
        state = train()
    else:
        state = ctx.cache.get_or_create(ctx.data.fold, fields, train)
    model = ctx.new_model("pretrain")
    model.load_state_dict(state)
    return model


@register_strategy("baseline", uses_weak=False)
def baseline(ctx: StrategyContext) -> Trained:
    """Human labels only, from scratch."""
    return _fit_human(ctx, ctx.new_model("scratch"), ctx.data.human_train)


@register_strategy("mixed", uses_weak=True, tunes=("weak_weight",))
def mixed(ctx: StrategyContext) -> Trained:
    """Human and weak labels together from scratch; weak samples weighted by `weak_weight`."""
    weak = ctx.data.weak_train
    weak = Samples(weak.x, weak.y, torch.full_like(weak.y, ctx.params.weak_weight))
    return _fit_human(ctx, ctx.new_model("scratch"), Samples.concat([ctx.data.human_train, weak]))


@register_strategy("finetune", uses_weak=True)
def finetune(ctx: StrategyContext) -> Trained:
    """Pre-train on weak labels, then train all layers on human labels."""
    return _fit_human(ctx, pretrained_model(ctx), ctx.data.human_train)


@register_strategy("feature_extract", uses_weak=True)
def feature_extract(ctx: StrategyContext) -> Trained:
    """Pre-train on weak labels, freeze the feature extractor, train the head on human labels."""
    model = pretrained_model(ctx)
    freeze_features(model)
    return _fit_human(ctx, model, ctx.data.human_train)


def train_fold(ctx: StrategyContext) -> Trained:
    """Train one model with the strategy named in the context's parameters."""
    return get_strategy(ctx.params.strategy).run(ctx)
