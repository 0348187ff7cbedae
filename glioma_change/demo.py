"""The one-command demo: from nothing to `report.html` on the embedded synthetic default.

Stages (each the same library function the CLI exposes, each writing files the next one reads):
synthesize a main site (with a human-labelled subset) and an external site (different acquisition,
no human labels) → mine weak labels from the main site's reports → build difference maps for both
sites → run a small study over the main strategies (every strategy with `--size full`) and both
networks, its final comparison repeated over reshuffled folds → retrain the best configurations on
fewer human-labelled patients (label-scarcity curve) → evaluate the held-out folds and the external
site → `OUT/report.html`, which opens with the verdict (also in `OUT/verdict.txt`).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from glioma_change.formats import LABEL_COLUMNS, TRUTH
from glioma_change.io import write_csv_atomic, write_text_atomic
from glioma_change.names import STRATEGY_NAMES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoSize:
    """How big the demo is: patients per site, map grid and study budget."""

    patients: int = 20
    external_patients: int = 6
    sessions: tuple[int, int] = (3, 4)
    human_fraction: float = 0.5
    report_fidelity: float = 0.85
    map_spacing: float = 2.0
    input_shape: tuple[int, int, int] = (32, 32, 32)
    n_folds: int = 5
    repeats: int = 2
    n_trials: int = 8
    epochs: int = 16
    pretrain_epochs: int = 8
    scarcity_fractions: tuple[float, ...] = ()
    """Human-label fractions of the label-scarcity curve (empty: no curve; `--size full` draws one)."""
    scarcity_seeds: int = 1
    strategies: tuple[str, ...] = ("baseline", "mixed", "finetune", "teacher_student")


SIZES = {
    "default": DemoSize(),
    "full": DemoSize(
        patients=24,
        repeats=3,
        n_trials=24,
        epochs=30,
        pretrain_epochs=12,
        scarcity_fractions=(1.0, 0.5, 0.25),
        strategies=STRATEGY_NAMES,
    ),
    "tiny": DemoSize(
        patients=8,
        external_patients=3,
        sessions=(2, 3),
        human_fraction=0.6,
        input_shape=(16, 16, 16),
        n_folds=2,
        repeats=2,
        n_trials=8,
        epochs=2,
        pretrain_epochs=1,
        scarcity_fractions=(1.0, 0.5),
        scarcity_seeds=1,
    ),
}


def truth_to_labels(truth_csv: Path, out_csv: Path) -> Path:
    """Reference labels of a synthetic site (`truth.csv`) in the label-CSV format (`source=truth`)."""
    truth = pd.read_csv(truth_csv, dtype={"patient_id": str})
    labels = truth[["patient_id", "comparative_date", "exam_date", "global_label", "t2_label"]].assign(
        global_prob=lambda d: d["global_label"].astype(float),
        t2_prob=lambda d: d["t2_label"].astype(float),
        source="truth",
    )
    return write_csv_atomic(labels[LABEL_COLUMNS], out_csv)


def study_file(out: Path, size: DemoSize, seed: int) -> Path:
    """Write the demo's study file (a complete, editable example of `STUDY.yaml`)."""
    study = {
        "data": {
            "manifest": "maps/main/manifest.csv",
            "human_labels": "data/main/human_labels.csv",
            "weak_labels": "labels/weak_labels.csv",
            "label": "t2",
            "channels": ["diff", "absdiff"],
            "input_shape": list(size.input_shape),
        },
        "folds": {"n_folds": size.n_folds, "val_fraction": 0.25, "repeats": size.repeats},
        "budget": {
            "epochs": size.epochs,
            "patience": 8,
            "pretrain_epochs": size.pretrain_epochs,
            "n_trials": size.n_trials,
        },
        "search": {
            "networks": ["vgg", "resnext"],
            "strategies": list(size.strategies),
            "lr": [3e-4, 3e-3],
            "source_task": ["weak_labels", "self_supervised"],
            "growth_ratio": [0.5],
            "rounds": [1],
        },
        "seed": seed,
        "device": "auto",
    }
    return write_text_atomic(yaml.safe_dump(study, sort_keys=False), out / "study.yaml")


def run_demo(
    out_dir: str | os.PathLike[str], seed: int = 0, size: str | DemoSize = "default", jobs: int | None = None
) -> Path:
    """Run every stage on freshly synthesized data under `out_dir`; return the HTML report's path.

    Stages whose outputs exist are reused (the map builder and the study resume by themselves), so an
    interrupted demo continues where it stopped.
    """
    from glioma_change.evaluation.external import ExternalSet
    from glioma_change.evaluation.run import evaluate_run
    from glioma_change.imaging.batch import available_cores, consecutive_pairs, run_batch
    from glioma_change.imaging.pipeline import DiffmapOptions
    from glioma_change.reports.labeling import label_reports
    from glioma_change.study_config import load_study_config
    from glioma_change.synth import generate_dataset
    from glioma_change.tuning.run import tune
    from glioma_change.tuning.scarcity import run_scarcity

    dims = SIZES[size] if isinstance(size, str) else size
    out = Path(out_dir)
    jobs = jobs or available_cores()
    timings: dict[str, float] = {}

    def stage(name: str) -> float:
        log.info("demo: %s", name)
        return time.perf_counter()

    t = stage("synthesize the main site and an external site")
    main, external = out / "data" / "main", out / "data" / "external"
    if not (main / TRUTH).is_file():
        generate_dataset(
            main,
            dims.patients,
            seed,
            jobs=jobs,
            sessions=dims.sessions,
            human_fraction=dims.human_fraction,
            report_fidelity=dims.report_fidelity,
        )
    if not (external / TRUTH).is_file():
        generate_dataset(
            external,
            dims.external_patients,
            seed + 1,
            jobs=jobs,
            sessions=dims.sessions,
            site="external",
            human_fraction=0.0,
        )
    timings["synthesize"] = time.perf_counter() - t

    t = stage("mine weak labels from the main site's reports (rules only)")
    weak = out / "labels" / "weak_labels.csv"
    label_reports(main / "reports.csv", weak)
    external_labels = truth_to_labels(external / TRUTH, out / "labels" / "external_reference_labels.csv")
    timings["weak labels"] = time.perf_counter() - t

    t = stage("build difference maps")
    options = DiffmapOptions(spacing=dims.map_spacing)
    run_batch(main, out / "maps" / "main", consecutive_pairs(main), options, jobs=jobs, seed=seed)
    run_batch(external, out / "maps" / "external", consecutive_pairs(external), options, jobs=jobs, seed=seed)
    timings["difference maps"] = time.perf_counter() - t

    t = stage(f"tune and refit {len(dims.strategies)} strategies x 2 networks ({dims.repeats} repeats of the CV)")
    config = load_study_config(study_file(out, dims, seed))
    tune(config, out / "study")
    timings["study"] = time.perf_counter() - t

    if dims.scarcity_fractions:
        t = stage("label-scarcity curve: the best configurations retrained on fewer human-labelled patients")
        run_scarcity(out / "study", fractions=dims.scarcity_fractions, n_seeds=dims.scarcity_seeds)
        timings["label scarcity"] = time.perf_counter() - t

    t = stage("evaluate cross-validation and the external site")
    report = evaluate_run(out / "study", out, ExternalSet(out / "maps" / "external", external_labels, "t2"), seed=seed)
    timings["evaluation"] = time.perf_counter() - t
    write_text_atomic(yaml.safe_dump({k: round(v, 1) for k, v in timings.items()}), out / "demo_timings.yaml")
    return report
