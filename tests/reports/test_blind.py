"""Rules-only accuracy on the blind report sets: written by a second author who had not seen the rules,
the lexicons, the generator or the other hand-written sets (see `docs/reports.md`, "Blind set")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glioma_change.reports.dates import DateExtractor
from glioma_change.reports.lexicon import load_lexicon
from glioma_change.reports.pipeline import apply_rules

BLIND = Path(__file__).resolve().parents[1] / "data"
COLUMNS = ["patient_id", "comparative_date", "exam_date", "report_text", "language", "global_label", "t2_label"]


def blind_set(language: str) -> pd.DataFrame:
    """The blind reports of one language with gold `global_label` and `t2_label` (0 stable, 1 unstable)."""
    return pd.read_csv(BLIND / f"reports_blind_{language}.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("language,minimum", [("en", 50), ("fr", 40)])
def test_blind_set_is_well_formed(language: str, minimum: int) -> None:
    df = blind_set(language)
    assert list(df.columns) == COLUMNS
    assert len(df) >= minimum and df.patient_id.is_unique
    assert set(df.language) == {language}
    for key in ("global", "t2"):
        share = df[f"{key}_label"].astype(int).mean()
        assert 0.3 <= share <= 0.7, f"{key}: {share:.2f} unstable"
    assert (df.t2_label.astype(int) <= df.global_label.astype(int)).all()
    assert (df.comparative_date == "").any()


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("key", ["global", "t2"])
def test_blind_rules_accuracy(language: str, key: str) -> None:
    df = blind_set(language)
    results = apply_rules(df.report_text.tolist(), [language] * len(df))
    prob = np.array([getattr(r.scores, f"{key}_prob") for r in results])
    gold = df[f"{key}_label"].astype(int).to_numpy()
    wrong = df.patient_id[(prob >= 0.5) != gold].tolist()
    accuracy = 1.0 - len(wrong) / len(df)
    assert accuracy >= 0.90, f"{language} {key}: accuracy {accuracy:.3f}; wrong: {wrong}"


# The comparative dates written only in the text of the blind reports (empty `comparative_date` cells).
TEXT_DATES = {
    "BEN002": "2022-02-14",
    "BEN005": "2023-03-15",
    "BEN008": "2023-01-12",
    "BEN014": "2023-04-03",
    "BEN020": "2023-03-02",
    "BEN024": "2023-05-30",
    "BEN028": "2022-05-12",
    "BEN035": "2023-01-10",
    "BEN040": "2023-09-22",
    "BEN044": "2023-03-03",
    "BEN054": "2023-04-12",
    "BEN064": "2023-06-21",
    "BFR001": "2023-01-12",
    "BFR002": "2022-02-03",
    "BFR005": "2023-03-15",
    "BFR014": "2023-04-03",
    "BFR020": "2023-03-02",
    "BFR035": "2023-01-10",
    "BFR037": "2023-05-02",
    "BFR044": "2023-03-03",
    "BFR054": "2023-06-21",
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_blind_comparative_dates_from_text(language: str) -> None:
    extractor = DateExtractor(load_lexicon(language))
    df = blind_set(language)
    empty = df[df.comparative_date == ""]
    assert set(empty.patient_id) == {k for k in TEXT_DATES if k.startswith(f"B{language.upper()}")}
    for row in empty.itertuples():
        found = extractor.find(row.report_text, dt.date.fromisoformat(row.exam_date))
        assert found is not None and found.isoformat() == TEXT_DATES[row.patient_id], row.patient_id


@pytest.mark.parametrize(
    "language,text,expect_global,expect_t2",
    [
        # coordinated targets share the change cue
        ("en", "Impression: Increased enhancement and FLAIR hyperintensity.", 1, 1),
        ("en", "Findings: The enhancement and the FLAIR abnormality have both decreased.", 1, 1),
        ("en", "Impression: New enhancement and stable FLAIR hyperintensity.", 1, 0),
        ("fr", "Conclusion : majoration de la prise de contraste et de l'œdème.", 1, 1),
        ("fr", "Conclusion : pas de majoration de la prise de contraste ni de l'hypersignal FLAIR.", 0, 0),
        # "rather than" sets an alternative aside; it does not assert stability
        (
            "en",
            "Impression: Treatment effect rather than tumour progression; the enhancement is slightly increased.",
            1,
            0,
        ),
        # a target after "within" / "au sein de" is where the change is, not what changed
        (
            "en",
            "Impression: New enhancement within the non-enhancing lesion; the FLAIR abnormality is unchanged.",
            1,
            0,
        ),
        (
            "fr",
            "Conclusion : apparition d'un rehaussement au sein de la lésion non rehaussée, dont l'hypersignal FLAIR est stable.",
            1,
            0,
        ),
        # past events and comparisons with older exams
        ("en", "Impression: The lesion, which had enlarged on the prior study, is now unchanged.", 0, 0),
        (
            "en",
            "Impression: Stable. Compared with the oldest available study, slow growth of the FLAIR abnormality.",
            0,
            0,
        ),
        (
            "fr",
            "Conclusion : stabilité. Par rapport à l'examen le plus ancien, lente augmentation de l'hypersignal FLAIR.",
            0,
            0,
        ),
        ("fr", "Conclusion : récidive ancienne traitée ; aspect stable.", 0, 0),
        # elided French phrases ("absence d'", "pas d'") match inside text
        ("fr", "Conclusion : absence d'évolution péjorative.", 0, 0),
        ("fr", "Conclusion : l'hypersignal FLAIR ne s'est pas étendu.", 0, 0),
        # a stable statement with an exception of small degree is still a change
        ("fr", "Conclusion : pas de changement, hormis une discrète majoration de l'œdème.", 1, 1),
        # a conclusion about one component does not silence a change of another
        (
            "en",
            "Findings: Increased FLAIR signal in the left temporal lobe.\nImpression: No new enhancing lesion.",
            1,
            1,
        ),
        # clinical-question headings are not findings
        ("en", "Question: increasing headaches, progression?\nFLAIR abnormality unchanged.", 0, 0),
    ],
)
def test_phenomena_found_by_the_blind_set(language: str, text: str, expect_global: int, expect_t2: int) -> None:
    """Phenomena behind the first blind-set errors, in new wording (written after the measurement)."""
    (result,) = apply_rules([text], [language])
    got = (result.scores.global_prob >= 0.5, result.scores.t2_prob >= 0.5)
    assert got == (bool(expect_global), bool(expect_t2)), (result.scores.global_prob, result.scores.t2_prob)
