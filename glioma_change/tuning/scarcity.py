"""Label-scarcity curves: a study's chosen configurations retrained with fewer human-labelled patients.

Per seed, each fold's human-labelled training patients are shuffled once and fraction f keeps the first
max(1, ⌈f·n⌉) of them: subsets are patient-wise and nested (10 % ⊂ 25 % ⊂ 50 % ⊂ 100 %). The withheld
patients' pairs keep only their confident weak labels (`StudyData.with_human_training`); folds,
validation and test patients stay the study's. The configurations are the run's chosen `baseline`,
`mixed` and the new transfer strategy with the best tuning value, all on the best trial's network.
Seed 0 trains with the study's seed (its fraction 1 is the study's refit); seed s > 0 with a derived one.

`OUT` (default `RUN/scarcity`): `cells/<fraction>_<seed>_<network>-<strategy>.csv` (validation and test
predictions of one cell; a rerun skips finished cells), `scarcity.csv` (pooled test AUC with CI per
model, fraction and seed), `scarcity_summary.csv` (per model and fraction, over seeds; `evaluate` draws
the curve from these two),
plus `config.yaml` and `run_info.json`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from glioma_change.errors import ConfigError, InputError
from glioma_change.formats import SCARCITY, SCARCITY_SUMMARY
from glioma_change.io import write_csv_atomic
from glioma_change.progress import progress
from glioma_change.run_layout import RunLayout
from glioma_change.seeding import derive_seed, rng
from glioma_change.stats import Interval, cluster_bootstrap_samples, has_both_classes, rank_auc
from glioma_change.study_config import StudyConfig, load_study_config
from glioma_change.training.params import TrainParams, params_from_dict
from glioma_change.training.pretrain_cache import PretrainCache
from glioma_change.training.study_data import StudyData
from glioma_change.tuning.fold_runs import run_fold
from glioma_change.tuning.refit import fold_predictions
from glioma_change.tuning.study_run import StudyRun

NEW_STRATEGIES = ("finetune_grow", "teacher_student", "meanvar_init")
DEFAULT_FRACTIONS = (1.0, 0.5, 0.25, 0.1)


def human_subsets(data: StudyData, fractions: Sequence[float], seed: int) -> dict[float, dict[int, frozenset[str]]]:
    """Per fraction and fold, the human-labelled training patients kept (nested across fractions, seeded)."""
    human = set(data.all_rows.loc[data.all_rows["source"] == "human", "patient_id"])
    subsets: dict[float, dict[int, frozenset[str]]] = {f: {} for f in fractions}
    for fold in data.folds:
        patients = sorted(human & set(fold.train_patients))
        order = [patients[i] for i in rng(seed, "scarcity", fold.index).permutation(len(patients))]
        for f in fractions:
            subsets[f][fold.index] = frozenset(order[: max(1, math.ceil(f * len(order)))])
    return subsets


def scarcity_configurations(run_dir: Path, network: str | None = None) -> dict[str, TrainParams]:
    """`<network>/<strategy>` → parameters of the run's chosen `baseline`, `mixed` and best new strategy."""
    path = RunLayout(run_dir).best_params
    if not path.is_file():
        raise InputError("best_params.json not found (run `glioma-change tune` first)", path)
    chosen = json.loads(path.read_text(encoding="utf-8"))
    network = network or chosen["best"]["params"]["network"]
    combos = {n: c for n, c in chosen["combinations"].items() if c["params"]["network"] == network}
    if not combos:
        raise ConfigError(f"network {network!r} is not in {path}")
    picked = [n for n, c in combos.items() if c["params"]["strategy"] in ("baseline", "mixed")]
    new = [
        (c["value"], n)
        for n, c in combos.items()
        if c["params"]["strategy"] in NEW_STRATEGIES and c["value"] is not None
    ]
    if not new:  # every trial of the new strategies was pruned: rank their refits by validation AUC instead
        new = _refit_validation_aucs(
            run_dir, [n for n, c in combos.items() if c["params"]["strategy"] in NEW_STRATEGIES]
        )
    if new:
        picked.append(max(new)[1])
    return {n: params_from_dict(combos[n]["params"], str(path)) for n in picked}


def _refit_validation_aucs(run_dir: Path, names: list[str]) -> list[tuple[float, str]]:
    """(mean validation AUC of the refit, `<network>/<strategy>`) of `names`, from the run's strategy table."""
    path = RunLayout(run_dir).strategy_table
    if not names or not path.is_file():
        return []
    table = pd.read_csv(path).dropna(subset=["mean_val_auc"])
    table = table.assign(name=table["network"] + "/" + table["strategy"])
    return [(float(r.mean_val_auc), str(r.name)) for r in table.itertuples() if r.name in names]


def _cell(config: StudyConfig, data: StudyData, params: TrainParams, session: StudyRun) -> pd.DataFrame:
    frames = []
    for fold in range(config.folds.n_folds):
        run = run_fold(config, data, params, fold, session.runtime, session.cache)
        human = run.data.frames["human_train"]
        frames.append(
            fold_predictions(run, config, session.runtime, params.model_name).assign(
                fold=fold, n_human_patients=human["patient_id"].nunique(), n_human_pairs=len(human)
            )
        )
    return pd.concat(frames, ignore_index=True).assign(network=params.network, strategy=params.strategy)


def _mean_auc_ci(y: np.ndarray, probs: np.ndarray, groups: np.ndarray, n_boot: int, seed: int) -> Interval:
    """Mean AUC over the columns of `probs` (seeds) with a patient-bootstrap 95 % CI (same resamples for all)."""
    if not has_both_classes(y):
        return Interval(float("nan"), float("nan"), float("nan"))
    estimate = float(np.mean([rank_auc(y, p) for p in probs.T]))
    stats = [
        np.mean([rank_auc(y[i], p[i]) for p in probs.T])
        for i in cluster_bootstrap_samples(groups, n_boot, seed, "scarcity")
        if has_both_classes(y[i])
    ]
    low, high = np.quantile(stats, [0.025, 0.975]) if stats else (float("nan"), float("nan"))
    return Interval(estimate, float(low), float(high))


def summarise(cells: pd.DataFrame, n_boot: int = 2000, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per model, fraction and seed; per model and fraction over seeds) pooled test AUC with 95 % CI."""
    test = cells[cells["split"] == "test"]
    keys = ["model", "network", "strategy", "fraction"]
    per_seed, summary = [], []
    for key, g in test.groupby(keys, sort=False):
        folds = g.drop_duplicates(["seed", "fold"])
        size = {"n_human_patients": folds["n_human_patients"].mean(), "n_human_pairs": folds["n_human_pairs"].mean()}
        wide = g.pivot(index="pair_id", columns="seed", values="prob")
        pairs = g.drop_duplicates("pair_id").set_index("pair_id").loc[wide.index]
        y, groups = pairs["y_true"].to_numpy(dtype=int), pairs["patient_id"].to_numpy()
        for s in wide.columns:
            ci = _mean_auc_ci(y, wide[[s]].to_numpy(), groups, n_boot, seed)
            per_seed.append(
                {
                    **dict(zip(keys, key, strict=True)),
                    "seed": s,
                    **size,
                    "n_test_pairs": len(y),
                    "auc": ci.estimate,
                    "auc_low": ci.low,
                    "auc_high": ci.high,
                }
            )
        ci = _mean_auc_ci(y, wide.to_numpy(), groups, n_boot, seed)
        seed_aucs = [rank_auc(y, wide[s].to_numpy()) for s in wide.columns]
        summary.append(
            {
                **dict(zip(keys, key, strict=True)),
                "n_seeds": wide.shape[1],
                **size,
                "n_test_pairs": len(y),
                "auc": ci.estimate,
                "auc_low": ci.low,
                "auc_high": ci.high,
                "auc_sd_seeds": float(np.std(seed_aucs, ddof=1)) if len(seed_aucs) > 1 else float("nan"),
            }
        )
    return pd.DataFrame(per_seed), pd.DataFrame(summary)


def run_scarcity(
    run_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    n_seeds: int = 3,
    network: str | None = None,
    n_boot: int = 2000,
) -> pd.DataFrame:
    """Retrain the run's chosen configurations per fraction and seed (see module docstring); return the summary."""
    run_dir = Path(run_dir)
    layout = RunLayout(run_dir)
    out = Path(out_dir) if out_dir is not None else layout.scarcity
    if not fractions or any(not 0.0 < f <= 1.0 for f in fractions):
        raise ConfigError(f"fractions must lie in (0, 1], got {list(fractions)}")
    if n_seeds < 1:
        raise ConfigError(f"seeds must be ≥ 1, got {n_seeds}")
    if not layout.config.is_file():
        raise InputError("config.yaml not found (not a run directory of `glioma-change tune`)", run_dir)
    config = load_study_config(layout.config)
    configurations = scarcity_configurations(run_dir, network)
    session = StudyRun.open(config, out, {"command": "scarcity", "run": str(run_dir.resolve())})
    session = replace(session, cache=PretrainCache(layout.pretrain_cache))  # shared with the study
    fractions = sorted(set(fractions), reverse=True)
    jobs = [(s, f, params) for s in range(n_seeds) for f in fractions for params in configurations.values()]
    subsets = {
        s: human_subsets(session.data, fractions, derive_seed(config.seed, "scarcity-subsets", s))
        for s in range(n_seeds)
    }
    cells: list[pd.DataFrame] = []
    current: tuple[int, float] | None = None
    data = session.data
    for s, f, params in progress(jobs, desc="scarcity", unit="cell"):
        path = out / "cells" / f"{f:g}_{s}_{params.network}-{params.strategy}.csv"
        if not path.is_file():
            if current != (s, f):
                StudyData.fold.cache_clear()  # one subset's fold samples (copies of maps) in memory at a time
                current, data = (s, f), session.data.with_human_training(subsets[s][f])
            seeded = config if s == 0 else config.model_copy(update={"seed": derive_seed(config.seed, "scarcity", s)})
            write_csv_atomic(_cell(seeded, data, params, session).assign(fraction=f, seed=s), path)
        cells.append(pd.read_csv(path, dtype={"patient_id": str, "pair_id": str}))
    per_seed, summary = summarise(pd.concat(cells, ignore_index=True), n_boot, config.seed)
    write_csv_atomic(per_seed, out / SCARCITY)
    write_csv_atomic(summary, out / SCARCITY_SUMMARY)
    return summary
