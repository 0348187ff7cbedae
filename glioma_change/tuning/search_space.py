"""Turning the configured search space into trial parameters (Optuna define-by-run)."""

from __future__ import annotations

from typing import Any, cast

import optuna

from glioma_change.names import Network
from glioma_change.study_config import SearchSpace
from glioma_change.training.params import TrainParams, params_from_dict
from glioma_change.training.strategies import get_strategy


def defaults(space: SearchSpace) -> dict[str, Any]:
    """Values used for parameters a trial did not sample (e.g. the threshold of a `baseline` trial)."""
    return {"weak_threshold": space.weak_threshold[0], "weak_weight": space.weak_weight[1]}


def sample_params(trial: optuna.Trial, space: SearchSpace) -> TrainParams:
    """Sample one configuration; weak-label parameters only for strategies that use them."""
    strategy = get_strategy(trial.suggest_categorical("strategy", space.strategies))
    network = cast(Network, trial.suggest_categorical("network", space.networks))  # one of space.networks
    values: dict[str, Any] = {
        "network": network,
        "strategy": strategy.name,
        "width": trial.suggest_categorical(f"width_{network}", space.width[network]),
        "dropout": trial.suggest_categorical("dropout", space.dropout),
        "lr": trial.suggest_float("lr", *space.lr, log=True),
        "weight_decay": trial.suggest_categorical("weight_decay", space.weight_decay),
        "batch_size": trial.suggest_categorical("batch_size", space.batch_size),
        "aug_strength": trial.suggest_float("aug_strength", *space.aug_strength),
    }
    if strategy.uses_weak:
        values["weak_threshold"] = trial.suggest_categorical("weak_threshold", space.weak_threshold)
    if "weak_weight" in strategy.tunes:
        values["weak_weight"] = trial.suggest_float("weak_weight", *space.weak_weight)
    for name in ("source_task", "growth_ratio", "rounds"):
        if name in strategy.tunes:
            values[name] = trial.suggest_categorical(name, getattr(space, name))
    if "fuse_weight" in strategy.tunes:
        values["fuse_weight"] = trial.suggest_float("fuse_weight", *space.fuse_weight)
    return params_from_dict({**defaults(space), **values}, f"trial {trial.number}")


def params_of(trial: optuna.trial.FrozenTrial, space: SearchSpace) -> TrainParams:
    """The full parameters of a finished trial (`width_<network>` becomes `width`)."""
    values = {k: v for k, v in trial.params.items() if not k.startswith("width_")}
    values["width"] = trial.params[f"width_{trial.params['network']}"]
    return params_from_dict({**defaults(space), **values}, f"trial {trial.number}")
