"""Training one configuration on one outer fold: the unit of work of trials and refits."""

from __future__ import annotations

from dataclasses import dataclass

from glioma_change.models import ModelSpec
from glioma_change.study_config import StudyConfig
from glioma_change.training.loop import EpochCallback
from glioma_change.training.params import TrainParams
from glioma_change.training.pretrain_cache import PretrainCache
from glioma_change.training.runtime import Runtime
from glioma_change.training.strategies import StrategyContext, Trained, train_fold
from glioma_change.training.study_data import FoldData, StudyData


def model_spec(params: TrainParams, config: StudyConfig) -> ModelSpec:
    """The network specification of a configuration (other architecture settings at their defaults)."""
    return ModelSpec(
        network=params.network, width=params.width, dropout=params.dropout, in_channels=len(config.data.channels)
    )


@dataclass
class FoldRun:
    """A model trained on one fold, with the fold's data and the network specification."""

    trained: Trained
    data: FoldData
    spec: ModelSpec


def run_fold(
    config: StudyConfig,
    data: StudyData,
    params: TrainParams,
    fold: int,
    runtime: Runtime,
    cache: PretrainCache | None,
    callback: EpochCallback | None = None,
    repeat: int = 0,
) -> FoldRun:
    """Train `params` on fold `fold` of repeat `repeat` (validation on its inner validation patients; test untouched)."""
    fold_data = data.fold(fold, params.weak_threshold, repeat)
    spec = model_spec(params, config)
    ctx = StrategyContext(fold_data, params, spec, config.budget, runtime, config.seed, cache, callback)
    trained = train_fold(ctx)
    return FoldRun(trained, fold_data, trained.spec or spec)
