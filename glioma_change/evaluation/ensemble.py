"""The fold ensemble of a run: every refitted checkpoint applied to difference maps, probabilities averaged.

Shared by `predict` (unlabelled maps) and external evaluation (labelled maps). Each checkpoint's maps are
loaded into a `MapBank` of its own input grid and channels (once per distinct grid), as in training; a map
that cannot be read is logged and its pair left out, never the end of the run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from glioma_change.errors import InputError
from glioma_change.io import ErrorLog
from glioma_change.progress import progress
from glioma_change.run_layout import RunLayout, model_of_checkpoint

if TYPE_CHECKING:
    import torch

FOLD_PREDICTION_COLUMNS = ["model", "network", "strategy", "fold", "pair_id", "prob"]


@dataclass(frozen=True)
class Checkpoint:
    """One refitted model file of a run: its model name (as in `predictions.csv`) and fold."""

    model: str
    fold: int
    path: Path


def find_checkpoints(run_dir: str | os.PathLike[str]) -> list[Checkpoint]:
    """Every `RUN/models/fold-<k>/*.pt`: `best.pt` is model `best`, `<network>-<strategy>.pt` is `<network>/<strategy>`."""
    out = [Checkpoint(model_of_checkpoint(path.stem), fold, path) for fold, path in RunLayout.of(run_dir).checkpoints()]
    if not out:
        raise InputError("no refitted models (models/fold-*/*.pt) in the run directory", run_dir)
    return out


def _load_inputs(
    pairs: pd.DataFrame, shape: tuple[int, ...], channels: tuple[str, ...], errors: ErrorLog
) -> tuple[torch.Tensor, list[str]]:
    """Maps of `pairs` as a `MapBank` of the checkpoint's grid and the pair_ids in it; unreadable maps go to `errors`.

    Without an absolute map beside every signed one, the absolute channel is derived as |signed| (that is
    how the difference-map stage defines it).
    """
    import torch

    from glioma_change.data import MapBank

    pairs = pairs.copy()
    if "absdiff_path" not in pairs:
        pairs["absdiff_path"] = ""
    pairs["absdiff_path"] = pairs["absdiff_path"].fillna("").astype(str)
    derive_abs = "absdiff" in channels and not pairs["absdiff_path"].astype(bool).all()
    load_channels = ("diff",) if derive_abs else channels
    while True:
        try:
            bank = MapBank(pairs, shape, load_channels)
            break
        except InputError as exc:  # one unreadable map: log it, drop its pair, load the rest
            bad = pairs[(pairs["diff_path"] == str(exc.path)) | (pairs["absdiff_path"] == str(exc.path))]
            if exc.path is None or bad.empty:
                raise
            errors.add(str(exc), item=bad["pair_id"].iloc[0])
            pairs = pairs.drop(index=bad.index)
    ok = list(pairs["pair_id"])
    x = bank.stack(ok) if ok else torch.empty((0, len(load_channels), *shape))
    if derive_abs:
        x = torch.cat([x if c == "diff" else x.abs() for c in channels], dim=1)
    return x, ok


def predict_checkpoints(checkpoints: list[Checkpoint], pairs: pd.DataFrame, errors: ErrorLog) -> pd.DataFrame:
    """P(unstable) of every pair under every checkpoint (`FOLD_PREDICTION_COLUMNS`; maps loaded once per grid)."""
    from glioma_change.models import load_checkpoint
    from glioma_change.training.loop import predict
    from glioma_change.training.runtime import Runtime

    runtime = Runtime.create("auto")
    loaded = 0
    cache: dict[tuple[tuple[int, ...], tuple[str, ...]], tuple[torch.Tensor, list[str]]] = {}
    rows = []
    for ckpt in progress(checkpoints, desc="external inference", unit="model"):
        try:
            model, _, meta = load_checkpoint(ckpt.path)
        except InputError as exc:
            errors.add(str(exc), item=str(ckpt.path))
            continue
        loaded += 1
        key = (tuple(int(s) for s in meta["input_shape"]), tuple(meta.get("channels", ["diff"])))
        if key not in cache:
            cache[key] = _load_inputs(pairs, *key, errors)
        x, ok = cache[key]
        if not ok:
            continue
        prob = predict(runtime.prepare(model), x, runtime)
        network, _, strategy = ckpt.model.partition("/")
        rows.append(
            pd.DataFrame(
                {
                    "model": ckpt.model,
                    "network": meta.get("network", network),
                    "strategy": meta.get("strategy", strategy),
                    "fold": ckpt.fold,
                    "pair_id": ok,
                    "prob": prob,
                }
            )
        )
    if not loaded:
        raise InputError(f"no checkpoint could be loaded (first: {errors.rows[0]['reason']})")
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=FOLD_PREDICTION_COLUMNS)


def average_folds(per_fold: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per model and pair (and the other `keys`), the mean probability over the folds' models and their count."""
    group = ["model", "network", "strategy", "pair_id", *keys]
    return per_fold.groupby(group, as_index=False, dropna=False).agg(prob=("prob", "mean"), n_folds=("fold", "nunique"))
