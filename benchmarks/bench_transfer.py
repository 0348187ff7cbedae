"""Benchmark: which self-supervised pretext gives features that a linear probe separates best?

For each network and seed, a feature extractor is pre-trained on an unlabelled pool of maps with each
pretext task (`transform`, `masked`, `contrastive`), and, as references, left at its random
initialisation (the baseline every ratio is taken against) or pre-trained on noisy weak labels of the
same pool (the paper's source task, 15 % of labels flipped). A logistic-regression probe on the frozen
pooled features of a disjoint labelled set is scored by stratified 5-fold cross-validated ROC AUC
(stable vs unstable). Pre-training seconds per epoch are reported too.

Default maps (`--size`³): noise; unstable maps carry a Gaussian blob (positive for 75 %: growth) and
every map may carry a registration-like nuisance (a thin signed shell at the brain edge, in both
classes). `--manifest M --labels L` uses real difference maps instead (label CSV `t2_label`; e.g. the
synthetic dataset through `diffmaps`). Writes `benchmarks/results/transfer.json` and `transfer.md`.

    .venv/bin/python benchmarks/bench_transfer.py [--networks vgg resnext] [--seeds 3] [--epochs 10]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]

from glioma_change.models import ModelSpec, build_model  # noqa: E402  (thread settings before torch and numpy load)
from glioma_change.progress import set_enabled  # noqa: E402  (thread settings before torch and numpy load)
from glioma_change.seeding import derive_seed  # noqa: E402  (thread settings before torch and numpy load)
from glioma_change.training.loop import LoopSettings, Samples, fit  # noqa: E402  (thread settings before torch and numpy load)
from glioma_change.training.runtime import Runtime  # noqa: E402  (thread settings before torch and numpy load)
from glioma_change.transfer import PretextSettings, pretrain_self_supervised  # noqa: E402  (thread settings before torch and numpy load)

PRETEXTS = ("transform", "masked", "contrastive")
SPECS = {
    "vgg": ModelSpec(network="vgg", width=0.5),
    "resnext": ModelSpec(network="resnext", width=0.5, layers=(1, 1, 1, 1), cardinality=4),
}


def fake_maps(n: int, size: int, seed: int) -> tuple[torch.Tensor, np.ndarray]:
    """`(n, 1, size³)` maps and labels (see module docstring)."""
    gen = np.random.default_rng(seed)
    grid = np.indices((size,) * 3).astype(np.float32)
    radius = np.sqrt(sum((grid[i] - (size - 1) / 2) ** 2 for i in range(3)))
    y = gen.permutation(np.arange(n) % 2)
    x = gen.normal(0.0, 0.3, (n, size, size, size)).astype(np.float32)
    for i in range(n):
        if gen.random() < 0.5:  # registration-like residual at the brain edge, both classes
            shell = np.exp(-((radius - size * 0.4) ** 2))
            x[i] += gen.choice([-1.0, 1.0]) * gen.uniform(0.5, 1.5) * shell
        if y[i]:
            centre = gen.uniform(size * 0.3, size * 0.7, 3)
            r2 = sum((grid[k] - centre[k]) ** 2 for k in range(3))
            sign = 1.0 if gen.random() < 0.75 else -1.0
            x[i] += sign * gen.uniform(1.0, 2.0) * np.exp(-r2 / (2 * (size / 10) ** 2))
    return torch.from_numpy(x[:, None]).half(), y.astype(int)


def real_maps(manifest: Path, labels: Path, size: int) -> tuple[torch.Tensor, np.ndarray]:
    """Maps of a manifest joined with a label CSV's `t2_label`, resized to `size`³."""
    from glioma_change.data import MapBank, join_maps_labels

    df = join_maps_labels(manifest, labels, None, 0.5)
    bank = MapBank(df, (size,) * 3)
    return bank.stack(list(df["pair_id"])), df["label"].to_numpy(dtype=int)


def probe_auc(
    spec: ModelSpec, features: dict[str, torch.Tensor] | None, x: torch.Tensor, y: np.ndarray, seed: int
) -> float:
    """Cross-validated AUC of a logistic regression on frozen pooled features."""
    torch.manual_seed(derive_seed(seed, "bench", "init"))
    model = build_model(spec)
    if features is not None:
        model.features.load_state_dict(features)
    model.eval()
    with torch.no_grad():
        f = torch.cat([model.features(x[i : i + 32].float()) for i in range(0, len(x), 32)]).numpy()
    probe = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    prob = cross_val_predict(probe, f, y, cv=folds, method="predict_proba")[:, 1]
    return float(roc_auc_score(y, prob))


def weak_label_features(
    spec: ModelSpec, x: torch.Tensor, y: np.ndarray, epochs: int, seed: int
) -> dict[str, torch.Tensor]:
    """Features pre-trained on the pool's labels with 15 % flipped (the weak-label source task)."""
    gen = np.random.default_rng(derive_seed(seed, "bench", "flip"))
    noisy = np.where(gen.random(len(y)) < 0.15, 1 - y, y)
    torch.manual_seed(derive_seed(seed, "bench", "weak-init"))
    model = build_model(spec)
    yt = torch.tensor(noisy, dtype=torch.float32)
    samples = Samples(x, yt, torch.ones_like(yt))
    settings = LoopSettings(epochs, epochs, 1e-3, 0.0, 8, 0.5)
    fit(model, samples, samples, settings, Runtime.create("cpu"), seed)
    return {k: v.detach().clone() for k, v in model.features.state_dict().items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", nargs="+", default=["vgg", "resnext"], choices=sorted(SPECS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--size", type=int, default=24)
    parser.add_argument("--pool", type=int, default=128, help="unlabelled pre-training maps (fake data)")
    parser.add_argument("--probe", type=int, default=80, help="labelled probe maps (fake data)")
    parser.add_argument("--manifest", type=Path)
    parser.add_argument("--labels", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    set_enabled(False)
    torch.set_num_threads(args.threads)

    rows = []
    for seed in range(args.seeds):
        if args.manifest is not None:
            x_all, y_all = real_maps(args.manifest, args.labels, args.size)
            order = np.random.default_rng(seed).permutation(len(y_all))
            half = len(order) // 2
            (x_pool, y_pool), (x_probe, y_probe) = (
                (x_all[order[:half]], y_all[order[:half]]),
                (x_all[order[half:]], y_all[order[half:]]),
            )
        else:
            x_pool, y_pool = fake_maps(args.pool, args.size, derive_seed(seed, "pool"))
            x_probe, y_probe = fake_maps(args.probe, args.size, derive_seed(seed, "probe"))
        for network in args.networks:
            spec = SPECS[network]
            rows.append(
                {
                    "network": network,
                    "seed": seed,
                    "source": "random_init",
                    "epoch_s": 0.0,
                    "auc": probe_auc(spec, None, x_probe, y_probe, seed),
                }
            )
            start = time.perf_counter()
            weak = weak_label_features(spec, x_pool, y_pool, args.epochs, seed)
            rows.append(
                {
                    "network": network,
                    "seed": seed,
                    "source": "weak_labels",
                    "epoch_s": (time.perf_counter() - start) / args.epochs,
                    "auc": probe_auc(spec, weak, x_probe, y_probe, seed),
                }
            )
            for pretext in PRETEXTS:
                settings = PretextSettings(pretext=pretext, epochs=args.epochs, lr=1e-3, batch_size=16)
                start = time.perf_counter()
                state = pretrain_self_supervised(spec, x_pool, settings, seed)
                rows.append(
                    {
                        "network": network,
                        "seed": seed,
                        "source": pretext,
                        "epoch_s": (time.perf_counter() - start) / args.epochs,
                        "auc": probe_auc(spec, state, x_probe, y_probe, seed),
                    }
                )
            print(pd.DataFrame(rows).tail(5).to_string(index=False), flush=True)

    df = pd.DataFrame(rows)
    summary = (
        df.groupby(["network", "source"], sort=False)
        .agg(auc_mean=("auc", "mean"), auc_sd=("auc", "std"), epoch_s=("epoch_s", "mean"))
        .reset_index()
    )
    base = summary[summary["source"] == "random_init"].set_index("network")["auc_mean"]
    summary["auc_ratio_vs_random"] = summary["auc_mean"] / summary["network"].map(base)
    random_auc = df[df["source"] == "random_init"].set_index(["network", "seed"])["auc"]
    df["gain"] = df["auc"] - random_auc.reindex(pd.MultiIndex.from_frame(df[["network", "seed"]])).to_numpy()
    paired = (
        df.groupby(["network", "source"], sort=False)
        .agg(gain_mean=("gain", "mean"), seeds_better=("gain", lambda g: int((g > 0).sum())))
        .reset_index()
    )
    summary = summary.merge(paired, on=["network", "source"])
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    data = (
        f"real maps {args.manifest}"
        if args.manifest
        else f"fake maps {args.size}³, pool {args.pool}, probe {args.probe}"
    )
    (out / "transfer.json").write_text(
        json.dumps(
            {
                "data": data,
                "epochs": args.epochs,
                "seeds": args.seeds,
                "runs": rows,
                "summary": summary.to_dict(orient="records"),
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    lines = [
        f"# transfer: linear-probe AUC of pre-trained features ({data}, {args.epochs} epochs, {args.seeds} seeds)",
        "",
        "Baseline: the same network's random-initialisation features (paired gain: AUC minus its AUC, same seed).",
        "",
        "| network | source task | probe AUC (mean ± sd) | × random init | paired gain | seeds better | s/epoch |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in summary.itertuples():
        lines.append(
            f"| {r.network} | {r.source} | {r.auc_mean:.3f} ± {r.auc_sd:.3f} | {r.auc_ratio_vs_random:.2f} "
            f"| {r.gain_mean:+.3f} | {r.seeds_better}/{args.seeds} | {r.epoch_s:.2f} |"
        )
    (out / "transfer.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
