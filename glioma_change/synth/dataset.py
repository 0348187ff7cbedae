"""`generate_dataset`: write a whole synthetic longitudinal dataset (images, reports, label tables)."""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glioma_change.config import dump_config, validate
from glioma_change.formats import TRUTH
from glioma_change.io import ErrorLog, write_csv_atomic
from glioma_change.progress import progress
from glioma_change.synth.config import SynthConfig
from glioma_change.synth.export import export_reports, write_reports_csv
from glioma_change.synth.plan import PatientPlan
from glioma_change.synth.tables import SynthTables, build_tables, plan_all
from glioma_change.synth.writer import write_patient_images

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SynthResult:
    """What `generate_dataset` wrote."""

    out_dir: Path
    config: SynthConfig
    tables: SynthTables
    n_images: int  # T2w images written
    errors_path: Path
    n_errors: int


def _write_images(config: SynthConfig, plans: list[PatientPlan], out_dir: Path, jobs: int, errors: ErrorLog) -> int:
    written = 0
    if jobs <= 1:
        for plan in progress(plans, desc="synth patients", unit="patient"):
            try:
                written += write_patient_images(config, plan, out_dir)
            except Exception as exc:  # one failed patient never stops the batch
                errors.add(f"{type(exc).__name__}: {exc}", item=plan.patient_id)
        return written
    from glioma_change.synth.anatomy import t2_head

    t2_head(tuple(config.profile.tissue_t2.items()))  # build before forking: workers share it
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        futures = {pool.submit(write_patient_images, config, plan, out_dir): plan.patient_id for plan in plans}
        for future in progress(as_completed(futures), desc="synth patients", total=len(futures), unit="patient"):
            try:
                written += future.result()
            except Exception as exc:
                errors.add(f"{type(exc).__name__}: {exc}", item=futures[future])
    return written


def generate_dataset(
    out_dir: str | os.PathLike[str],
    n_patients: int,
    seed: int = 0,
    *,
    jobs: int = 1,
    **options: Any,
) -> SynthResult:
    """Write a synthetic longitudinal glioma dataset under `out_dir` and return what was written.

    Parameters: `n_patients` patients with ids `S0001`... (`E0001`... for `site="external"`);
    `seed` drives every random draw (same seed, same files, whatever `jobs`); `jobs` parallel
    worker processes for the images. `options` are the other `SynthConfig` fields:
    `sessions=(min, max)` per patient, `threshold` (relative T2 volume change of an unstable pair,
    default 0.2), `english_fraction`, `human_fraction`, `missing_date_fraction`,
    `report_fidelity` (share of reports describing the T2 truth, default 0.85, see synth/fidelity.py),
    `rater_noise` (share of human T2 labels flipped, default 0), `site` (`default` | `external`),
    `inplane_mm`/`slice_mm` spacing ranges, `images` (False: reports and tables only, in about a
    second), `masks` (write brain masks beside the images) and the report export (`export_style`
    structured | flat, `export_encoding` utf-8 | cp1252, `export_sep`).

    Writes `reports.csv`, `truth.csv`, `sessions.csv`, `human_labels.csv`, `synth_config.yaml`,
    `synth.errors.csv` and, with images, the BIDS-like T2w images and
    `derivatives/lesions/.../*_lesion.nii.gz` (see docs/INTERFACES.md, "synth").
    """
    config = validate(SynthConfig, {"n_patients": n_patients, "seed": seed, **options}, "synth options")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plans = plan_all(config)
    tables = build_tables(config, plans)
    errors = ErrorLog("synth")
    n_images = _write_images(config, plans, out, max(1, jobs), errors) if config.images else 0
    exported = export_reports(tables.reports, config.export_style, config.seed)
    write_reports_csv(exported, out / "reports.csv", config.export_encoding, config.export_sep)
    write_csv_atomic(tables.truth, out / TRUTH)
    write_csv_atomic(tables.sessions, out / "sessions.csv")
    write_csv_atomic(tables.human_labels, out / "human_labels.csv")
    dump_config(config, out / "synth_config.yaml")
    errors_path = errors.write(out / "synth.errors.csv")
    if len(errors):
        log.warning("%d patient(s) failed; see %s", len(errors), errors_path)
    return SynthResult(out, config, tables, n_images, errors_path, len(errors))
