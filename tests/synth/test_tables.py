"""Synthetic reports and label tables (no images): determinism, labels vs. truth, wording vs. labels."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from glioma_change.formats import LABEL_COLUMNS, read_label_csv
from glioma_change.synth import SynthConfig, generate_dataset, generate_tables
from glioma_change.synth.dates import date_forms
from glioma_change.synth.plan import enhancement_changed

CSVS = ["reports.csv", "truth.csv", "sessions.csv", "human_labels.csv"]
MEASURE = re.compile(r"(\d+) x (\d+) mm\D+?(\d+) x (\d+) mm")


@pytest.fixture(scope="module")
def tables():
    return generate_tables(SynthConfig(n_patients=60, seed=3, report_fidelity=1.0))  # wording follows the truth


def test_same_seed_gives_byte_identical_tables(tmp_path: Path) -> None:
    a = generate_dataset(tmp_path / "a", 8, seed=5, images=False)
    b = generate_dataset(tmp_path / "b", 8, seed=5, images=False)
    c = generate_dataset(tmp_path / "c", 8, seed=6, images=False)
    for name in CSVS:
        assert (a.out_dir / name).read_bytes() == (b.out_dir / name).read_bytes(), name
    assert (a.out_dir / "reports.csv").read_bytes() != (c.out_dir / "reports.csv").read_bytes()
    assert b.n_images == 0 and not list(b.out_dir.glob("sub-*"))


@pytest.mark.parametrize("threshold", [0.15, 0.2, 0.35])
def test_t2_label_follows_volume_change_and_threshold(threshold: float) -> None:
    truth = generate_tables(SynthConfig(n_patients=30, seed=1, threshold=threshold)).truth
    rel = (truth.t2_vol_b_ml - truth.t2_vol_a_ml) / truth.t2_vol_a_ml
    assert ((rel.abs() >= threshold).astype(int) == truth.t2_label).all()
    assert (rel - truth.t2_rel_change).abs().max() < 1e-3
    # labels are clear-cut: no pair within +-50% of the threshold
    assert not ((rel.abs() > 0.5 * threshold) & (rel.abs() < 1.5 * threshold)).any()
    enh = [enhancement_changed(a, b) for a, b in zip(truth.enh_vol_a_ml, truth.enh_vol_b_ml)]
    assert (truth.global_label == (truth.t2_label.astype(bool) | pd.Series(enh)).astype(int)).all()
    assert set(truth.change_kind) == {"stable", "progression", "response", "enhancement"}


def test_pairs_chain_sessions(tables) -> None:
    truth, sessions = tables.truth, tables.sessions
    for pid, rows in truth.groupby("patient_id"):
        assert (rows.comparative_date.iloc[1:].values == rows.exam_date.iloc[:-1].values).all()
        assert (rows.t2_vol_a_ml.iloc[1:].values == rows.t2_vol_b_ml.iloc[:-1].values).all()
        dates = sessions[sessions.patient_id == pid].session_date.map(dt.date.fromisoformat)
        gaps = [(b - a).days for a, b in zip(dates.iloc[:-1], dates.iloc[1:])]
        assert len(dates) == len(rows) + 1 and all(55 <= g <= 250 for g in gaps)
    motion = sessions[["rot_x_deg", "rot_y_deg", "rot_z_deg", "tx_mm", "ty_mm", "tz_mm"]]
    assert motion.abs().max().max() <= 10.0 and motion.abs().max().min() > 5.0


def test_wording_agrees_with_labels(tables) -> None:
    df = tables.truth.join(tables.reports[["report_text", "language"]])
    feats = df.report_features.str.split(";")
    has = lambda name: feats.map(lambda f: name in f)  # noqa: E731
    assert (df[has("negation")].t2_label == 0).all() and has("negation").sum() > 10
    assert (df[has("hedge")].global_label == 1).all() and has("hedge").sum() > 5
    assert (has("enhancement_only") == (df.global_label != df.t2_label)).all()
    for row in df[has("measurements")].itertuples():
        m = MEASURE.search(row.report_text)
        assert m, row.Index
        now, prev = int(m.group(1)), int(m.group(3))
        if row.change_kind == "progression":
            assert now > prev
        elif row.change_kind == "response":
            assert now < prev
        else:
            assert abs(now - prev) <= 0.12 * prev + 1
    start = r"(?:^|[:.]\s)"  # an assertion opening a sentence, not a negated mention
    positive = {
        "en": start + r"(increase in size|enlarging|progressive disease|tumour progression|decrease in size|"
        r"regression of|partial response)",
        "fr": start + r"(augmentation de taille|majoration de l'|"
        r"diminution de taille|régression de l'|réponse partielle|progression tumorale)",
    }
    for row in df.itertuples():
        found = re.search(positive[row.language], row.report_text, re.IGNORECASE | re.MULTILINE)
        assert bool(found) <= bool(row.t2_label), (row.Index, found)


def test_missing_comparative_date_is_in_the_text(tables) -> None:
    df = tables.truth.join(tables.reports.add_suffix("_r"))
    missing = df.comparative_date_r.isna() | (df.comparative_date_r == "")
    only = df.report_features.str.contains("date_only_in_text")
    assert (missing == only).all() and 0 < missing.sum() < len(df)
    for row in df[missing].itertuples():
        forms = date_forms(dt.date.fromisoformat(row.comparative_date), row.language_r == "en")
        assert any(f in row.report_text_r for f in forms), row.Index


def test_languages_follow_english_fraction() -> None:
    english = generate_tables(SynthConfig(n_patients=6, seed=2, english_fraction=1.0)).reports
    french = generate_tables(SynthConfig(n_patients=6, seed=2, english_fraction=0.0)).reports
    assert set(english.language) == {"en"} and set(french.language) == {"fr"}
    assert english.report_text.str.contains(r"\b(?:the|of)\b").all()
    assert french.report_text.str.contains(r"\b(?:de|du|des|l')").all()


def test_human_labels_validate_and_match_truth(tmp_path: Path) -> None:
    result = generate_dataset(tmp_path, 10, seed=4, images=False, human_fraction=0.3)
    human = read_label_csv(tmp_path / "human_labels.csv")
    assert list(human.columns) == LABEL_COLUMNS and set(human.source) == {"human"}
    assert human.patient_id.nunique() == 3
    truth = result.tables.truth.set_index(["patient_id", "comparative_date", "exam_date"])
    for row in human.itertuples():
        t = truth.loc[(row.patient_id, row.comparative_date, row.exam_date)]
        assert (row.t2_label, row.global_label) == (t.t2_label, t.global_label)
        assert row.t2_prob == float(row.t2_label) and row.global_prob == float(row.global_label)
    for name in ("truth.csv", "human_labels.csv", "sessions.csv"):
        text = (tmp_path / name).read_text()
        assert "Conclusion" not in text and "CONCLUSION" not in text  # no report text outside reports.csv


def test_external_site_changes_ids_and_acquisition() -> None:
    default = generate_tables(SynthConfig(n_patients=4, seed=1)).sessions
    external = generate_tables(SynthConfig(n_patients=4, seed=1, site="external")).sessions
    assert default.patient_id.str.match(r"S\d{4}$").all() and external.patient_id.str.match(r"E\d{4}$").all()
    assert external.spacing_z.min() > default.spacing_z.max() - 1e-9


def test_clinical_profile_varies_motion_slices_scanner_and_field_of_view() -> None:
    config = SynthConfig(n_patients=40, seed=2, acquisition="clinical")
    tables = generate_tables(config)
    s, truth = tables.sessions, tables.truth
    rotations = s[["rot_x_deg", "rot_y_deg", "rot_z_deg"]].abs()
    assert rotations.max().max() <= 15.0 and rotations.max().max() > 12.0
    assert s[["tx_mm", "ty_mm", "tz_mm"]].abs().max().max() <= 15.0
    assert set(s.slice_axis) == {"x", "y", "z"}
    for axis in "xyz":  # the thick spacing lies along the slice axis, 2.5-5 mm
        rows = s[s.slice_axis == axis]
        assert rows[f"spacing_{axis}"].between(2.5, 5.0).all()
        assert (rows[[f"spacing_{a}" for a in "xyz" if a != axis]] < 1.3).all().all()
    assert s.gamma.between(0.7, 1.4).all() and s.gamma.std() > 0.1 and s.intensity_scale.std() > 0.2
    assert 0.3 < (s.vertex_cut_mm > 0).mean() < 0.7
    factor = truth.t2_vol_b_ml / truth.t2_vol_a_ml
    for kind, (lo, hi) in {"progression": (1.25, 1.6), "response": (0.55, 0.8), "stable": (0.95, 1.05)}.items():
        assert factor[truth.change_kind == kind].between(lo - 1e-3, hi + 1e-3).all()
    standard = generate_tables(SynthConfig(n_patients=40, seed=2)).sessions
    assert (standard.slice_axis == "z").all() and (standard.gamma == 1.0).all()


def test_failed_patient_goes_to_errors_file_and_batch_finishes(tmp_path: Path, monkeypatch) -> None:
    import glioma_change.synth.dataset as dataset

    def fake_writer(config, plan, out_dir):
        if plan.patient_id == "S0002":
            raise ValueError("lesion does not fit")
        return len(plan.sessions)

    monkeypatch.setattr(dataset, "write_patient_images", fake_writer)
    result = generate_dataset(tmp_path, 3, seed=1)
    errors = pd.read_csv(result.errors_path)
    assert result.n_errors == 1 and list(errors.item) == ["S0002"] and "lesion does not fit" in errors.reason[0]
    assert result.n_images == len(result.tables.sessions.query("patient_id != 'S0002'"))
    assert all((tmp_path / name).is_file() for name in CSVS)
