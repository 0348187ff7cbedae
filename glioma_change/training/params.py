"""The hyperparameters of one training configuration (one Optuna trial, or `train --params`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from glioma_change.config import StrictModel, validate
from glioma_change.errors import ConfigError
from glioma_change.names import Network, SourceTask, check_strategy


class TrainParams(StrictModel):
    """Network, strategy and optimisation settings; weak-label settings matter only where used."""

    network: Network
    strategy: str
    width: float = Field(1.0, gt=0.0)
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    lr: float = Field(1e-3, gt=0.0)
    weight_decay: float = Field(0.0, ge=0.0)
    batch_size: int = Field(8, ge=1)
    aug_strength: float = Field(0.5, ge=0.0, le=1.0)
    weak_threshold: float = Field(0.75, ge=0.5, le=1.0)
    weak_weight: float = Field(1.0, gt=0.0)
    source_task: SourceTask = "weak_labels"
    growth_ratio: float = Field(0.5, gt=0.0)
    rounds: int = Field(1, ge=0)
    fuse_weight: float = Field(0.0, ge=0.0, le=1.0)

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, value: str) -> str:
        return check_strategy(value)

    @property
    def model_name(self) -> str:
        """`<network>/<strategy>`: the model name used in predictions."""
        return f"{self.network}/{self.strategy}"


def params_from_dict(data: dict[str, Any], source: str = "parameters") -> TrainParams:
    """Validate a flat parameter dict (e.g. an Optuna trial's params)."""
    return validate(TrainParams, dict(data), source)


def read_params_file(path: str | os.PathLike[str]) -> TrainParams:
    """Read `best_params.json` (its `best` entry) or a flat JSON dict of parameters."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"parameter file not found: {p}")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{p}: not valid JSON ({exc.msg})") from None
    if isinstance(data, dict) and isinstance(data.get("best"), dict):
        data = data["best"].get("params", {})
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a JSON object of parameters")
    return params_from_dict(data, str(p))
