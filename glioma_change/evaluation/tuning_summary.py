"""What the Optuna study of a run looked like: its trials and the importance of each hyperparameter.

Trials come from `RUN/trials.csv` or, when absent, from the study storage `RUN/study.db`. Importances use
`optuna.importance.get_param_importances` on the stored study; with too few completed trials (or no
storage) they fall back to the share of objective variance explained by each parameter's values (η²).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from glioma_change.run_layout import RunLayout

log = logging.getLogger(__name__)

MIN_TRIALS_FOR_FANOVA = 8


def _study(run_dir: Path):
    db = RunLayout(run_dir).study_db
    if not db.is_file():
        return None
    import optuna

    url = f"sqlite:///{db}"
    names = optuna.get_all_study_names(storage=url)
    return optuna.load_study(study_name=names[0], storage=url) if len(names) == 1 else None


def load_trials(run_dir: str | os.PathLike[str]) -> pd.DataFrame | None:
    """The Optuna trials dataframe of a run (`number, value, state, params_*`), or None without a study."""
    run_dir = Path(run_dir)
    trials = RunLayout(run_dir).trials
    if trials.is_file():
        return pd.read_csv(trials)
    study = _study(run_dir)
    return study.trials_dataframe() if study is not None else None


def variance_share(trials: pd.DataFrame) -> dict[str, float]:
    """η² of each `params_*` column (numeric ones binned in quartiles), normalised to sum to 1."""
    done = trials[trials["state"].astype(str).str.upper().str.contains("COMPLETE") & trials["value"].notna()]
    total = float(((done["value"] - done["value"].mean()) ** 2).sum())
    out = {}
    for column in (c for c in done.columns if c.startswith("params_")):
        values = done[column]
        if values.nunique() < 2 or total == 0.0:
            continue
        if pd.api.types.is_numeric_dtype(values) and values.nunique() > 4:
            values = pd.qcut(values, 4, duplicates="drop")
        groups = done["value"].groupby(values, observed=True)
        between = float((groups.count() * (groups.mean() - done["value"].mean()) ** 2).sum())
        out[column.removeprefix("params_")] = between / total
    norm = sum(out.values())
    return {k: v / norm for k, v in out.items()} if norm > 0 else {}


def param_importances(run_dir: str | os.PathLike[str], trials: pd.DataFrame) -> tuple[dict[str, float], str]:
    """Hyperparameter importances and the method used (`fANOVA (Optuna)` or `η² of trial values`)."""
    n_done = int(trials["state"].astype(str).str.upper().str.contains("COMPLETE").sum())
    study = _study(Path(run_dir)) if n_done >= MIN_TRIALS_FOR_FANOVA else None
    if study is not None:
        import optuna

        try:
            found = optuna.importance.get_param_importances(study)
            return {k: float(v) for k, v in found.items()}, "fANOVA (Optuna)"
        except (RuntimeError, ValueError) as exc:
            log.info("Optuna importances unavailable (%s); using the variance share", exc)
    return variance_share(trials), "η² of trial values"


def has_enough(trials: pd.DataFrame | None) -> bool:
    """True when at least two trials completed with a value."""
    if trials is None or "value" not in trials:
        return False
    return int(np.isfinite(pd.to_numeric(trials["value"], errors="coerce")).sum()) >= 2
