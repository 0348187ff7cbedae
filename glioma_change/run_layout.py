"""`RunLayout`: every path inside a study run directory (`tune`, `train`), defined once.

```
RUN/config.yaml            resolved study config          RUN/run_info.json     versions, seed, argv
RUN/study.db               Optuna storage (SQLite)        RUN/trials.csv        one row per trial
RUN/best_params.json       chosen configurations          RUN/predictions.csv   val/test predictions
RUN/strategy_table.csv     per network/strategy           RUN/scarcity/         `glioma-change scarcity`
RUN/models/fold-<k>/<network>-<strategy>.pt, best.pt      refitted checkpoints (repeat 0 of the CV)
RUN/models/repeat-<r>/fold-<k>/…                          the same for repeat r > 0 of a repeated CV
RUN/cache/pretrain/fold-<k>/<key>.pt                      pre-trained weights shared by trials
RUN/cache/trials/<trial>/fold-<k>.pt                      fold models of trials, reused by the refit
```
Writers build paths with it and readers (e.g. `evaluation.external`) parse them back with it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

RUN_INFO = "run_info.json"
CONFIG = "config.yaml"
BEST_CHECKPOINT = "best"
_FOLD_PREFIX = "fold-"
_REPEAT_PREFIX = "repeat-"


def fold_name(fold: int) -> str:
    """`fold-<k>`: the folder (or file stem) of outer fold `k`."""
    return f"{_FOLD_PREFIX}{fold}"


def parse_fold(name: str) -> int | None:
    """`k` of a `fold-<k>` name; None for any other name."""
    digits = name.removeprefix(_FOLD_PREFIX)
    return int(digits) if name.startswith(_FOLD_PREFIX) and digits.isdigit() else None


def checkpoint_stem(network: str, strategy: str) -> str:
    """`<network>-<strategy>`: the file stem of a refitted model."""
    return f"{network}-{strategy}"


def model_of_checkpoint(stem: str) -> str:
    """The model name (`best` or `<network>/<strategy>`) of a checkpoint file stem."""
    if stem == BEST_CHECKPOINT:
        return BEST_CHECKPOINT
    network, _, strategy = stem.partition("-")
    return f"{network}/{strategy}"


@dataclass(frozen=True)
class RunLayout:
    """The paths of one run directory `root`."""

    root: Path

    @classmethod
    def of(cls, root: str | os.PathLike[str]) -> RunLayout:
        return cls(Path(root))

    @property
    def config(self) -> Path:
        return self.root / CONFIG

    @property
    def run_info(self) -> Path:
        return self.root / RUN_INFO

    @property
    def study_db(self) -> Path:
        return self.root / "study.db"

    @property
    def trials(self) -> Path:
        return self.root / "trials.csv"

    @property
    def best_params(self) -> Path:
        return self.root / "best_params.json"

    @property
    def predictions(self) -> Path:
        return self.root / "predictions.csv"

    @property
    def strategy_table(self) -> Path:
        return self.root / "strategy_table.csv"

    @property
    def scarcity(self) -> Path:
        return self.root / "scarcity"

    @property
    def models(self) -> Path:
        return self.root / "models"

    def fold_models(self, fold: int, repeat: int = 0) -> Path:
        """`models/fold-<k>` (repeat 0) or `models/repeat-<r>/fold-<k>`."""
        base = self.models if repeat == 0 else self.models / f"{_REPEAT_PREFIX}{repeat}"
        return base / fold_name(fold)

    def checkpoint(self, fold: int, network: str, strategy: str, repeat: int = 0) -> Path:
        """`<fold_models>/<network>-<strategy>.pt`."""
        return self.fold_models(fold, repeat) / f"{checkpoint_stem(network, strategy)}.pt"

    def best_checkpoint(self, fold: int, repeat: int = 0) -> Path:
        """`<fold_models>/best.pt`."""
        return self.fold_models(fold, repeat) / f"{BEST_CHECKPOINT}.pt"

    def checkpoints(self) -> list[tuple[int, Path]]:
        """(fold, path) of every `models/fold-<k>/*.pt` (repeat 0 of the CV), sorted by path."""
        found = []
        for path in sorted(self.models.glob(f"{_FOLD_PREFIX}*/*.pt")):
            fold = parse_fold(path.parent.name)
            if fold is not None:
                found.append((fold, path))
        return found

    @property
    def pretrain_cache(self) -> Path:
        """`cache/pretrain`: pre-trained weights, shared by trials, workers and `scarcity`."""
        return self.root / "cache" / "pretrain"

    @property
    def trial_models(self) -> Path:
        """`cache/trials`: fold models saved by trials for the refit."""
        return self.root / "cache" / "trials"
