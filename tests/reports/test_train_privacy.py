"""`labels train` on exports with identifying headers: the model directory carries no identifier, labels may
be words, and the command prints the model / rules / TF-IDF+RF table from patient-grouped CV."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from glioma_change.cli import app
from glioma_change.io import ErrorLog
from glioma_change.reports.reading import ReportRow
from glioma_change.reports.training import gold_labels
from glioma_change.synth.export import Identity, flatten, header_footer

DATA = Path(__file__).resolve().parents[1] / "data"
PLANTED = Identity(
    name="ZORBALINE Eudoxie",
    birth="29/02/1952",
    record="77031994",
    accession="Q918273645",
    referrer="Fennimore Ptolemee",
    signer="Grisewald Oriane",
    place="Hôpital Sainte-Verveine",
)
PLANTED_TOKENS = (
    "zorbaline",
    "eudoxie",
    "77031994",
    "q918273645",
    "1952",
    "fennimore",
    "ptolemee",
    "grisewald",
    "oriane",
    "verveine",
)
WORDS = {0: "stable", 1: "instable"}


def _labelled(tmp_path: Path) -> Path:
    """Hand-written EN+FR reports flattened with headers; one patient's reports carry the planted identity,
    every other patient its own invented one; labels written as words."""
    frames = [
        pd.read_csv(DATA / f"reports_{k}.csv", dtype=str, keep_default_na=False)
        for k in ("en", "fr", "phrasing_en", "phrasing_fr")
    ]
    df = pd.concat(frames, ignore_index=True)
    texts = []
    for i, row in df.iterrows():
        language = row.language or ("fr" if str(row.patient_id).startswith(("F", "PHFR")) else "en")
        identity = (
            PLANTED
            if i < 3
            else Identity(
                name=f"NOM{i:03d} Prenom",
                birth="01/01/1970",
                record=f"{50000000 + i}",
                accession=f"X{900000000 + i}",
                referrer="Demandeur Jules",
                signer="Signataire Anne",
                place="Clinique du Lac",
            )
        )
        texts.append(flatten(row.report_text, *header_footer(identity, language)))
    df["report_text"] = texts
    df.loc[:2, "patient_id"] = "PLANTED"  # three reports of one patient carry the planted header
    df["t2_label"] = df["t2_label"].astype(int).map(WORDS)
    path = tmp_path / "labelled.csv"
    df.to_csv(path, index=False, sep=";", encoding="cp1252")
    return path


def test_train_on_exports_prints_the_table_and_keeps_no_identifier(tmp_path: Path) -> None:
    labelled = _labelled(tmp_path)
    model_dir = tmp_path / "model"
    result = CliRunner().invoke(app, ["-q", "labels", "train", str(labelled), "-o", str(model_dir), "--seed", "3"])
    assert result.exit_code == 0, result.output
    rows = [line.split()[:2] for line in result.output.splitlines() if line.startswith(("global ", "t2 "))]
    assert sorted(map(tuple, rows)) == sorted(
        (k, m) for k in ("global", "t2") for m in ("model", "rules", "tfidf_rf_2021")
    )
    assert "by patient" in result.output and "AUC" in result.output and "Brier" in result.output
    meta = json.loads((model_dir / "model.json").read_text())
    for key in ("global", "t2"):
        table = meta["cv_metrics"][key]
        assert table["model"]["auc"] >= 0.95 and table["model"]["accuracy"] >= 0.9, table
        assert table["model"]["auc"] >= table["tfidf_rf_2021"]["auc"], table
    files = [p for p in model_dir.rglob("*") if p.is_file()]
    assert {"model.joblib", "model.json", "cv_predictions.csv"} <= {p.name for p in files}
    blob = b"".join(p.read_bytes() for p in files).lower()
    for token in PLANTED_TOKENS + ("signataire", "demandeur", "nom001", "50000001"):
        for encoded in (token.encode(), token.encode("utf-16-le"), token.encode("utf-32-le")):
            assert encoded not in blob, token


def test_label_values_that_are_not_labels_are_named(tmp_path: Path) -> None:
    df = pd.read_csv(DATA / "reports_en.csv", dtype=str, keep_default_na=False)
    df["t2_label"] = "maybe"
    path = tmp_path / "bad.csv"
    df.to_csv(path, index=False)
    result = CliRunner().invoke(app, ["-q", "labels", "train", str(path), "-o", str(tmp_path / "m")])
    assert result.exit_code != 0
    message = " ".join(str(result.exception or "").split()) + " ".join(result.output.split())
    assert "t2_label='maybe'" in message, message


def test_label_words_read_a_change_in_either_direction_as_unstable() -> None:
    words = {"Stable": 0, "inchangé": 0, "Progression": 1, "régression": 1, "Response": 1, "instable": 1}
    rows = [
        ReportRow(i + 1, f"P{i}", dt.date(2024, 1, 1), "text", extra={"global_label": w, "t2_label": w})
        for i, w in enumerate([*words, "peut-être"])
    ]
    errors = ErrorLog(source="labelled.csv")
    kept, gold, unread = gold_labels(rows, errors)
    assert [r.patient_id for r in kept] == [f"P{i}" for i in range(len(words))]
    assert gold["global"].tolist() == gold["t2"].tolist() == list(words.values())
    assert unread == {"global_label='peut-être'": 1, "t2_label='peut-être'": 1}
    assert len(errors) == 1
