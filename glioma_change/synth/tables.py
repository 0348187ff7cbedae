"""The label tables and reports of a synthetic dataset, computed from the plans without any image."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from glioma_change.formats import LABEL_COLUMNS, iso
from glioma_change.seeding import rng
from glioma_change.synth.anatomy import motion_centre_lps
from glioma_change.synth.config import SynthConfig
from glioma_change.synth.fidelity import Reading, assign_readings, rated_t2_label
from glioma_change.synth.plan import PatientPlan, enhancement_changed, plan_patient
from glioma_change.synth.reports import write_report

REPORT_COLUMNS = ["patient_id", "comparative_date", "exam_date", "report_text", "language"]
TRUTH_COLUMNS = [
    "patient_id",
    "comparative_date",
    "exam_date",
    "t2_vol_a_ml",
    "t2_vol_b_ml",
    "t2_rel_change",
    "enh_vol_a_ml",
    "enh_vol_b_ml",
    "t2_label",
    "global_label",
    "change_kind",
    "report_features",
]
SESSION_COLUMNS = [
    "patient_id",
    "session_date",
    "rot_x_deg",
    "rot_y_deg",
    "rot_z_deg",
    "tx_mm",
    "ty_mm",
    "tz_mm",
    "center_x",
    "center_y",
    "center_z",
    "spacing_x",
    "spacing_y",
    "spacing_z",
    "size_x",
    "size_y",
    "size_z",
    "slice_axis",
    "gamma",
    "intensity_scale",
    "vertex_cut_mm",
]


@dataclass(frozen=True)
class SynthTables:
    """Every CSV of a synthetic dataset, one DataFrame each (columns as in docs/INTERFACES.md)."""

    reports: pd.DataFrame
    truth: pd.DataFrame
    sessions: pd.DataFrame
    human_labels: pd.DataFrame


def plan_all(config: SynthConfig) -> list[PatientPlan]:
    """The plans of every patient of the dataset, in patient order."""
    return [plan_patient(config, i) for i in range(config.n_patients)]


def human_patients(config: SynthConfig) -> set[str]:
    """The patients whose pairs get human labels: a seeded subset of `human_fraction` of them."""
    n = round(config.human_fraction * config.n_patients)
    if config.human_fraction > 0:
        n = max(n, 1)
    order = rng(config.seed, "synth-human").permutation(config.n_patients)
    return {config.patient_id(int(i)) for i in order[:n]}


def _patient_rows(
    config: SynthConfig, plan: PatientPlan, readings: dict[tuple[str, int], Reading]
) -> tuple[list[dict], list[dict], list[dict]]:
    reports, truth, sessions = [], [], []
    g = rng(config.seed, "synth-report", plan.patient_id)
    for k, pair in enumerate(plan.pairs):
        a, b = plan.sessions[pair.a], plan.sessions[pair.b]
        date_only_in_text = bool(g.random() < config.missing_date_fraction)
        report = write_report(plan, pair, g, date_only_in_text, readings.get((plan.patient_id, k)))
        reports.append(
            {
                "patient_id": plan.patient_id,
                "comparative_date": "" if date_only_in_text else iso(a.date),
                "exam_date": iso(b.date),
                "report_text": report.text,
                "language": "en" if plan.english else "fr",
            }
        )
        truth.append(
            {
                "patient_id": plan.patient_id,
                "comparative_date": iso(a.date),
                "exam_date": iso(b.date),
                "t2_vol_a_ml": a.t2_vol_ml,
                "t2_vol_b_ml": b.t2_vol_ml,
                "t2_rel_change": pair.t2_rel_change,
                "enh_vol_a_ml": a.enh_vol_ml,
                "enh_vol_b_ml": b.enh_vol_ml,
                "t2_label": pair.t2_label,
                "global_label": pair.global_label,
                "change_kind": pair.change_kind,
                "report_features": ";".join(report.features),
            }
        )
    centre = motion_centre_lps()
    for s in plan.sessions:
        acq = s.acquisition
        sessions.append(
            {
                "patient_id": plan.patient_id,
                "session_date": iso(s.date),
                "rot_x_deg": s.motion.rot_deg[0],
                "rot_y_deg": s.motion.rot_deg[1],
                "rot_z_deg": s.motion.rot_deg[2],
                "tx_mm": s.motion.trans_mm[0],
                "ty_mm": s.motion.trans_mm[1],
                "tz_mm": s.motion.trans_mm[2],
                "center_x": centre[0],
                "center_y": centre[1],
                "center_z": centre[2],
                "spacing_x": acq.spacing[0],
                "spacing_y": acq.spacing[1],
                "spacing_z": acq.spacing[2],
                "size_x": acq.size[0],
                "size_y": acq.size[1],
                "size_z": acq.size[2],
                "slice_axis": "xyz"[acq.slice_axis],
                "gamma": acq.gamma,
                "intensity_scale": acq.intensity_scale,
                "vertex_cut_mm": acq.vertex_cut_mm,
            }
        )
    return reports, truth, sessions


def _human_labels(config: SynthConfig, truth: pd.DataFrame) -> pd.DataFrame:
    """Image-based labels of the human-annotated patients; with `rater_noise`, some T2 labels flipped
    (the global label then follows: unstable iff the rated T2 or the enhancing component changed)."""
    humans = truth[truth["patient_id"].isin(human_patients(config))]
    t2, glob = [], []
    for pid, rows in humans.groupby("patient_id", sort=False):
        rated = rated_t2_label(config, str(pid), rows["t2_label"].tolist())
        enh = [enhancement_changed(a, b) for a, b in zip(rows["enh_vol_a_ml"], rows["enh_vol_b_ml"])]
        t2 += rated
        glob += [int(r or e) for r, e in zip(rated, enh)]
    return pd.DataFrame(
        {
            "patient_id": humans["patient_id"],
            "comparative_date": humans["comparative_date"],
            "exam_date": humans["exam_date"],
            "global_label": glob,
            "global_prob": [float(v) for v in glob],
            "t2_label": t2,
            "t2_prob": [float(v) for v in t2],
            "source": "human",
        },
        columns=LABEL_COLUMNS,
    )


def build_tables(config: SynthConfig, plans: Sequence[PatientPlan]) -> SynthTables:
    """Reports, truth, sessions and human labels of these patients (no image is read or written)."""
    readings = assign_readings(config, plans)
    reports, truth, sessions = [], [], []
    for plan in plans:
        r, t, s = _patient_rows(config, plan, readings)
        reports += r
        truth += t
        sessions += s
    truth_df = pd.DataFrame(truth, columns=TRUTH_COLUMNS)
    human_df = _human_labels(config, truth_df)
    return SynthTables(
        reports=pd.DataFrame(reports, columns=REPORT_COLUMNS),
        truth=truth_df,
        sessions=pd.DataFrame(sessions, columns=SESSION_COLUMNS),
        human_labels=human_df.reset_index(drop=True),
    )


def generate_tables(config: SynthConfig) -> SynthTables:
    """All tables and reports of the dataset `config` describes, without images (fast)."""
    return build_tables(config, plan_all(config))
