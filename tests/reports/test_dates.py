"""Comparative-date extraction from English and French report text."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from glioma_change.reports.dates import YEAR, DateExtractor
from glioma_change.reports.lexicon import load_lexicon

EXAM = dt.date(2021, 9, 1)


@pytest.mark.parametrize(
    "language,text,expected",
    [
        ("en", "Compared with the MRI of 12 March 2021, the lesion is stable.", dt.date(2021, 3, 12)),
        ("en", "Comparison: 03/12/2020. Stable.", dt.date(2020, 12, 3)),
        ("en", "Comparison: 2021-03-12.", dt.date(2021, 3, 12)),
        ("en", "In comparison with 20-Sep-2020: stable.", dt.date(2020, 9, 20)),
        ("en", "Compared to the study of March 12, 2021.", dt.date(2021, 3, 12)),
        ("en", "Comparison: 12/25/2020.", dt.date(2020, 12, 25)),
        ("fr", "Par rapport à l'IRM du 12 mars 2021, lésion stable.", dt.date(2021, 3, 12)),
        ("fr", "Comparativement à l'examen du 12/03/2021 : stable.", dt.date(2021, 3, 12)),
        ("fr", "Comparaison avec l'IRM du 1er février 2021.", dt.date(2021, 2, 1)),
        ("fr", "Examen de référence : IRM du 04.07.2021.", dt.date(2021, 7, 4)),
        ("fr", "Lésion stable par rapport au 12/03/2021.", dt.date(2021, 3, 12)),
    ],
)
def test_comparative_date_forms(language: str, text: str, expected: dt.date) -> None:
    assert DateExtractor(load_lexicon(language)).find(text, EXAM) == expected


def test_day_month_order_falls_back_when_the_preferred_order_is_after_the_exam() -> None:
    extractor = DateExtractor(load_lexicon("en"))
    # day-first 2021-10-05 would be after the exam; month-first 2021-05-10 is before it
    assert extractor.find("Compared with 05/10/2021.", EXAM) == dt.date(2021, 5, 10)


def test_no_date_without_comparison_cue_or_after_the_exam() -> None:
    extractor = DateExtractor(load_lexicon("en"))
    assert extractor.find("Surgery on 12 March 2019. Stable lesion.", EXAM) is None
    assert extractor.find("Compared with the MRI of 12 March 2022.", EXAM) is None
    assert extractor.find("Compared with the MRI of 31/02/2021.", EXAM) is None


def test_periods_are_days_months_and_years_outside_dates() -> None:
    """Months and years written alone are periods (first, last day); the year of a full date is not a period."""
    extractor = DateExtractor(load_lexicon("fr"))
    day = dt.date(2023, 9, 26)
    assert extractor.periods("par rapport au 26 septembre 2023") == [(day, day)]
    assert extractor.periods("moins étendu qu'en juillet 2023") == [(dt.date(2023, 7, 1), dt.date(2023, 7, 31))]
    assert extractor.periods("terminé en 01/2024") == [(dt.date(2024, 1, 1), dt.date(2024, 1, 31))]
    assert extractor.periods("entre 2022 et le 12.03.2023") == [
        (dt.date(2023, 3, 12), dt.date(2023, 3, 12)),
        (dt.date(2022, 1, 1), dt.date(2022, 12, 31)),
    ]
    assert extractor.periods("rCBV 2,1 ; 1500 ms ; 24 x 18 mm") == []


def test_a_month_without_its_year_is_read_against_the_comparative_exam() -> None:
    """ "The scan of April", "depuis octobre": the last such month up to the reference date, and only after a
    preposition ("this may represent", "mars" alone are no period); without a reference, none."""
    reference = dt.date(2023, 10, 3)
    english, french = DateExtractor(load_lexicon("en")), DateExtractor(load_lexicon("fr"))
    april = (dt.date(2023, 4, 1), dt.date(2023, 4, 30))
    assert english.periods("compared with the post-operative scan of April.", reference) == [april]
    assert english.periods("compared with the post-operative scan of April.") == []
    assert english.periods("this may represent progression", reference) == []
    assert french.periods("stable depuis octobre, diminution par rapport à l'IRM d'avril", reference) == [
        (dt.date(2023, 10, 1), dt.date(2023, 10, 31)),
        april,
    ]
    assert french.periods("par rapport à l'IRM de novembre", reference) == [
        (dt.date(2022, 11, 1), dt.date(2022, 11, 30))
    ]
    assert french.periods("moins étendu qu'en juillet 2023", reference) == [(dt.date(2023, 7, 1), dt.date(2023, 7, 31))]


def _report_texts() -> list[str]:
    """Probes of the patterns' edges, and every report of `tests/data` (every date form the reports write)."""
    data = Path(__file__).resolve().parents[1] / "data"
    texts = [t for path in sorted(data.glob("reports_*.csv")) for t in pd.read_csv(path, dtype=str).report_text]
    probes = ["20231012 1/2/2023 2023-1-2 x2023-01-02 12.03.2021 3/2021 /2019 2019.5 a1990 1990- 2019-20 19/ 2020"]
    return probes + [t for t in texts if isinstance(t, str)]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_date_patterns_that_start_with_a_digit_find_what_their_look_behind_forms_find(language: str) -> None:
    """The digit patterns carry their leading look-behind after their first digit, so that the regex engine skips
    to digits instead of trying every position: the same matches as the plain forms below."""
    extractor = DateExtractor(load_lexicon(language))
    suffix = "|".join(re.escape(s) for s in extractor.lexicon.dates.get("ordinal_suffixes", []))
    suffix = f"(?:{suffix})?" if suffix else ""
    months = "|".join(re.escape(m) for m in sorted(extractor.months, key=len, reverse=True))
    plain = {
        "iso": re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"),
        "numeric": re.compile(r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?!\d)"),
        "dmy": re.compile(
            rf"(?<!\w)(\d{{1,2}}){suffix}(?:\s+of)?[\s\-/.]*({months})\.?[\s\-/.,]+(\d{{4}})(?!\d)", re.I
        ),
        "compact": re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"),
        "numeric_month": re.compile(r"(?<![\d/.\-])(\d{1,2})[/.](\d{4})(?![\d/.\-]\d)"),
        "year": re.compile(rf"(?<![\w/.\-])({YEAR})(?![\w/\-]|\.\d)"),
    }
    fast = {kind: pattern for kind, pattern in [*extractor.forms, *extractor.partial] if kind in plain}
    assert set(fast) == set(plain)
    for text in _report_texts():
        for kind, pattern in fast.items():
            want = [(m.span(), m.groups()) for m in plain[kind].finditer(text)]
            assert [(m.span(), m.groups()) for m in pattern.finditer(text)] == want, (kind, text[:200])


@pytest.mark.parametrize("language", ["en", "fr"])
def test_comparison_cues_found_over_the_lower_cased_text_end_where_the_case_insensitive_regex_finds_them(
    language: str,
) -> None:
    extractor = DateExtractor(load_lexicon(language))
    checked = 0
    for text in _report_texts()[:3000]:
        low = text.lower()
        if len(low) != len(text):
            continue
        for start, end in ((0, len(text)), (1, len(text) - 1), (len(text) // 3, 2 * len(text) // 3)):
            want = [m.end() for m in extractor.cue.finditer(text, start, end)]
            assert list(extractor.cue_ends(text, start, end, low)) == want, (start, end, text[:200])
            checked += len(want)
    assert checked > 500
