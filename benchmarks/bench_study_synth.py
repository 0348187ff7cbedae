"""Benchmark: the whole 5-fold study on real synthetic difference maps (issue "Classifiers and studies").

Runs the demo's pipeline at the study's size: 60 synthetic patients, human labels for 12 (20 %), weak
labels mined from the reports of the rest, difference maps at 2 mm, then `tune` over every strategy
and both networks and the evaluation. Reports the wall time of each stage as a ratio to the study's,
measured in the same run, and the strategy table (pooled test AUC with its
95 % cluster-bootstrap CI, DeLong p-value against `baseline` of the same network).

Writes `benchmarks/results/study_synth.json` and `.md`. Takes ~25 minutes on 2 cores.

    .venv/bin/python benchmarks/bench_study_synth.py [--out DIR] [--patients 60] [--human 0.2] [--trials 16]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import yaml

from glioma_change.demo import SIZES, run_demo
from glioma_change.logging_setup import configure

HERE = Path(__file__).resolve().parent


def _table(out: Path) -> pd.DataFrame:
    metrics = pd.read_csv(out / "metrics.csv")
    cv = metrics[(metrics["set"] == "cross-validation") & (metrics["model"] != "best")]
    comparisons = pd.read_csv(out / "comparisons.csv")
    versus = comparisons[(comparisons["set"] == "cross-validation")]
    versus = versus[versus["reference"].str.endswith("/baseline")][["model", "delong_p"]]
    table = cv.merge(versus.rename(columns={"delong_p": "delong_p_vs_baseline"}), on="model", how="left")
    columns = ["network", "strategy", "n_pairs", "n_unstable", "auc", "auc_low", "auc_high", "average_precision",
               "delong_p_vs_baseline"]
    return table[columns].sort_values(["network", "auc"], ascending=[True, False])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="work directory (default: a temporary one)")
    parser.add_argument("--patients", type=int, default=60)
    parser.add_argument("--human", type=float, default=0.2, help="share of patients with human labels")
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--strategies", default="baseline,mixed,finetune,feature_extract",
                        help="comma-separated strategies (default: the paper's four)")
    args = parser.parse_args()
    configure(verbose=0, quiet=False)
    size = replace(SIZES["default"], patients=args.patients, human_fraction=args.human, n_trials=args.trials,
                   strategies=tuple(args.strategies.split(",")))
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        run_demo(out, seed=args.seed, size=size)
        timings = yaml.safe_load((out / "demo_timings.yaml").read_text())
        table = _table(out)
        n_human = pd.read_csv(out / "data" / "main" / "human_labels.csv", dtype={"patient_id": str})["patient_id"].nunique()
    result = {
        "patients": args.patients, "human_patients": int(n_human), "trials": args.trials, "seed": args.seed,
        "size": {k: list(v) if isinstance(v, tuple) else v for k, v in size.__dict__.items()},
        "seconds": timings,
        "strategy_table": table.round(4).to_dict(orient="records"),
    }
    (HERE / "results" / "study_synth.json").write_text(json.dumps(result, indent=2))
    lines = [
        f"# Study on synthetic difference maps ({args.patients} patients, {n_human} with human labels, "
        f"{args.trials} trials, 5 folds, 2 CPU cores)", "",
        "| stage | seconds | ratio to the study |", "|---|---|---|",
        *[f"| {k} | {v:.0f} | {v / timings['study']:.2f} |" for k, v in timings.items()],
        "", "(0 s: the stage's outputs were already there and were reused.)", "",
        "Pooled outer-test AUC (human-labelled test pairs) with 95 % patient-bootstrap CI; DeLong p against "
        "`baseline` of the same network.", "",
        "| network | strategy | pairs (unstable) | AUC [95 % CI] | AP | DeLong p vs baseline |", "|---|---|---|---|---|---|",
        *[f"| {r.network} | {r.strategy} | {r.n_pairs} ({r.n_unstable}) | {r.auc:.3f} [{r.auc_low:.3f}, {r.auc_high:.3f}] "
          f"| {r.average_precision:.3f} | {'' if pd.isna(r.delong_p_vs_baseline) else f'{r.delong_p_vs_baseline:.3g}'} |"
          for r in table.itertuples()],
    ]
    (HERE / "results" / "study_synth.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
