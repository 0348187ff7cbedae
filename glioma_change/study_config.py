"""The study file (`STUDY.yaml`): data paths, folds, budget, search space, storage and device.

Relative data paths are resolved against the directory of the study file; every data file must exist
(`ConfigError` otherwise). Any key can be overridden from the command line with `--set key.sub=value`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from glioma_change.config import StrictModel, load_config
from glioma_change.errors import ConfigError
from glioma_change.names import Channel, CompileMode, Network, SourceTask, check_strategy


class DataSection(StrictModel):
    """Where the difference maps and labels are, and how maps become network inputs."""

    manifest: Path
    human_labels: Path
    weak_labels: Path | None = None
    label: Literal["t2", "global"] = "t2"
    channels: list[Channel] = Field(default_factory=lambda: list[Channel](["diff"]), min_length=1)
    input_shape: tuple[int, int, int] = (32, 32, 32)


class FoldsSection(StrictModel):
    """Patient-wise outer folds (test) and the inner validation split of each training part.

    `repeats` R: the refit (final comparison) runs R repeats of the outer cross-validation, each with the
    patients reshuffled into new folds; tuning uses repeat 0 only.
    """

    n_folds: int = Field(5, ge=2)
    val_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    repeats: int = Field(1, ge=1)


class BudgetSection(StrictModel):
    """How much training one trial, one pre-training and the study may cost."""

    epochs: int = Field(20, ge=1)
    patience: int = Field(5, ge=1)
    pretrain_epochs: int = Field(10, ge=1)
    pretrain_lr: float = Field(1e-3, gt=0.0)
    pretrain_batch_size: int = Field(8, ge=1)
    pretrain_aug_strength: float = Field(0.5, ge=0.0, le=1.0)
    eval_batch_size: int = Field(16, ge=1)
    max_batches_per_epoch: int | None = Field(None, ge=1)
    n_trials: int = Field(20, ge=1)
    timeout_s: float | None = Field(None, gt=0.0)


class SearchSpace(StrictModel):
    """Hyperparameters searched by Optuna: lists are categorical, `[low, high]` pairs are ranges.

    `width` (channel multiplier) is listed per network: capacities of VGG and ResNeXt differ.
    """

    networks: list[Network] = Field(default_factory=lambda: list[Network](["vgg", "resnext"]), min_length=1)
    strategies: list[str] = Field(
        default_factory=lambda: ["baseline", "mixed", "finetune", "feature_extract"], min_length=1
    )
    weak_threshold: list[float] = Field(default_factory=lambda: [0.75, 0.95], min_length=1)
    width: dict[Network, list[float]] = Field(
        default_factory=lambda: dict[Network, list[float]]({"vgg": [0.5, 1.0], "resnext": [0.25, 0.5]})
    )
    dropout: list[float] = Field(default_factory=lambda: [0.0, 0.25], min_length=1)
    lr: tuple[float, float] = (1e-4, 1e-2)
    weight_decay: list[float] = Field(default_factory=lambda: [0.0, 0.01], min_length=1)
    batch_size: list[int] = Field(default_factory=lambda: [4, 8], min_length=1)
    aug_strength: tuple[float, float] = (0.0, 1.0)
    weak_weight: tuple[float, float] = (0.1, 1.0)
    source_task: list[SourceTask] = Field(
        default_factory=lambda: list[SourceTask](["weak_labels", "self_supervised", "both"]), min_length=1
    )
    growth_ratio: list[float] = Field(default_factory=lambda: [0.25, 0.5, 1.0], min_length=1)
    rounds: list[int] = Field(default_factory=lambda: [1, 2], min_length=1)
    fuse_weight: tuple[float, float] = (0.0, 1.0)
    enqueue_each_combination: bool = True
    """False: no trial is queued per network x strategy, and `study.min_trials_per_combination` is not enforced."""

    @field_validator("strategies")
    @classmethod
    def _known_strategies(cls, value: list[str]) -> list[str]:
        for name in value:
            check_strategy(name)
        return value

    @field_validator("lr", "aug_strength", "weak_weight")
    @classmethod
    def _ordered_range(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] > value[1]:
            raise ValueError("range must be [low, high] with low <= high")
        return value

    @model_validator(mode="after")
    def _width_per_network(self) -> SearchSpace:
        missing = [n for n in self.networks if not self.width.get(n)]
        if missing:
            raise ValueError(f"width: no capacity list for network {missing[0]!r}")
        return self

    @field_validator("weak_threshold")
    @classmethod
    def _threshold_range(cls, value: list[float]) -> list[float]:
        if any(not 0.5 <= t <= 1.0 for t in value):
            raise ValueError("weak-label thresholds must lie in [0.5, 1]")
        return value


class StudySection(StrictModel):
    """Optuna settings: name, sampler, pruner and crash detection.

    `min_trials_per_combination` k: every network x strategy gets at least k completed trials (queued
    for it, exempt from pruning until it has them) before the study may end; 0 turns this off.
    """

    name: str = "glioma-change"
    min_trials_per_combination: int = Field(1, ge=0)
    n_startup_trials: int = Field(5, ge=0)
    pruner_startup_trials: int = Field(3, ge=0)
    pruner_warmup_steps: int = Field(2, ge=0)
    heartbeat_interval_s: int = Field(10, ge=1)
    grace_period_s: int = Field(30, ge=1)
    max_retry: int = Field(1, ge=0)

    @model_validator(mode="after")
    def _grace_after_heartbeat(self) -> StudySection:
        if self.grace_period_s <= self.heartbeat_interval_s:
            raise ValueError("grace_period_s must exceed heartbeat_interval_s")
        return self


class StudyConfig(StrictModel):
    """One study: everything `tune` and `train` need besides the command-line flags."""

    data: DataSection
    folds: FoldsSection = Field(default_factory=FoldsSection)
    budget: BudgetSection = Field(default_factory=BudgetSection)
    search: SearchSpace = Field(default_factory=SearchSpace)
    study: StudySection = Field(default_factory=StudySection)
    seed: int = 0
    device: Literal["auto", "cpu", "cuda"] = "auto"
    compile: CompileMode = "off"
    """`torch.compile` mode of the training and validation forward pass (`off`: eager); see docs/scale.md."""
    num_threads: int | None = Field(1, ge=1)
    """Torch CPU threads (None: torch's default). 1 is far faster on small, shared cores (no oversubscription)."""


def _resolve(path: Path, base: Path, key: str) -> Path:
    full = path if path.is_absolute() else (base / path)
    if not full.is_file():
        raise ConfigError(f"data.{key}: file not found: {full}")
    return full.resolve()


def load_study_config(path: str | os.PathLike[str], overrides: list[str] | None = None) -> StudyConfig:
    """Load and validate a study file; resolve data paths against its directory and check they exist."""
    config = load_config(StudyConfig, path, overrides)
    base = Path(path).resolve().parent
    data = config.data
    data.manifest = _resolve(data.manifest, base, "manifest")
    data.human_labels = _resolve(data.human_labels, base, "human_labels")
    if data.weak_labels is not None:
        data.weak_labels = _resolve(data.weak_labels, base, "weak_labels")
    elif any(s != "baseline" for s in config.search.strategies):
        raise ConfigError("data.weak_labels: required by strategies other than 'baseline'")
    return config
