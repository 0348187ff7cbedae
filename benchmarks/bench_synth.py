"""Time to generate the synthetic dataset: 20 patients x 3-5 sessions at the default clinical spacing.

Baseline, measured in the same run: saving the same number of template-sized volumes (the MNI152
T1, 197x233x189, int16) with plain nibabel to `.nii.gz`, the I/O floor of any image generator.
Also times the report-only path (`images=False`). Writes `benchmarks/results/synth.json` and
`benchmarks/results/synth.md`.

    .venv/bin/python benchmarks/bench_synth.py [--patients 20] [--jobs 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import nibabel as nib
import numpy as np

from glioma_change.io import write_text_atomic
from glioma_change.progress import set_enabled
from glioma_change.synth import generate_dataset
from glioma_change.synth.anatomy import template_path

RESULTS = Path(__file__).resolve().parent / "results"


def baseline_seconds(n_volumes: int, out: Path) -> float:
    """Seconds to save `n_volumes` template-sized int16 volumes with nibabel."""
    template = nib.load(template_path("t1"))
    data = np.asarray(template.dataobj).astype(np.int16)
    start = time.perf_counter()
    for i in range(n_volumes):
        nib.save(nib.Nifti1Image(data, template.affine), out / f"vol{i:03d}.nii.gz")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    set_enabled(False)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        tables = generate_dataset(Path(tmp) / "reports", args.patients, args.seed, images=False)
        reports_s = time.perf_counter() - start
        n_sessions = len(tables.tables.sessions)
        base_dir = Path(tmp) / "baseline"
        base_dir.mkdir()
        base_s = baseline_seconds(n_sessions, base_dir)
        for jobs in args.jobs:
            start = time.perf_counter()
            result = generate_dataset(Path(tmp) / f"jobs{jobs}", args.patients, args.seed, jobs=jobs)
            seconds = time.perf_counter() - start
            voxels = (result.tables.sessions[["size_x", "size_y", "size_z"]].prod(axis=1)).mean()
            rows.append(
                {
                    "jobs": jobs,
                    "seconds": round(seconds, 1),
                    "ratio_to_baseline": round(seconds / base_s, 2),
                    "sessions": n_sessions,
                    "mean_voxels_per_image": int(voxels),
                    "errors": result.n_errors,
                }
            )
    info = {
        "patients": args.patients,
        "sessions": n_sessions,
        "reports_only_seconds": round(reports_s, 2),
        "baseline": f"nibabel save of {n_sessions} template-sized int16 volumes (.nii.gz)",
        "baseline_seconds": round(base_s, 1),
        "runs": rows,
        "cpu_count": os.cpu_count(),
        "machine": platform.platform(),
        "target_seconds": 120,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    write_text_atomic(json.dumps(info, indent=2), RESULTS / "synth.json")
    lines = [
        f"# synth: {args.patients} patients, {n_sessions} sessions (default clinical spacing)",
        "",
        f"Baseline: {info['baseline']} = {base_s:.1f} s. Reports and tables only: {reports_s:.2f} s.",
        "",
        "| jobs | seconds | × baseline | mean voxels/image | target |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['jobs']} | {r['seconds']} | {r['ratio_to_baseline']} | {r['mean_voxels_per_image']:,} | < 120 s |"
        for r in rows
    ]
    write_text_atomic("\n".join(lines) + "\n", RESULTS / "synth.md")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
