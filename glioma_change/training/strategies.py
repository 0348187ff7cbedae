"""Ways of using weak labels, as a registry of named strategies sharing one training loop.

- `baseline`: human labels only, from scratch.
- `mixed`: human and weak labels together from scratch; weak samples weighted by `weak_weight`.
- `finetune`: pre-train, then train every layer on human labels.
- `feature_extract`: pre-train, freeze the feature extractor, train the head.
- `finetune_grow`: pre-train, widen every layer by `growth_ratio`, fine-tune old and new units.
- `meanvar_init`: control; fresh weights with the pre-trained tensors' mean and variance.
- `teacher_student`: noisy student; a teacher soft-labels the weak maps for `rounds` students.

Strategies that pre-train use `source_task` (weak labels, the self-supervised pretext, or both). A
strategy is a function `StrategyContext -> Trained` registered with `@register_strategy`. Pre-training
and pseudo-labelling only ever see the fold's training patients (`FoldData.weak_train`,
`FoldData.pretext_ids`), never its validation or test patients.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import torch
from torch import nn

from glioma_change.models import ChangeClassifier, ModelSpec, build_model, freeze_features
from glioma_change.names import check_strategy
from glioma_change.seeding import derive_seed
from glioma_change.study_config import BudgetSection
from glioma_change.training.loop import EpochCallback, FitResult, LoopSettings, Samples, fit
from glioma_change.training.params import TrainParams
from glioma_change.training.pretrain_cache import PretrainCache
from glioma_change.training.runtime import Runtime
from glioma_change.training.study_data import FoldData
from glioma_change.transfer import (
    PretextSettings,
    grow_model,
    grown_spec,
    meanvar_init,
    noisy_student_rounds,
    pretrain_self_supervised,
)

PRETEXT: Final = "contrastive"  # chosen by benchmarks/bench_transfer.py (docs/transfer.md)


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
            b.epochs,
            b.patience,
            p.lr,
            p.weight_decay,
            p.batch_size,
            p.aug_strength,
            b.eval_batch_size,
            b.max_batches_per_epoch,
            self.data.bank.signed_channels,
        )

    def new_model(self, purpose: str) -> ChangeClassifier:
        """A freshly initialised network, its initial weights seeded by (seed, fold, purpose)."""
        torch.manual_seed(derive_seed(self.seed, "init", self.data.fold, purpose))
        return build_model(self.spec)


@dataclass
class Trained:
    """A trained model (best validation epoch), how it got there, and its spec when not the context's."""

    model: nn.Module
    fit: FitResult
    spec: ModelSpec | None = None


StrategyFn = Callable[[StrategyContext], Trained]


@dataclass(frozen=True)
class Strategy:
    """A registered strategy: whether it needs weak labels, the extra hyperparameters it tunes, its function."""

    name: str
    uses_weak: bool
    run: StrategyFn
    tunes: tuple[str, ...] = ()


STRATEGIES: dict[str, Strategy] = {}


def register_strategy(name: str, uses_weak: bool, tunes: tuple[str, ...] = ()) -> Callable[[StrategyFn], StrategyFn]:
    """Decorator adding a strategy function to `STRATEGIES` under `name`.

    `tunes` names the `TrainParams` fields beyond the common ones that the strategy uses (searched only
    for trials of this strategy); `weak_threshold` is searched for every strategy with `uses_weak`.
    """

    check_strategy(name)  # every strategy name is declared once, in `names.STRATEGY_NAMES`

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
        model,
        train,
        ctx.data.val,
        ctx.settings(),
        ctx.runtime,
        derive_seed(ctx.seed, "fit", ctx.data.fold),
        ctx.callback,
        desc=f"fold {ctx.data.fold} {ctx.params.model_name}",
    )
    return Trained(model, result)


def self_supervised_features(ctx: StrategyContext) -> dict[str, torch.Tensor]:
    """Feature-extractor weights from the pretext task on every map of the fold's training patients.

    Cached per fold, spec, seed and pretext settings; no label and no weak-label threshold is involved.
    """
    b = ctx.budget
    settings = PretextSettings(
        PRETEXT,
        b.pretrain_epochs,
        b.pretrain_lr,
        b.pretrain_batch_size,
        b.pretrain_aug_strength,
        b.max_batches_per_epoch,
    )

    def train() -> dict[str, torch.Tensor]:
        seed = derive_seed(ctx.seed, "pretext", ctx.data.fold)
        return pretrain_self_supervised(
            ctx.spec, ctx.data.bank, settings, seed, pair_ids=ctx.data.pretext_ids, device=ctx.runtime.device
        )

    if ctx.cache is None:
        return train()
    fields = {
        "source_task": "self_supervised",
        "spec": ctx.spec.model_dump(mode="json"),
        "seed": ctx.seed,
        "settings": settings.__dict__,
        "data": ctx.data.pretext_fingerprint,
    }
    return ctx.cache.get_or_create(ctx.data.fold, fields, train)


def pretrained_model(ctx: StrategyContext) -> ChangeClassifier:
    """A network pre-trained on the fold's `source_task`: weak labels, the pretext task, or both (pretext first).

    Cached per fold, spec, source task, threshold and seed.
    """
    task = ctx.params.source_task
    start = ctx.new_model("pretrain")
    if task in ("self_supervised", "both"):
        start.features.load_state_dict(self_supervised_features(ctx))
    if task == "self_supervised":
        return start
    if len(ctx.data.weak_train) == 0:
        raise ValueError(f"fold {ctx.data.fold}: no weak-labelled maps to pre-train on")
    b = ctx.budget
    settings = LoopSettings(
        b.pretrain_epochs,
        b.patience,
        b.pretrain_lr,
        0.0,
        b.pretrain_batch_size,
        b.pretrain_aug_strength,
        b.eval_batch_size,
        b.max_batches_per_epoch,
        ctx.data.bank.signed_channels,
    )

    def train() -> dict[str, torch.Tensor]:
        model = copy.deepcopy(start)
        weak = ctx.data.weak_train
        fit(
            model,
            weak.relabelled(weak.y, torch.ones_like(weak.y)),
            ctx.data.val,
            settings,
            ctx.runtime,
            derive_seed(ctx.seed, "pretrain", ctx.data.fold),
            desc=f"fold {ctx.data.fold} pre-train",
        )
        return model.state_dict()

    fields = {
        "source_task": task,
        "spec": ctx.spec.model_dump(mode="json"),
        "threshold": ctx.params.weak_threshold,
        "seed": ctx.seed,
        "settings": settings.__dict__,
        "data": ctx.data.fingerprint,
    }
    if task == "both":
        fields["pretext_data"] = ctx.data.pretext_fingerprint
    state = train() if ctx.cache is None else ctx.cache.get_or_create(ctx.data.fold, fields, train)
    start.load_state_dict(state)
    return start


@register_strategy("baseline", uses_weak=False)
def baseline(ctx: StrategyContext) -> Trained:
    """Human labels only, from scratch."""
    return _fit_human(ctx, ctx.new_model("scratch"), ctx.data.human_train)


@register_strategy("mixed", uses_weak=True, tunes=("weak_weight",))
def mixed(ctx: StrategyContext) -> Trained:
    """Human and weak labels together from scratch; weak samples weighted by `weak_weight`."""
    weak = ctx.data.weak_train
    weak = weak.relabelled(weak.y, torch.full_like(weak.y, ctx.params.weak_weight))
    return _fit_human(ctx, ctx.new_model("scratch"), Samples.concat([ctx.data.human_train, weak]))


@register_strategy("finetune", uses_weak=True, tunes=("source_task",))
def finetune(ctx: StrategyContext) -> Trained:
    """Pre-train on `source_task`, then train all layers on human labels."""
    return _fit_human(ctx, pretrained_model(ctx), ctx.data.human_train)


@register_strategy("feature_extract", uses_weak=True, tunes=("source_task",))
def feature_extract(ctx: StrategyContext) -> Trained:
    """Pre-train on `source_task`, freeze the feature extractor, train the head on human labels."""
    model = pretrained_model(ctx)
    freeze_features(model)
    return _fit_human(ctx, model, ctx.data.human_train)


@register_strategy("finetune_grow", uses_weak=True, tunes=("source_task", "growth_ratio"))
def finetune_grow(ctx: StrategyContext) -> Trained:
    """Pre-train, widen every layer by `growth_ratio` (same function at first), fine-tune old and new units."""
    ratio = ctx.params.growth_ratio
    grown = grow_model(pretrained_model(ctx), ctx.spec, ratio, derive_seed(ctx.seed, "grow", ctx.data.fold))
    trained = _fit_human(ctx, grown, ctx.data.human_train)
    trained.spec = grown_spec(ctx.spec, ratio)
    return trained


@register_strategy("meanvar_init", uses_weak=True, tunes=("source_task",))
def meanvar(ctx: StrategyContext) -> Trained:
    """Control: initialise each tensor from the pre-trained one's mean and variance, train on human labels."""
    model = meanvar_init(pretrained_model(ctx), ctx.spec, derive_seed(ctx.seed, "meanvar", ctx.data.fold))
    return _fit_human(ctx, model, ctx.data.human_train)


@register_strategy("teacher_student", uses_weak=True, tunes=("rounds", "fuse_weight"))
def teacher_student(ctx: StrategyContext) -> Trained:
    """Noisy student: a teacher on human labels soft-labels the weak maps; `rounds` students learn from both."""
    frames = ctx.data.frames
    weak = frames["weak_train"]
    held_out = set(frames["val"]["patient_id"]) | set(frames["test"]["patient_id"])
    allowed = set(weak.loc[~weak["patient_id"].isin(held_out), "pair_id"])
    report = torch.tensor(weak["weak_prob"].to_numpy(), dtype=torch.float32)
    settings = ctx.settings()
    fits: list[FitResult] = []

    def train(samples: Samples, r: int) -> nn.Module:
        model = ctx.new_model(f"noisy-student-{r}")
        callback = ctx.callback if r == ctx.params.rounds else None  # the pruner watches the last student
        fits.append(
            fit(
                model,
                samples,
                ctx.data.val,
                settings,
                ctx.runtime,
                derive_seed(ctx.seed, "fit", ctx.data.fold, r),
                callback,
                desc=f"fold {ctx.data.fold} {ctx.params.model_name} round {r}",
            )
        )
        return model

    result = noisy_student_rounds(
        train,
        ctx.data.human_train,
        ctx.data.weak_train,
        list(weak["pair_id"]),
        allowed,
        ctx.params.rounds,
        report_prob=report,
        fuse_weight=ctx.params.fuse_weight,
    )
    return Trained(result.model, fits[-1])


def train_fold(ctx: StrategyContext) -> Trained:
    """Train one model with the strategy named in the context's parameters."""
    return get_strategy(ctx.params.strategy).run(ctx)
