"""Rules-only accuracy on the export-style sets (`reports_export_*`) and the third to seventy-third blind
sets (`reports_blind3_*` to `reports_blind73_*`; of the twentieth, the fifty-second and the fifty-third, the
French half: the other halves wait in `tests/data/pending`): reports written blind (the authors had not seen the rules or the
lexicons), most as a hospital's PDF-to-text export gives them, one line each with an invented identifying
header and footer, headings without colons, several hospital styles; hard cases on purpose (negated recurrence, change over a
longer horizon, change of non-tumour findings, enhancement-only change). See docs/reports.md."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from glioma_change.formats import parse_date
from glioma_change.reports.pipeline import apply_rules

DATA = Path(__file__).resolve().parents[1] / "data"
ONE_LINE = {
    "export": 1.0,
    "blind16": 0.3,
    "blind17": 0.4,
    "blind18": 0.3,
    "blind19": 0.4,
    "blind20": 0.4,
    "blind21": 0.4,
    "blind25": 0.5,
    "blind26": 0.5,
    "blind28": 0.5,
    "blind29": 0.45,
    "blind30": 0.45,
    "blind31": 0.45,
    "blind32": 0.45,
    "blind33": 0.45,
    "blind34": 0.45,
    "blind35": 0.8,
    "blind36": 0.45,
    "blind37": 0.8,
    "blind38": 0.45,
    "blind39": 0.8,
    "blind40": 0.45,
    "blind41": 0.45,
    "blind42": 0.4,
    "blind54": 0.5,
}  # the share of reports flattened to one line (else 0.6)
SETS = (
    "export",
    "blind3",
    "blind4",
    "blind5",
    "blind6",
    "blind7",
    "blind8",
    "blind9",
    "blind10",
    "blind11",
    "blind12",
    "blind13",
    "blind14",
    "blind15",
    "blind16",
    "blind17",
    "blind18",
    "blind19",
    "blind21",
    "blind22",
    "blind23",
    "blind24",
    "blind25",
    "blind26",
    "blind27",
    "blind28",
    "blind29",
    "blind30",
    "blind31",
    "blind32",
    "blind33",
    "blind34",
    "blind35",
    "blind36",
    "blind37",
    "blind38",
    "blind39",
    "blind40",
    "blind41",
    "blind42",
    "blind43",
    "blind44",
    "blind45",
    "blind46",
    "blind47",
    "blind48",
    "blind49",
    "blind50",
    "blind51",
    "blind54",
    "blind55",
    "blind56",
    "blind57",
    "blind58",
    "blind59",
    "blind60",
    "blind61",
    "blind62",
    "blind63",
    "blind64",
    "blind65",
    "blind66",
    "blind67",
    "blind68",
    "blind69",
    "blind70",
    "blind71",
    "blind72",
    "blind73",
)
PAIRS = [(name, language) for name in SETS for language in ("en", "fr")]
PAIRS += [("blind20", "fr"), ("blind52", "fr"), ("blind53", "fr")]


def report_set(name: str, language: str) -> pd.DataFrame:
    """One set of one language with gold `global_label` and `t2_label`."""
    return pd.read_csv(DATA / f"reports_{name}_{language}.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize(
    "name,language,minimum",
    [
        ("export", "en", 60),
        ("export", "fr", 100),
        ("blind3", "en", 30),
        ("blind3", "fr", 60),
        ("blind4", "en", 30),
        ("blind4", "fr", 80),
        ("blind5", "en", 40),
        ("blind5", "fr", 80),
        ("blind6", "en", 60),
        ("blind6", "fr", 60),
        ("blind7", "en", 30),
        ("blind7", "fr", 90),
        ("blind8", "en", 30),
        ("blind8", "fr", 70),
        ("blind9", "en", 40),
        ("blind9", "fr", 60),
        ("blind10", "en", 20),
        ("blind10", "fr", 80),
        ("blind11", "en", 50),
        ("blind11", "fr", 50),
        ("blind12", "en", 20),
        ("blind12", "fr", 80),
        ("blind13", "en", 30),
        ("blind13", "fr", 70),
        ("blind14", "en", 30),
        ("blind14", "fr", 70),
        ("blind15", "en", 20),
        ("blind15", "fr", 80),
        ("blind16", "en", 30),
        ("blind16", "fr", 70),
        ("blind17", "en", 30),
        ("blind17", "fr", 70),
        ("blind18", "en", 30),
        ("blind18", "fr", 70),
        ("blind19", "en", 40),
        ("blind19", "fr", 60),
        ("blind20", "fr", 70),
        ("blind21", "en", 40),
        ("blind21", "fr", 60),
        ("blind22", "en", 50),
        ("blind22", "fr", 65),
        ("blind23", "en", 45),
        ("blind23", "fr", 60),
        ("blind24", "en", 45),
        ("blind24", "fr", 60),
        ("blind25", "en", 45),
        ("blind25", "fr", 60),
        ("blind26", "en", 45),
        ("blind26", "fr", 60),
        ("blind27", "en", 50),
        ("blind27", "fr", 65),
        ("blind28", "en", 45),
        ("blind28", "fr", 60),
        ("blind29", "en", 45),
        ("blind29", "fr", 60),
        ("blind30", "en", 45),
        ("blind30", "fr", 60),
        ("blind31", "en", 45),
        ("blind31", "fr", 60),
        ("blind32", "en", 45),
        ("blind32", "fr", 60),
        ("blind33", "en", 45),
        ("blind33", "fr", 60),
        ("blind34", "en", 45),
        ("blind34", "fr", 60),
        ("blind35", "en", 45),
        ("blind35", "fr", 60),
        ("blind36", "en", 45),
        ("blind36", "fr", 60),
        ("blind37", "en", 45),
        ("blind37", "fr", 60),
        ("blind38", "en", 45),
        ("blind38", "fr", 60),
        ("blind39", "en", 45),
        ("blind39", "fr", 60),
        ("blind40", "en", 45),
        ("blind40", "fr", 60),
        ("blind41", "en", 45),
        ("blind41", "fr", 60),
        ("blind42", "en", 45),
        ("blind42", "fr", 60),
        ("blind43", "en", 45),
        ("blind43", "fr", 60),
        ("blind44", "en", 45),
        ("blind44", "fr", 60),
        ("blind45", "en", 30),
        ("blind45", "fr", 75),
        ("blind46", "en", 45),
        ("blind46", "fr", 60),
        ("blind47", "en", 45),
        ("blind47", "fr", 55),
        ("blind48", "en", 40),
        ("blind48", "fr", 55),
        ("blind49", "en", 30),
        ("blind49", "fr", 65),
        ("blind50", "en", 55),
        ("blind50", "fr", 40),
        ("blind51", "en", 35),
        ("blind51", "fr", 65),
        ("blind52", "fr", 65),
        ("blind53", "fr", 55),
        ("blind54", "en", 30),
        ("blind54", "fr", 70),
        ("blind55", "en", 35),
        ("blind55", "fr", 65),
        ("blind56", "en", 30),
        ("blind56", "fr", 75),
        ("blind57", "en", 40),
        ("blind57", "fr", 65),
        ("blind58", "en", 30),
        ("blind58", "fr", 75),
        ("blind59", "en", 40),
        ("blind59", "fr", 65),
        ("blind60", "en", 20),
        ("blind60", "fr", 85),
        ("blind61", "en", 45),
        ("blind61", "fr", 55),
        ("blind62", "en", 40),
        ("blind62", "fr", 70),
        ("blind63", "en", 40),
        ("blind63", "fr", 70),
        ("blind64", "en", 50),
        ("blind64", "fr", 60),
        ("blind65", "en", 30),
        ("blind65", "fr", 80),
        ("blind66", "en", 30),
        ("blind66", "fr", 80),
        ("blind67", "en", 30),
        ("blind67", "fr", 80),
        ("blind68", "en", 30),
        ("blind68", "fr", 80),
        ("blind69", "en", 40),
        ("blind69", "fr", 70),
        ("blind70", "en", 30),
        ("blind70", "fr", 80),
        ("blind71", "en", 30),
        ("blind71", "fr", 80),
        ("blind72", "en", 30),
        ("blind72", "fr", 70),
        ("blind73", "en", 30),
        ("blind73", "fr", 70),
    ],
)
def test_set_is_well_formed(name: str, language: str, minimum: int) -> None:
    df = report_set(name, language)
    assert len(df) >= minimum and not df.duplicated(["patient_id", "exam_date"]).any()
    assert set(df.language) == {language}
    assert (df.t2_label.astype(int) <= df.global_label.astype(int)).all()
    one_line = ~df.report_text.str.contains("\n")
    assert one_line.mean() >= ONE_LINE.get(name, 0.6)


@pytest.mark.parametrize("name,language", PAIRS)
@pytest.mark.parametrize("key", ["global", "t2"])
def test_rules_auc_and_accuracy(name: str, language: str, key: str) -> None:
    """The bars of the held-out hospital exports: AUC >= 0.97 and accuracy >= 0.92, rules only."""
    df = report_set(name, language)
    dates = [parse_date(d) if d else None for d in df.comparative_date]  # as `labels` passes them
    exams = [parse_date(d) for d in df.exam_date]
    results = apply_rules(df.report_text.tolist(), [language] * len(df), comparative_dates=dates, exam_dates=exams)
    prob = np.array([getattr(r.scores, f"{key}_prob") for r in results])
    gold = df[f"{key}_label"].astype(int).to_numpy()
    wrong = df.patient_id[(prob >= 0.5) != gold].tolist()
    assert roc_auc_score(gold, prob) >= 0.97
    assert 1.0 - len(wrong) / len(df) >= 0.92, f"{language} {key}: wrong {wrong}"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_unicode_spaces_of_pdf_exports_change_nothing(language: str) -> None:
    """PDF extractions write runs of no-break spaces between the parts of a flattened report, a narrow
    no-break space before French colons and form feeds between pages: the same probabilities as with plain
    spaces (runs of no-break spaces used to hide every heading)."""
    texts = report_set("export", language).report_text.tolist()
    odd = [
        t.replace("   ", "\u00a0\u00a0\u00a0")
        .replace("  ", "\u00a0 ")
        .replace(" :", "\u202f:")
        .replace(" Page", "\fPage")
        for t in texts
    ]
    assert sum(a != b for a, b in zip(texts, odd)) >= len(texts) // 2
    plain = apply_rules(texts, [language] * len(texts))
    exported = apply_rules(odd, [language] * len(odd))
    for a, b in zip(plain, exported):
        assert (a.scores.global_prob, a.scores.t2_prob) == pytest.approx((b.scores.global_prob, b.scores.t2_prob))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_characters_of_pdf_extraction_change_nothing(language: str) -> None:
    """PDF text extraction writes accents as combining marks (decomposed Unicode), typographic ligatures ("ﬁ"),
    soft hyphens and zero-width spaces inside words: the same probabilities as the plain text (decomposed
    accents alone had changed a twelfth of the French labels)."""
    texts = report_set("export", language).report_text.tolist()
    extracted = [
        unicodedata.normalize("NFD", t)
        .replace("fi", "\ufb01")
        .replace("fl", "\ufb02")
        .replace("ment", "me\u00adnt")
        .replace("sign", "si\u200bgn")
        .replace(" ", " \ufeff", 40)
        for t in texts
    ]
    assert sum(a != b for a, b in zip(texts, extracted)) == len(texts)
    plain = apply_rules(texts, [language] * len(texts))
    pdf = apply_rules(extracted, [language] * len(extracted))
    for a, b in zip(plain, pdf):
        assert (a.scores.global_prob, a.scores.t2_prob) == pytest.approx((b.scores.global_prob, b.scores.t2_prob))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_markup_of_database_and_web_exports_changes_nothing(language: str) -> None:
    """Database dumps write line breaks as the two characters "\\n"; web information systems export HTML line
    tags, inline tags and character entities ("&eacute;"): the same probabilities as the plain text (escaped
    line breaks had changed 5-7 % of the labels, entities 8 % of the French ones)."""
    texts = [t for t in report_set("blind6", language).report_text if "\n" in t]
    escaped = [t.replace("\n", "\\n") for t in texts]
    tagged = [
        "<p>" + t.replace("\n", "<br />\n").replace("é", "&eacute;").replace("FLAIR", "<b>FLAIR</b>") + "</p>"
        for t in texts
    ]
    assert len(texts) >= 20
    plain = apply_rules(texts, [language] * len(texts))
    for exported in (escaped, tagged):
        for a, b in zip(plain, apply_rules(exported, [language] * len(exported))):
            assert (a.scores.global_prob, a.scores.t2_prob) == pytest.approx((b.scores.global_prob, b.scores.t2_prob))


def _dictated(text: str, language: str) -> str:
    """`text` as a voice dictation leaves it when its punctuation is not converted: every mark a word."""
    words = {"en": (" period new paragraph ", " new paragraph ", " period", " comma", " colon")}
    words["fr"] = (" point à la ligne ", " à la ligne ", " point à la ligne", " virgule", " deux points")
    sentence_line, line, sentence, comma, colon = words[language]
    text = re.sub(r"\.[ \t]*\n", sentence_line, text).replace("\n", line)
    return re.sub(r" ?:", colon, re.sub(r",", comma, re.sub(r"\.(\s)", sentence + r"\1", text)))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_punctuation_left_as_words_by_a_dictation_changes_nothing(language: str) -> None:
    """Voice dictation leaves its punctuation as words when the radiologist's commands are not converted
    ("virgule", "point à la ligne", "comma", "new paragraph"): the same labels as the punctuated text on
    >= 99 % of readings (before `tokenizer.Dictation`: 0.83 English, 0.93 French over every blind set)."""
    texts = [t for name in ("blind6", "blind17", "blind22") for t in report_set(name, language).report_text]
    plain = apply_rules(texts, [language] * len(texts))
    dictated = apply_rules([_dictated(t, language) for t in texts], [language] * len(texts))
    agree = [
        (getattr(a.scores, key) >= 0.5) == (getattr(b.scores, key) >= 0.5)
        for a, b in zip(plain, dictated)
        for key in ("global_prob", "t2_prob")
    ]
    assert len(texts) >= 140 and np.mean(agree) >= 0.99
