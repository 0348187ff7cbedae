"""Per-fold models of the best trial of each network/strategy, kept so the refit need not retrain them.

A trial trains its configuration on every fold exactly as the refit would (same data, same seeds), so
its models are saved under `RUN/cache/trials/<trial>/fold-<k>.pt`; after each trial only the best
complete trial of its network/strategy keeps them. The refit loads them when present (a worker on
another machine, or a substituted combination, trains instead).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import optuna
import torch
from optuna.trial import FrozenTrial, TrialState

from glioma_change.io import atomic_path
from glioma_change.models import ModelSpec, build_model
from glioma_change.run_layout import fold_name
from glioma_change.study_config import StudyConfig
from glioma_change.training.loop import FitResult
from glioma_change.training.params import TrainParams
from glioma_change.training.strategies import Trained
from glioma_change.training.study_data import StudyData
from glioma_change.tuning.choices import objective
from glioma_change.tuning.fold_runs import FoldRun, model_spec


class TrialModels:
    """Saved fold models of trials under `root/<trial>/fold-<k>.pt`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, trial: int, fold: int) -> Path:
        return self.root / str(trial) / f"{fold_name(fold)}.pt"

    def save(self, trial: int, run: FoldRun) -> None:
        """Store one fold's trained weights and fit summary."""
        fit = run.trained.fit
        state = {k: v.detach().cpu() for k, v in run.trained.model.state_dict().items()}
        with atomic_path(self.path(trial, run.data.fold)) as tmp:
            torch.save(
                {
                    "state": state,
                    "spec": run.spec.model_dump(mode="json"),
                    "best_score": fit.best_score,
                    "best_epoch": fit.best_epoch,
                    "history": fit.history,
                },
                tmp,
            )

    def load(self, trial: int, fold: int, params: TrainParams, config: StudyConfig, data: StudyData) -> FoldRun | None:
        """The saved model of `trial` on `fold` as a `FoldRun`, or None when it is not here."""
        path = self.path(trial, fold)
        if not path.is_file():
            return None
        saved = torch.load(path, map_location="cpu", weights_only=True)
        spec = ModelSpec.model_validate(saved["spec"]) if "spec" in saved else model_spec(params, config)
        model = build_model(spec)
        model.load_state_dict(saved["state"])
        fit = FitResult(saved["best_score"], saved["best_epoch"], list(saved["history"]))
        return FoldRun(Trained(model, fit), data.fold(fold, params.weak_threshold), spec)

    def keep_best(self, study: optuna.Study, trial: FrozenTrial) -> None:
        """Optuna callback: delete the models of trials that are not the best of their network/strategy."""
        combo = (trial.params.get("network"), trial.params.get("strategy"))
        same = [
            t
            for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if (t.params.get("network"), t.params.get("strategy")) == combo
        ]
        best = max(same, key=objective).number if same else None
        for t in [*same, trial]:
            if t.number != best and (self.root / str(t.number)).is_dir():
                shutil.rmtree(self.root / str(t.number), ignore_errors=True)
