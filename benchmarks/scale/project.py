"""The projected cost of the full study from measured rates (see `study_scale`'s docstring)."""

from __future__ import annotations

import argparse
from typing import Any

from glioma_change.study_config import SearchSpace
from scale.design import Design, fold_sizes

PAPER_GPU_DAYS_PER_FOLD = (9.0, 16.0)
GOAL_GPU_HOURS = 4.0
PROJECTED_WITH = {"baseline": "baseline", "mixed": "mixed", "finetune": "finetune", "feature_extract": "finetune"}


def project(
    device: dict[str, Any],
    sizes: dict[str, int],
    args: argparse.Namespace,
    factor: float,
    mode: str,
    share_speedup: float | None,
) -> dict[str, Any]:
    """Hours of the full study on one device from its rates under compile `mode` (see module docstring).

    `share_speedup`: the measured gain of several VGG workers on this device over one, applied to the
    VGG part of the study (the ResNeXt part is left unshared).
    """
    measured = [r for r in device["rows"] if r["compile"] == mode and r["network"] in ("vgg", "resnext")]
    rates = {(r["network"], r["strategy"]): r for r in measured}
    space = SearchSpace()
    cap = args.max_batches * args.batch_size if args.max_batches else None
    pretrain_users = [s for s in space.strategies if PROJECTED_WITH[s] == "finetune"]
    combos = []
    train_total = val_total = 0.0
    for network in ("vgg", "resnext"):
        distinct_pretrain = len(space.width[network]) * len(space.dropout) * len(space.weak_threshold)
        pretrain_runs = min(args.trials * len(pretrain_users), distinct_pretrain)
        for strategy in space.strategies:
            r = rates[(network, PROJECTED_WITH[strategy])]
            train_n = sizes["human_train"] + (sizes["weak_train"] if strategy == "mixed" else 0)
            train_n = min(train_n, cap) if cap else train_n
            epochs = args.trials * args.folds * args.epochs * factor  # epochs of this combination, all trials
            pre_epochs = 0.0
            weak_n = min(sizes["weak_train"], cap) if cap else sizes["weak_train"]
            if strategy in pretrain_users:  # this strategy's share of the cached pre-training runs
                pre_epochs = args.folds * args.pretrain_epochs * pretrain_runs / len(pretrain_users)
            train = epochs * train_n + pre_epochs * weak_n
            val = (epochs + pre_epochs) * sizes["val"]
            seconds = (
                train / r["train_samples_per_s"]
                + val / r["eval_samples_per_s"]
                + args.trials * args.folds * r["run_overhead_s"]
            )
            train_total, val_total = train_total + train, val_total + val
            combos.append(
                {
                    "network": network,
                    "strategy": strategy,
                    "epochs": epochs,
                    "pretrain_epochs": pre_epochs,
                    "train_samples": train,
                    "val_samples": val,
                    "hours": seconds / 3600.0,
                }
            )
    worker_overhead_s = sum(r["first_run_overhead_s"] for r in measured)  # compilation: once per worker
    total = sum(c["hours"] for c in combos) + worker_overhead_s / 3600.0
    vgg = sum(c["hours"] for c in combos if c["network"] == "vgg")
    paper = [d * 24.0 * args.folds for d in PAPER_GPU_DAYS_PER_FOLD]
    return {
        "device": device["device"],
        "compile": mode,
        "hours": total,
        "hours_per_fold": total / args.folds,
        "worker_overhead_s": worker_overhead_s,
        "vgg_sharing_speedup": share_speedup,
        "hours_with_vgg_sharing": None if share_speedup is None else total - vgg + vgg / share_speedup,
        "paper_hours": paper,
        "speedup_vs_paper": [p / total for p in paper],
        "train_samples_total": train_total,
        "val_samples_total": val_total,
        "goal_hours": GOAL_GPU_HOURS,
        "speedup_needed_for_goal": total / GOAL_GPU_HOURS,
        "train_samples_per_s_needed_for_goal": train_total / (GOAL_GPU_HOURS * 3600.0),
        "combinations": combos,
    }


def with_projection(result: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """`result` with the projection of the full study (`--full-maps`, `--trials`, ...) from its rates."""
    s = result["settings"]
    full = Design(
        args.full_maps, args.full_patients, tuple(s["shape"]), max(10, round(args.human_fraction * args.full_patients))
    )
    sizes = fold_sizes(full, s["threshold"])
    gains = [r["speedup_vs_1"] for r in result["sharing"] if r["speedup_vs_1"] is not None]
    share = max([1.0, *gains]) if gains else None
    projections = [
        project(
            dev,
            sizes,
            args,
            result["pruning"]["factor"],
            mode,
            share if dev["device"] == result.get("sharing_device") else None,
        )
        for dev in result["devices"]
        for mode in dict.fromkeys(r["compile"] for r in dev["rows"])
    ]
    settings = {**s, "full_maps": args.full_maps, "full_patients": args.full_patients}
    return {
        **result,
        "settings": settings,
        "projection_settings": {
            "folds": args.folds,
            "trials": args.trials,
            "epochs": args.epochs,
            "pretrain_epochs": args.pretrain_epochs,
            "max_batches": args.max_batches,
            "batch_size": args.batch_size,
            "fold_sizes": sizes,
        },
        "projections": projections,
    }
