"""Benchmark: the whole study on synthetic difference maps, over several seeds (issue 16).

Runs the demo's pipeline at the study's size for each seed: 60 synthetic patients, human labels for 12
(20 %), weak labels mined from reports that describe the image truth for a share `--fidelity` (0.85) of
the pairs, difference maps at 2 mm, then `tune` with R repeats of the outer cross-validation and the
evaluation (no label-scarcity curve). Reports, over seeds x repeats:
- per network x strategy, the mean ± SD of the per-repeat pooled test AUC, and the gain over the same
  network's baseline (mean ± SD, share of seed x repeat with a gain);
- the weak-label threshold: agreement of the mined labels with the image truth and pairs kept at 0.75 and
  0.95, and the mean inner-validation value of the completed trials at each threshold;
- each seed's verdict (`OUT/verdict.txt`) and the wall time of each stage as a ratio to the study's.

Writes `benchmarks/results/study_synth.json` and `.md` (`--name` for another stem). The full run (3
seeds, 16 trials, 2 repeats, 30 epochs) takes hours on 2 shared cores; `--trials/--epochs/--repeats`
make a reduced run, and the results file says which it was. With `--out`, a seed whose run finished there (its `demo_timings.yaml`,
written last, exists) is read back instead of rerun, so a stopped run continues with the next seed.

    .venv/bin/python benchmarks/bench_study_synth.py [--out DIR] [--seeds 0,1,2] [--patients 60] [--human 0.2]
        [--fidelity 0.85] [--trials 16] [--repeats 2] [--epochs 30] [--sessions 3,4] [--strategies baseline,...]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from glioma_change.demo import SIZES, run_demo
from glioma_change.logging_setup import configure
from glioma_change.stats import safe_auc

HERE = Path(__file__).resolve().parent
THRESHOLDS = (0.75, 0.95)
FULL = {"trials": 16, "repeats": 2, "epochs": 30, "sessions": "3,4"}


def per_repeat_aucs(predictions: pd.DataFrame) -> pd.DataFrame:
    """`network, strategy, repeat, auc`: pooled test AUC of each model in each repeat of the CV."""
    test = predictions[(predictions["split"] == "test") & predictions["model"].str.contains("/")]
    if "repeat" not in test:
        test = test.assign(repeat=0)
    rows = [
        {"network": n, "strategy": s, "repeat": r, "auc": safe_auc(g["y_true"].to_numpy(), g["prob"].to_numpy())}
        for (n, s, r), g in test.groupby(["network", "strategy", "repeat"])
    ]
    return pd.DataFrame(rows)


def summary_table(aucs: pd.DataFrame) -> pd.DataFrame:
    """Per network x strategy over seeds x repeats: AUC mean ± SD and the gain over that network's baseline."""
    base = aucs[aucs["strategy"] == "baseline"][["seed", "network", "repeat", "auc"]].rename(columns={"auc": "base"})
    joined = aucs.merge(base, on=["seed", "network", "repeat"], how="left").assign(gain=lambda d: d["auc"] - d["base"])
    rows = []
    for (network, strategy), g in joined.groupby(["network", "strategy"]):
        gains = g["gain"].dropna() if strategy != "baseline" else pd.Series(dtype=float)
        rows.append(
            {
                "network": network,
                "strategy": strategy,
                "n": int(g["auc"].notna().sum()),
                "auc_mean": g["auc"].mean(),
                "auc_sd": g["auc"].std(ddof=1),
                "gain_mean": gains.mean() if len(gains) else np.nan,
                "gain_sd": gains.std(ddof=1) if len(gains) > 1 else np.nan,
                "gain_positive_share": float((gains > 0).mean()) if len(gains) else np.nan,
            }
        )
    return pd.DataFrame(rows).sort_values(["network", "auc_mean"], ascending=[True, False], ignore_index=True)


def label_agreement(out: Path) -> list[dict[str, float]]:
    """Per threshold: share of weak-labelled pairs kept and their T2 agreement with the image truth."""
    keys = ["patient_id", "comparative_date", "exam_date"]
    weak = pd.read_csv(out / "labels" / "weak_labels.csv", dtype={"patient_id": str})
    truth = pd.read_csv(out / "data" / "main" / "truth.csv", dtype={"patient_id": str})
    both = weak.merge(truth[[*keys, "t2_label"]], on=keys, suffixes=("", "_truth"))
    rows = []
    for threshold in THRESHOLDS:
        kept = both[(both["t2_prob"] >= threshold) | (both["t2_prob"] <= 1 - threshold)]
        agree = ((kept["t2_prob"] >= threshold).astype(int) == kept["t2_label_truth"]).mean() if len(kept) else np.nan
        rows.append({"threshold": threshold, "kept": len(kept) / max(1, len(both)), "agreement": float(agree)})
    return rows


def trial_values(out: Path) -> pd.DataFrame:
    """Completed weak-label trials (not baseline): `threshold, network, strategy, value`."""
    trials = pd.read_csv(out / "study" / "trials.csv")
    done = trials[trials["state"].astype(str).str.upper().str.contains("COMPLETE")]
    if "params_weak_threshold" not in done:
        return pd.DataFrame(columns=["threshold", "network", "strategy", "value"])
    done = done[done["params_weak_threshold"].notna()]
    return done.rename(
        columns={"params_weak_threshold": "threshold", "params_network": "network", "params_strategy": "strategy"}
    )[["threshold", "network", "strategy", "value"]]


def _pm(mean: float, sd: float, signed: bool = False) -> str:
    if not np.isfinite(mean):
        return "–"
    text = f"{mean:+.3f}" if signed else f"{mean:.3f}"
    return f"{text} ± {sd:.3f}" if np.isfinite(sd) else text


def markdown(result: dict, table: pd.DataFrame, trials: pd.DataFrame, agreement: pd.DataFrame) -> list[str]:
    """The results file."""
    a = result
    reduced = a["reduced"]
    lines = [
        f"# Study on synthetic difference maps: {a['patients']} patients ({a['human_patients']} with human labels), "
        f"report fidelity {a['fidelity']}, seeds {', '.join(map(str, a['seeds']))}",
        "",
        f"{a['sessions'].replace(',', '–')} exams per patient, {a['trials']} trials per seed, {a['repeats']} repeats "
        f"of the 5-fold CV, {a['epochs']} epochs, strategies "
        f"{', '.join(a['strategies'])}; 2 CPU cores shared with other jobs (timings taken under load).",
        "",
    ]
    if reduced:
        lines += [f"**Reduced run** (the full one is `{a['full_command']}`): {reduced}.", ""]
    lines += [
        "## Test AUC per network and strategy (mean ± SD over seeds x repeats)",
        "",
        "Per-repeat pooled outer-test AUC on the human-labelled test pairs; gain: the same seed and repeat's "
        "baseline of that network subtracted; share: seed x repeat cells where weak labels beat the baseline.",
        "",
        "| network | strategy | n | test AUC | gain vs baseline | share with a gain |",
        "|---|---|---|---|---|---|",
        *[
            f"| {r.network} | {r.strategy} | {r.n} | {_pm(r.auc_mean, r.auc_sd)} | {_pm(r.gain_mean, r.gain_sd, signed=True)} | "
            f"{'' if not np.isfinite(r.gain_positive_share) else f'{r.gain_positive_share:.2f}'} |"
            for r in table.itertuples()
        ],
        "",
        "## Weak-label threshold",
        "",
        "Mined T2 labels against the image truth (mean over seeds), and the inner-validation value of completed "
        "weak-label trials at each threshold (all seeds).",
        "",
        "| threshold | pairs kept | agreement with truth | completed trials | trial value mean ± SD |",
        "|---|---|---|---|---|",
    ]
    for threshold in THRESHOLDS:
        ag = agreement[agreement["threshold"] == threshold]
        tv = (
            trials[np.isclose(trials["threshold"].astype(float), threshold)]["value"]
            if len(trials)
            else pd.Series(dtype=float)
        )
        lines.append(
            f"| {threshold} | {ag['kept'].mean():.2f} | {ag['agreement'].mean():.3f} | {len(tv)} | "
            f"{_pm(tv.mean(), tv.std(ddof=1)) if len(tv) else '–'} |"
        )
    lines += ["", "## Verdict at each seed", ""]
    lines += [f"- seed {seed}: {headline}" for seed, headline in a["verdicts"].items()]
    lines += [
        "",
        "## Wall time (seconds; ratio to the study stage of the same seed)",
        "",
        "| seed | " + " | ".join(a["stages"]) + " |",
        "|---" * (len(a["stages"]) + 1) + "|",
    ]
    for seed, times in a["seconds"].items():
        lines.append(
            f"| {seed} | "
            + " | ".join(f"{times.get(s, 0):.0f} ({times.get(s, 0) / times['study']:.2f})" for s in a["stages"])
            + " |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="work directory (default: a temporary one)")
    parser.add_argument("--name", default="study_synth", help="results file stem under benchmarks/results/")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--patients", type=int, default=60)
    parser.add_argument("--human", type=float, default=0.2, help="share of patients with human labels")
    parser.add_argument("--fidelity", type=float, default=0.85, help="synth --report-fidelity")
    parser.add_argument("--trials", type=int, default=FULL["trials"])
    parser.add_argument("--repeats", type=int, default=FULL["repeats"])
    parser.add_argument("--epochs", type=int, default=FULL["epochs"])
    parser.add_argument("--sessions", default=FULL["sessions"], help="fewest,most exams per patient")
    parser.add_argument(
        "--strategies",
        default="baseline,mixed,finetune,feature_extract",
        help="comma-separated strategies (default: the paper's four)",
    )
    args = parser.parse_args()
    configure(verbose=0, quiet=False)
    seeds = [int(s) for s in args.seeds.split(",")]
    size = replace(
        SIZES["default"],
        patients=args.patients,
        human_fraction=args.human,
        n_trials=args.trials,
        repeats=args.repeats,
        epochs=args.epochs,
        sessions=tuple(int(n) for n in args.sessions.split(",")),
        report_fidelity=args.fidelity,
        strategies=tuple(args.strategies.split(",")),
        scarcity_fractions=(),
    )
    aucs, trials, agreement, verdicts, seconds, n_human = [], [], [], {}, {}, 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            out = (args.out or Path(tmp)) / f"seed-{seed}"
            if not (out / "demo_timings.yaml").is_file():  # a seed finished by an earlier run is read back
                run_demo(out, seed=seed, size=size)
            seconds[seed] = yaml.safe_load((out / "demo_timings.yaml").read_text())
            aucs.append(per_repeat_aucs(pd.read_csv(out / "study" / "predictions.csv")).assign(seed=seed))
            trials.append(trial_values(out).assign(seed=seed))
            agreement += [{**row, "seed": seed} for row in label_agreement(out)]
            verdicts[seed] = (out / "verdict.txt").read_text(encoding="utf-8").splitlines()[0]
            n_human = pd.read_csv(out / "data" / "main" / "human_labels.csv", dtype={"patient_id": str})[
                "patient_id"
            ].nunique()
            # written after every seed, so a long run that is stopped keeps the seeds it finished
            write_results(args, list(seconds), aucs, trials, agreement, verdicts, seconds, n_human)


def write_results(
    args: argparse.Namespace,
    seeds: list[int],
    aucs: list[pd.DataFrame],
    trials: list[pd.DataFrame],
    agreement: list[dict],
    verdicts: dict[int, str],
    seconds: dict[int, dict[str, float]],
    n_human: int,
) -> None:
    """Write `results/<name>.json` and `.md` for the seeds finished so far."""
    table = summary_table(pd.concat(aucs, ignore_index=True))
    trials_df, agreement_df = pd.concat(trials, ignore_index=True), pd.DataFrame(agreement)
    changed = [f"{k} {getattr(args, k)} (full: {v})" for k, v in FULL.items() if getattr(args, k) != v]
    if len(seeds) < 3:
        changed.append(f"{len(seeds)} seed(s) (full: 3)")
    result = {
        "patients": args.patients,
        "human_patients": int(n_human),
        "fidelity": args.fidelity,
        "seeds": seeds,
        "trials": args.trials,
        "repeats": args.repeats,
        "epochs": args.epochs,
        "sessions": args.sessions,
        "strategies": args.strategies.split(","),
        "reduced": "; ".join(changed),
        "full_command": ".venv/bin/python benchmarks/bench_study_synth.py",
        "stages": [s for s in next(iter(seconds.values()))],
        "seconds": {str(k): v for k, v in seconds.items()},
        "verdicts": {str(k): v for k, v in verdicts.items()},
        "table": table.round(4).to_dict(orient="records"),
        "threshold_agreement": agreement_df.round(4).to_dict(orient="records"),
        "threshold_trials": trials_df.round(4).to_dict(orient="records"),
    }
    (HERE / "results" / f"{args.name}.json").write_text(json.dumps(result, indent=2, default=float))
    lines = markdown(result, table, trials_df, agreement_df)
    (HERE / "results" / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
