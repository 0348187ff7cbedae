"""Difference maps on synthetic pairs: seconds per pair by step on 2 cores, accuracy against the
synthetic ground truth, and an ANTsPy N4 + affine baseline on the same pairs in the same run.

Accuracy (issue 5): rotation/translation error of the estimated transform against `T_A^-1 ∘ T_B`
(median and 95th percentile), on stable pairs the residual mean |B − A| in the brain after
registration as a fraction of its value without registration, and on pairs with T2 change the map
energy inside the true changed region over that elsewhere in the brain. Also compares the two
normalisations (z-score, percentile) on the same registered pairs.

The baseline is the paper's preprocessing minus HD-BET: `ants.n4_bias_field_correction` on both exams
and `ants.registration(type_of_transform="Affine")`. antspyx pins numpy<2.4 and scipy<1.16, so it
lives in its own virtual environment (`--ants-python`, default `$GLIOMA_ANTS_PYTHON`, e.g. made with
`python3.11 -m venv /tmp/ants-venv && /tmp/ants-venv/bin/pip install antspyx`); it runs there as a
subprocess limited to the same number of threads. Without it the baseline is SimpleITK's
registration at full resolution with default-style settings (100 % sampling, no working grid).

    .venv/bin/python benchmarks/bench_diffmaps.py [--patients 4] [--max-pairs 8] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import SimpleITK as sitk

from glioma_change.formats import pair_id, t2w_path
from glioma_change.imaging import normalise, validation
from glioma_change.imaging.io import read_t2w
from glioma_change.imaging.pipeline import DiffmapOptions, process_pair
from glioma_change.imaging.register import RegistrationSettings
from glioma_change.imaging.resample import resample_image
from glioma_change.io import write_text_atomic
from glioma_change.progress import set_enabled
from glioma_change.seeding import derive_seed
from glioma_change.synth import generate_dataset

RESULTS = Path(__file__).resolve().parent / "results"
SPACING_MM = 2.0  # demo/training grid

ANTS_SCRIPT = r"""
import json, shutil, sys, time
import ants
pairs, out = json.loads(sys.argv[1]), sys.argv[2]
rows = []
for p in pairs:
    t0 = time.perf_counter(); c0 = time.process_time()
    fixed, moving = ants.image_read(p["b"]), ants.image_read(p["a"])
    t1 = time.perf_counter()
    fixed, moving = ants.n4_bias_field_correction(fixed), ants.n4_bias_field_correction(moving)
    t2 = time.perf_counter()
    reg = ants.registration(fixed, moving, type_of_transform="Affine", random_seed=p["seed"])
    t3 = time.perf_counter()
    path = f"{out}/{p['pair_id']}_ants.mat"
    shutil.copy(reg["fwdtransforms"][0], path)
    rows.append({"pair_id": p["pair_id"], "transform": path, "seconds_read": t1 - t0, "seconds_bias": t2 - t1,
                 "seconds_register": t3 - t2, "seconds_total": t3 - t0, "cpu_total": time.process_time() - c0})
print(json.dumps(rows))
"""


def residual(a: sitk.Image, b: sitk.Image, transform: sitk.Transform, grid: sitk.Image, brain: sitk.Image,
             method: str) -> sitk.Image:
    """Signed B − A of two raw exams on the map grid through `transform`, normalised inside `brain`."""
    a_n = normalise.normalise(resample_image(a, grid, transform), brain, method)  # type: ignore[arg-type]
    b_n = normalise.normalise(resample_image(b, grid), brain, method)  # type: ignore[arg-type]
    return sitk.Mask(b_n - a_n, brain)


def mean_abs(image: sitk.Image, brain: sitk.Image) -> float:
    inside = sitk.GetArrayViewFromImage(brain) > 0
    return float(np.abs(sitk.GetArrayViewFromImage(image)[inside]).mean())


def run_ants(python: str, pairs: list[dict[str, object]], out: Path, threads: int) -> pd.DataFrame:
    env = {**os.environ, "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    done = subprocess.run([python, "-c", ANTS_SCRIPT, json.dumps(pairs), str(out)], env=env, check=True,
                          capture_output=True, text=True)
    return pd.DataFrame(json.loads(done.stdout.strip().splitlines()[-1]))


def run_sitk_fullres(pairs: list[dict[str, object]], out: Path) -> pd.DataFrame:
    """Fallback baseline: our pipeline with registration at full resolution, 100 % sampling, 200 iterations."""
    settings = RegistrationSettings(working_spacing_mm=None, samples=10**9, iterations=200)
    rows = []
    for p in pairs:
        start = time.perf_counter()
        c0 = time.process_time()
        metrics = process_pair(Path(str(p["a"])), Path(str(p["b"])), out, str(p["pair_id"]),
                               DiffmapOptions(spacing=SPACING_MM, registration=settings), int(p["seed"]))
        rows.append({"pair_id": p["pair_id"], "transform": str(out / f"{p['pair_id']}_xfm.tfm"),
                     "seconds_total": time.perf_counter() - start, "cpu_total": time.process_time() - c0,
                     **{k: v for k, v in metrics.items() if k.startswith("seconds_")}})
    return pd.DataFrame(rows)


def summarise(values: list[float]) -> dict[str, float]:
    arr = np.asarray(values, float)
    return {"median": float(np.median(arr)), "p95": float(np.percentile(arr, 95)), "max": float(arr.max())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=4)
    parser.add_argument("--max-pairs", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ants-python", default=os.environ.get("GLIOMA_ANTS_PYTHON", "/tmp/ants-venv/bin/python"))
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    set_enabled(False)
    sitk.ProcessObject_SetGlobalDefaultNumberOfThreads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        root, maps = Path(tmp) / "synth", Path(tmp) / "maps"
        generate_dataset(root, args.patients, args.seed)
        truth = pd.read_csv(root / "truth.csv", dtype={"patient_id": str}).head(args.max_pairs)
        sessions = pd.read_csv(root / "sessions.csv", dtype={"patient_id": str})
        pairs = []
        for r in truth.itertuples():
            pid = pair_id(r.patient_id, r.comparative_date, r.exam_date)
            pairs.append({"pair_id": pid, "patient_id": r.patient_id,
                          "a": str(t2w_path(root, r.patient_id, r.comparative_date)),
                          "b": str(t2w_path(root, r.patient_id, r.exam_date)),
                          "seed": derive_seed(args.seed, "register", pid)})

        ours = []
        for p in pairs:
            start, c0 = time.perf_counter(), time.process_time()
            metrics = process_pair(Path(p["a"]), Path(p["b"]), maps, p["pair_id"], DiffmapOptions(spacing=SPACING_MM),
                                   p["seed"])
            ours.append({"pair_id": p["pair_id"], "seconds_total": time.perf_counter() - start,
                         "cpu_total": time.process_time() - c0, **metrics,
                         "transform": str(maps / f"{p['pair_id']}_xfm.tfm")})
        ours_df = pd.DataFrame(ours)

        baseline_name = "antspyx N4 + Affine"
        try:
            base_df = run_ants(args.ants_python, pairs, Path(tmp), args.threads)
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"antspyx baseline unavailable ({type(exc).__name__}); using SimpleITK full resolution")
            baseline_name = "SimpleITK full-resolution registration"
            base_df = run_sitk_fullres(pairs, Path(tmp) / "fullres")

        rows = []
        for p, t, o, bl in zip(pairs, truth.itertuples(), ours_df.itertuples(), base_df.itertuples()):
            diff = sitk.ReadImage(str(maps / f"{p['pair_id']}_T2wdiff.nii.gz"))
            brain = sitk.Cast(sitk.Abs(diff) > 0, sitk.sitkUInt8)
            centre = np.asarray(diff.TransformContinuousIndexToPhysicalPoint([(s - 1) / 2 for s in diff.GetSize()]))
            true_tx = validation.true_pair_transform(sessions, t.patient_id, t.comparative_date, t.exam_date)
            a_raw, b_raw = read_t2w(p["a"]), read_t2w(p["b"])
            changed = validation.changed_region(
                sitk.ReadImage(str(validation.lesion_path(root, t.patient_id, t.comparative_date))),
                sitk.ReadImage(str(validation.lesion_path(root, t.patient_id, t.exam_date))), diff, true_tx)
            row = {"pair_id": p["pair_id"], "t2_label": int(t.t2_label), "change_kind": t.change_kind,
                   "t2_rel_change": float(t.t2_rel_change)}
            identity = sitk.Transform(3, sitk.sitkIdentity)
            before = mean_abs(residual(a_raw, b_raw, identity, diff, brain, "zscore"), brain)
            for name, path in (("ours", o.transform), ("base", bl.transform)):
                tx = sitk.ReadTransform(path)
                err = validation.transform_error(tx, true_tx, centre)
                row[f"{name}_rot_err_deg"], row[f"{name}_trans_err_mm"] = err.rotation_deg, err.translation_mm
                for method in normalise.METHODS:
                    res = residual(a_raw, b_raw, tx, diff, brain, method)
                    ref = mean_abs(residual(a_raw, b_raw, identity, diff, brain, method), brain)
                    row[f"{name}_{method}_residual_ratio"] = mean_abs(res, brain) / ref
                    row[f"{name}_{method}_energy_ratio"] = validation.energy_ratio(res, changed, brain)
            row["ours_map_residual_ratio"] = o.mean_absdiff_after / o.mean_absdiff_before
            row["ours_map_energy_ratio"] = validation.energy_ratio(diff, changed, brain)
            row["raw_absdiff_before"] = before
            rows.append(row)
        acc = pd.DataFrame(rows)

    stable = acc[acc["change_kind"] == "stable"]
    changed = acc[acc["t2_label"] == 1]
    steps = [c for c in ours_df.columns if c.startswith("seconds_") and c != "seconds_total"]
    result = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "threads": args.threads},
        "pairs": len(acc), "stable_pairs": len(stable), "changed_pairs": len(changed),
        "grid_spacing_mm": SPACING_MM, "baseline": baseline_name,
        "ours_seconds_per_pair": float(ours_df["seconds_total"].mean()),
        "ours_cpu_seconds_per_pair": float(ours_df["cpu_total"].mean()),
        "ours_seconds_by_step": {s.removeprefix("seconds_"): float(ours_df[s].mean()) for s in steps},
        "baseline_seconds_per_pair": float(base_df["seconds_total"].mean()),
        "baseline_cpu_seconds_per_pair": float(base_df["cpu_total"].mean()),
        "baseline_seconds_by_step": {s.removeprefix("seconds_"): float(base_df[s].mean())
                                     for s in base_df.columns if s.startswith("seconds_") and s != "seconds_total"},
        "speedup_wall": float(base_df["seconds_total"].mean() / ours_df["seconds_total"].mean()),
        "speedup_cpu": float(base_df["cpu_total"].mean() / ours_df["cpu_total"].mean()),
        "speedup_wall_without_mask_step": float(
            base_df["seconds_total"].mean() / (ours_df["seconds_total"] - ours_df["seconds_mask"]).mean()),
    }
    for name in ("ours", "base"):
        result[f"{name}_rotation_error_deg"] = summarise(acc[f"{name}_rot_err_deg"].tolist())
        result[f"{name}_translation_error_mm"] = summarise(acc[f"{name}_trans_err_mm"].tolist())
        for method in normalise.METHODS:
            if len(stable):
                result[f"{name}_{method}_stable_residual_ratio_mean"] = float(stable[f"{name}_{method}_residual_ratio"].mean())
            if len(changed):
                result[f"{name}_{method}_changed_energy_ratio_median"] = float(changed[f"{name}_{method}_energy_ratio"].median())
    if len(stable):
        result["ours_map_stable_residual_ratio"] = summarise(stable["ours_map_residual_ratio"].tolist())
    if len(changed):
        result["ours_map_changed_energy_ratio"] = summarise(changed["ours_map_energy_ratio"].tolist())
    result["per_pair"] = acc.to_dict(orient="records")

    args.out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(json.dumps(result, indent=2, default=float), args.out / "diffmaps.json")
    lines = [
        f"# diffmaps benchmark ({len(acc)} synthetic pairs, {args.threads} threads, {SPACING_MM} mm grid)", "",
        f"| pipeline | s/pair (wall) | CPU s/pair | rot err median / p95 (°) | trans err median / p95 (mm) |",
        "|---|---|---|---|---|",
    ]
    for name, label, df in (("ours", "glioma-change (SimpleITK)", ours_df), ("base", baseline_name, base_df)):
        r, t = result[f"{name}_rotation_error_deg"], result[f"{name}_translation_error_mm"]
        lines.append(f"| {label} | {df['seconds_total'].mean():.1f} | {df['cpu_total'].mean():.1f} | "
                     f"{r['median']:.3f} / {r['p95']:.3f} | {t['median']:.3f} / {t['p95']:.3f} |")
    lines += ["", f"Speed-up (wall): {result['speedup_wall']:.1f}×, CPU: {result['speedup_cpu']:.1f}× "
              f"(without our brain-mask step, which the baseline lacks: {result['speedup_wall_without_mask_step']:.1f}×).",
              "", "Our seconds by step: " + ", ".join(f"{k} {v:.2f}" for k, v in result["ours_seconds_by_step"].items())]
    for key in sorted(k for k in result if k.endswith(("_ratio_mean", "_ratio_median"))):
        lines.append(f"- {key}: {result[key]:.3f}")
    for key in ("ours_map_stable_residual_ratio", "ours_map_changed_energy_ratio"):
        if key in result:
            lines.append(f"- {key} (written maps): median {result[key]['median']:.3f}, max {result[key]['max']:.3f}")
    write_text_atomic("\n".join(lines) + "\n", args.out / "diffmaps.md")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
