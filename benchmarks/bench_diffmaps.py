"""Difference maps on the clinical synthetic profile: ours against the ANTsPy N4 + affine recipe, same pairs,
same run.

The dataset is `synth --profile clinical` (head motion up to 15° / 15 mm per session, thick slices along
any axis, a scanner change per session, strong bias field, cut vertex, subtle volume changes). For
each pair, against the generator's truth:
- rotation / translation error of the transform against `T_A^-1 ∘ T_B` (median, p95);
- voxel AUC of |map| between truly changed lesion voxels and unchanged brain (the generator's brain,
  minus either lesion), per unstable pair (median, worst);
- pair-level change signal (mean of the top 0.5 % of |map| in the brain) and its AUC, unstable vs stable;
- QC: precision / recall of the registration failure check against cases whose true residual exceeds 2°
  or 2 mm: the pipeline's own registrations, the true transform composed with known offsets (seeded
  rotations about random axes and shifts, 0–6° and 0–4 mm, on stable and changed pairs alike), and
  registrations from a weak start (no rotation search, one attempt); with a sweep of the thresholds
  and the similarity-only check (rank correlation < 0.75) it replaced;
- CPU seconds per pair and per step (process time in the worker, sessions shared within a patient);
- normalisation: voxel AUC of the z-score and quantile maps on the same registrations.
Ours runs as `diffmaps --jobs J` would (`run_batch`), timed as wall seconds per pair on J cores.

The baseline is the paper's preprocessing minus HD-BET: `ants.n4_bias_field_correction` on both exams,
`ants.registration(type_of_transform="Affine")`, z-score inside the brain (the generator's true brain,
which favours the baseline), |B − A| on our grid. antspyx pins numpy<2.4 and scipy<1.16, so it lives
in its own virtual environment (`--ants-python`, default `$GLIOMA_ANTS_PYTHON`, e.g.
`python3.11 -m venv /tmp/ants-venv && /tmp/ants-venv/bin/pip install antspyx`), run as a subprocess
with the same number of threads.

    .venv/bin/python benchmarks/bench_diffmaps.py [--patients 8] [--max-pairs 10] [--jobs 2]
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
from diffmaps_qc import BAD_ROTATION_DEG, BAD_TRANSLATION_MM, OFFSETS, OLD_MIN_SIMILARITY, qc_cases, qc_row, qc_summary
from sklearn.metrics import roc_auc_score

from glioma_change.formats import t2w_path
from glioma_change.imaging import qc, validation
from glioma_change.imaging.batch import PairTask, run_batch
from glioma_change.imaging.maps import build_maps
from glioma_change.imaging.pipeline import DiffmapOptions, SessionCache, StepTimer
from glioma_change.imaging.register import one_itk_thread
from glioma_change.io import write_text_atomic
from glioma_change.progress import set_enabled
from glioma_change.seeding import derive_seed
from glioma_change.synth import generate_dataset
from glioma_change.synth.anatomy import tissues

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
    fixed, moving = ants.n4_bias_field_correction(fixed), ants.n4_bias_field_correction(moving)
    reg = ants.registration(fixed, moving, type_of_transform="Affine", random_seed=p["seed"])
    rows.append({"pair_id": p["pair_id"], "seconds_total": time.perf_counter() - t0,
                 "cpu_total": time.process_time() - c0})
    shutil.copy(reg["fwdtransforms"][0], f"{out}/{p['pair_id']}_ants.mat")
    ants.image_write(fixed, f"{out}/{p['pair_id']}_b_n4.nii.gz")
    ants.image_write(moving, f"{out}/{p['pair_id']}_a_n4.nii.gz")
print(json.dumps(rows))
"""


def run_ants(python: str, pairs: list[dict[str, object]], out: Path, threads: int) -> pd.DataFrame:
    env = {**os.environ, "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    done = subprocess.run(
        [python, "-c", ANTS_SCRIPT, json.dumps(pairs), str(out)], env=env, check=True, capture_output=True, text=True
    )
    return pd.DataFrame(json.loads(done.stdout.strip().splitlines()[-1]))


def zscore_in(image: sitk.Image, brain: np.ndarray) -> np.ndarray:
    array = sitk.GetArrayFromImage(image).astype(np.float64)
    values = array[brain]
    return (array - values.mean()) / max(values.std(), 1e-6)


class Truth:
    """The generator's truth on one pair's map grid: changed lesion voxels, unchanged brain, true transform."""

    def __init__(self, root: Path, sessions: pd.DataFrame, row: pd.Series, grid: sitk.Image) -> None:
        pid, a, b = row["patient_id"], row["comparative_date"], row["exam_date"]
        self.transform = validation.true_pair_transform(sessions, pid, a, b)
        lesion_a = sitk.ReadImage(str(validation.lesion_path(root, pid, a)))
        lesion_b = sitk.ReadImage(str(validation.lesion_path(root, pid, b)))
        self.changed = sitk.GetArrayFromImage(validation.changed_region(lesion_a, lesion_b, grid, self.transform)) > 0
        t = tissues()
        head_brain = sitk.GetImageFromArray(t.brain.astype(np.uint8))
        head_brain.CopyInformation(t.reference)
        t_b = validation.session_transform(sessions, pid, b)
        self.brain = sitk.GetArrayFromImage(sitk.Resample(head_brain, grid, t_b, sitk.sitkNearestNeighbor, 0)) > 0
        nearest = sitk.sitkNearestNeighbor
        lesion = (sitk.GetArrayFromImage(sitk.Resample(lesion_a, grid, self.transform, nearest, 0)) > 0) | (
            sitk.GetArrayFromImage(sitk.Resample(lesion_b, grid, sitk.Transform(), nearest, 0)) > 0
        )
        self.unchanged = self.brain & ~self.changed & ~lesion
        self.centre = np.asarray(grid.TransformContinuousIndexToPhysicalPoint([(s - 1) / 2 for s in grid.GetSize()]))

    def voxel_auc(self, absolute: np.ndarray) -> float:
        """AUC of |map| between changed lesion voxels and unchanged brain (nan without a changed region)."""
        if self.changed.sum() < 20:
            return float("nan")
        labels = np.r_[np.ones(int(self.changed.sum())), np.zeros(int(self.unchanged.sum()))]
        return float(roc_auc_score(labels, np.r_[absolute[self.changed], absolute[self.unchanged]]))

    def signal(self, absolute: np.ndarray) -> float:
        """Pair-level change signal: mean of the top 0.5 % of |map| inside the brain."""
        values = np.sort(absolute[self.brain])
        return float(values[-max(1, values.size // 200) :].mean())


def summarise(values: list[float]) -> dict[str, float]:
    arr = np.asarray([v for v in values if np.isfinite(v)], float)
    if arr.size == 0:
        return {"median": float("nan"), "p95": float("nan"), "min": float("nan"), "max": float("nan")}
    return {
        "median": float(np.median(arr)),
        "p95": float(np.percentile(arr, 95)),
        "min": float(arr.min()),
        "max": float(arr.max()),
    }


def choose_pairs(truth: pd.DataFrame, max_pairs: int, stable: int) -> pd.DataFrame:
    """Unstable pairs first (what the voxel AUC is about), then `stable` stable ones for the pair-level AUC."""
    unstable = truth[truth["t2_label"] == 1].head(max_pairs - stable)
    rest = truth[truth["t2_label"] == 0].head(max_pairs - len(unstable))
    return pd.concat([unstable, rest]).reset_index(drop=True)


def pair_auc(labels: pd.Series, scores: pd.Series) -> float:
    return float(roc_auc_score(labels, scores)) if labels.nunique() == 2 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=8)
    parser.add_argument("--max-pairs", type=int, default=10)
    parser.add_argument("--stable-pairs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--ants-pairs", type=int, default=4, help="pairs run through the (slow) ANTsPy recipe")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", default="clinical", choices=("standard", "clinical"))
    parser.add_argument("--ants-python", default=os.environ.get("GLIOMA_ANTS_PYTHON", "/tmp/ants-venv/bin/python"))
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--before-steps", type=Path, help="JSON {step: CPU s/pair} of an earlier version, same pairs")
    parser.add_argument("--note", default="", help="how the --before-steps figures were taken (printed with them)")
    args = parser.parse_args()
    set_enabled(False)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        root, maps_dir = Path(tmp) / "synth", Path(tmp) / "maps"
        generate_dataset(root, args.patients, args.seed, acquisition=args.profile, sessions=(2, 3), jobs=args.jobs)
        truth = choose_pairs(
            pd.read_csv(root / "truth.csv", dtype={"patient_id": str}), args.max_pairs, args.stable_pairs
        )
        sessions = pd.read_csv(root / "sessions.csv", dtype={"patient_id": str})
        tasks = [PairTask(r.patient_id, r.comparative_date, r.exam_date) for r in truth.itertuples()]
        options = DiffmapOptions(spacing=SPACING_MM)

        start = time.perf_counter()
        manifest = run_batch(root, maps_dir, tasks, options, jobs=args.jobs, seed=args.seed)
        ours_wall = (time.perf_counter() - start) / len(tasks)
        manifest = manifest.set_index("pair_id")

        pairs = [
            {
                "pair_id": t.pair_id,
                "a": str(t2w_path(root, t.patient_id, t.comparative_date)),
                "b": str(t2w_path(root, t.patient_id, t.exam_date)),
                "seed": args.seed,
            }
            for t in tasks
        ]
        ants_dir = Path(tmp) / "ants"
        ants_dir.mkdir()
        ants_df, ants_wall = None, float("nan")
        try:
            if args.ants_pairs > 0:
                start = time.perf_counter()
                ants_df = run_ants(args.ants_python, pairs[: args.ants_pairs], ants_dir, args.jobs).set_index("pair_id")
                ants_wall = (time.perf_counter() - start) / len(ants_df)
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"antspyx baseline unavailable ({type(exc).__name__}): ours only")

        rows, cases = [], []
        cache: dict[str, SessionCache] = {}
        for t, r in zip(tasks, truth.itertuples()):
            m = manifest.loc[t.pair_id]
            diff = sitk.ReadImage(str(maps_dir / m["diff_path"]))
            gt = Truth(root, sessions, pd.Series(r._asdict()), diff)
            ours_tx = sitk.ReadTransform(str(maps_dir / m["transform_path"]))
            err = validation.transform_error(ours_tx, gt.transform, gt.centre)
            absolute = np.abs(sitk.GetArrayFromImage(diff))
            flags = [f for f in str(m["flags"]).split(";") if f and f != "nan"]
            row = {
                "pair_id": t.pair_id,
                "t2_label": int(r.t2_label),
                "change_kind": r.change_kind,
                "t2_rel_change": float(r.t2_rel_change),
                "ours_rot_err_deg": err.rotation_deg,
                "ours_trans_err_mm": err.translation_mm,
                "ours_voxel_auc": gt.voxel_auc(absolute),
                "ours_signal": gt.signal(absolute),
                "ours_flags": ";".join(flags),
                "ours_registration_flag": any(f in qc.REGISTRATION_FLAGS for f in flags),
                "similarity_after": float(m["similarity_after"]),
                "residual_rotation_deg": float(m["residual_rotation_deg"]),
                "residual_translation_mm": float(m["residual_translation_mm"]),
                "attempts": int(m["registration_attempts"]),
                **{
                    c[4:]: float(m[c]) if pd.notna(m[c]) else 0.0
                    for c in manifest.columns
                    if c.startswith("cpu_seconds_")
                },
            }
            # the other normalisation on the same registration and prepared sessions
            sessions_cache = cache.setdefault(t.patient_id, SessionCache(options, args.seed))
            with one_itk_thread():
                timer = StepTimer()
                a = sessions_cache.get(Path(pairs[len(rows)]["a"]), timer)
                b = sessions_cache.get(Path(pairs[len(rows)]["b"]), timer)
                zmaps = build_maps(a.image, a.mask, b.image, b.mask, ours_tx, diff, "zscore")
                cases += qc_cases(a, b, gt.transform, gt.centre, options, derive_seed(args.seed, "qc", t.pair_id), row)
            row["ours_zscore_voxel_auc"] = gt.voxel_auc(sitk.GetArrayFromImage(zmaps.absolute))
            row["ours_zscore_signal"] = gt.signal(sitk.GetArrayFromImage(zmaps.absolute))
            if ants_df is not None and t.pair_id in ants_df.index:
                ants_tx = sitk.ReadTransform(str(ants_dir / f"{t.pair_id}_ants.mat"))
                err = validation.transform_error(ants_tx, gt.transform, gt.centre)
                a_n4 = sitk.ReadImage(str(ants_dir / f"{t.pair_id}_a_n4.nii.gz"), sitk.sitkFloat32)
                b_n4 = sitk.ReadImage(str(ants_dir / f"{t.pair_id}_b_n4.nii.gz"), sitk.sitkFloat32)
                a_grid = sitk.Resample(a_n4, diff, ants_tx, sitk.sitkLinear, 0.0, sitk.sitkFloat32)
                b_grid = sitk.Resample(b_n4, diff, sitk.Transform(), sitk.sitkLinear, 0.0, sitk.sitkFloat32)
                ants_abs = np.abs(zscore_in(b_grid, gt.brain) - zscore_in(a_grid, gt.brain)) * gt.brain
                row.update(
                    {
                        "ants_rot_err_deg": err.rotation_deg,
                        "ants_trans_err_mm": err.translation_mm,
                        "ants_voxel_auc": gt.voxel_auc(ants_abs),
                        "ants_signal": gt.signal(ants_abs),
                        "ants_cpu_s": float(ants_df.loc[t.pair_id, "cpu_total"]),
                    }
                )
            rows.append(row)
        acc = pd.DataFrame(rows)
        cases = pd.DataFrame(cases)

    unstable = acc[acc["t2_label"] == 1]
    steps = [c for c in acc.columns if c.startswith("seconds_")]
    acc["ours_cpu_s"] = acc[steps].sum(axis=1)
    result: dict[str, object] = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "jobs": args.jobs,
            "load_average_at_start": load,
        },
        "profile": args.profile,
        "pairs": len(acc),
        "unstable_pairs": len(unstable),
        "grid_spacing_mm": SPACING_MM,
        "ours_seconds_per_pair_wall": ours_wall,
        "ours_cpu_seconds_per_pair": float(acc["ours_cpu_s"].mean()),
        "ours_cpu_seconds_per_pair_by_step": {c[8:]: float(acc[c].mean()) for c in steps},
        "qc": qc_summary(cases, options),
    }
    if args.before_steps:
        result["cpu_seconds_per_pair_by_step_before"] = json.loads(args.before_steps.read_text())
        result["note"] = args.note
    names = ["ours", "ours_zscore"]
    if "ants_signal" in acc:  # the ANTsPy recipe's pairs, and ours on the same pairs
        names += ["ants", "ours_on_ants_pairs"]
        for column in ("rot_err_deg", "trans_err_mm", "voxel_auc", "signal"):
            acc[f"ours_on_ants_pairs_{column}"] = acc[f"ours_{column}"].where(acc["ants_signal"].notna())
    for name in names:
        rows = acc[acc[f"{name}_signal"].notna()]
        changed = rows[rows["t2_label"] == 1]
        result[f"{name}_voxel_auc"] = summarise(changed[f"{name}_voxel_auc"].tolist())
        result[f"{name}_voxel_auc_below_0.80"] = int((changed[f"{name}_voxel_auc"] < 0.80).sum())
        result[f"{name}_change_signal_auc"] = pair_auc(rows["t2_label"], rows[f"{name}_signal"])
        if f"{name}_rot_err_deg" in rows:
            result[f"{name}_rotation_error_deg"] = summarise(rows[f"{name}_rot_err_deg"].tolist())
            result[f"{name}_translation_error_mm"] = summarise(rows[f"{name}_trans_err_mm"].tolist())
    if "ants_cpu_s" in acc:
        result["ants_seconds_per_pair_wall"] = ants_wall
        result["ants_cpu_seconds_per_pair"] = float(acc["ants_cpu_s"].mean())
        result["ours_on_ants_pairs_seconds_per_pair_wall"] = ours_wall
        result["ours_on_ants_pairs_cpu_seconds_per_pair"] = float(
            acc.loc[acc["ants_signal"].notna(), "ours_cpu_s"].mean()
        )
        result["speedup_wall"] = ants_wall / ours_wall
    result["per_pair"] = acc.to_dict(orient="records")

    args.out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(json.dumps(result, indent=2, default=float), args.out / "diffmaps.json")
    write_text_atomic(markdown(result, args), args.out / "diffmaps.md")
    print(markdown(result, args))


def markdown(result: dict, args: argparse.Namespace) -> str:
    lines = [
        f"# diffmaps benchmark: {result['pairs']} `{result['profile']}` synthetic pairs ({result['unstable_pairs']} "
        f"unstable), {args.jobs} jobs, {SPACING_MM} mm grid",
        "",
        f"Load average when the run started: {result['machine']['load_average_at_start']:.1f} on "
        f"{result['machine']['cpus']} cores (other work shared the machine; compare timings as ratios).",
        "",
        "| pipeline | s/pair (wall, whole run) | CPU s/pair | rot err median / p95 (°) | trans err median / p95 (mm) "
        "| voxel AUC median / worst | unstable pairs < 0.80 | change-signal AUC |",
        "|---|---|---|---|---|---|---|---|",
    ]
    rows = [("ours", "glioma-change, all pairs", "ours")]
    if "ants_voxel_auc" in result:
        rows += [
            ("ours_on_ants_pairs", "glioma-change, the ANTsPy pairs", "ours_on_ants_pairs"),
            ("ants", "ANTsPy N4 + Affine, z-score", "ants"),
        ]
    for key, label, err in rows:
        r, t, v = result[f"{err}_rotation_error_deg"], result[f"{err}_translation_error_mm"], result[f"{key}_voxel_auc"]
        lines.append(
            f"| {label} | {result[f'{key}_seconds_per_pair_wall']:.1f} | {result[f'{key}_cpu_seconds_per_pair']:.1f}"
            f" | {r['median']:.2f} / {r['p95']:.2f} | {t['median']:.2f} / {t['p95']:.2f} | "
            f"{v['median']:.3f} / {v['min']:.3f} | {result[f'{key}_voxel_auc_below_0.80']} | "
            f"{result[f'{key}_change_signal_auc']:.3f} |"
        )
    z = result["ours_zscore_voxel_auc"]
    q = result["qc"]
    table = {"after (this run)": dict(result["ours_cpu_seconds_per_pair_by_step"])}
    if "cpu_seconds_per_pair_by_step_before" in result:
        table = {"before": dict(result["cpu_seconds_per_pair_by_step_before"]), **table}
    for steps in table.values():
        steps["total"] = sum(steps.values())
    cpu_columns = list(table)
    lines += [
        "",
        "s/pair (wall, whole run): ours = `run_batch` with the jobs above over all pairs, wall / pairs; ANTsPy = "
        "its subprocess (same threads) over its pairs. CPU s/pair: ours = process CPU seconds of the steps "
        "inside the worker (one ITK thread); ANTsPy = its CPU seconds.",
        "",
        f"Normalisation on the same registrations: quantile matching (default) voxel AUC median "
        f"{result['ours_voxel_auc']['median']:.3f} / worst {result['ours_voxel_auc']['min']:.3f}; z-score "
        f"{z['median']:.3f} / {z['min']:.3f}.",
        "",
        f"QC: the failure check (rank correlation < {q['check']['min_similarity']}, or estimated residual > "
        f"{q['check']['max_rotation_deg']}° / {q['check']['max_translation_mm']} mm; then retry, then "
        f"`registration_failed`) against a true residual > {BAD_ROTATION_DEG}° or {BAD_TRANSLATION_MM} mm:",
        "",
        "| cases | n | bad | flagged | both | precision | recall |",
        "|---|---|---|---|---|---|---|",
        *(qc_row(f"as run, {k}", v) for k, v in q["by_source"].items()),
        qc_row("as run, all", q["all"]),
        *(qc_row(f"threshold {t}° / {t} mm (+ similarity)", v) for t, v in q["sweep"].items()),
        qc_row(f"similarity < {OLD_MIN_SIMILARITY} only (the earlier check)", q["similarity_only"]),
        "",
        f"Offsets: the true transform composed with {len(OFFSETS)} known rotation/shift offsets per pair "
        f"({', '.join(f'{r}°/{t} mm' for r, t in OFFSETS)}; seeded axes). Weak start: moments only, no "
        "rotation search, one attempt. Flags on well-registered cases (< 1°, < 1 mm): changed pairs "
        f"{q['false_flags_well_registered_changed'][0]} of {q['false_flags_well_registered_changed'][1]}, "
        f"stable {q['false_flags_well_registered_stable'][0]} of {q['false_flags_well_registered_stable'][1]}.",
        "",
        "CPU s/pair by step (process time in the worker; a session shared by two pairs counts once):",
        "",
        "| step | " + " | ".join(cpu_columns) + " |",
        "|---|" + "---|" * len(cpu_columns),
        *(
            f"| {step} | " + " | ".join(f"{table[c].get(step, float('nan')):.2f}" for c in cpu_columns) + " |"
            for step in [*result["ours_cpu_seconds_per_pair_by_step"], "total"]
        ),
    ]
    lines += ["", result["note"]] if result.get("note") else []
    lines.append("")
    if "speedup_wall" in result:
        lines.append(f"Speed-up over the ANTsPy recipe (wall): {result['speedup_wall']:.1f}×.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
