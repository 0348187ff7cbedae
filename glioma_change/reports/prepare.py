"""Rows ready for labelling: each report's language and comparative date resolved, invalid pairs and
duplicates logged; and their rule results. Shared by `labeling` (apply) and `training` (train)."""

from __future__ import annotations

import datetime as dt

from glioma_change.errors import InputError
from glioma_change.io import ErrorLog
from glioma_change.reports.dates import DateExtractor
from glioma_change.reports.language import detect_language
from glioma_change.reports.lexicon import available_languages, load_lexicon
from glioma_change.reports.pipeline import RuleResult, apply_rules
from glioma_change.reports.reading import ReportRow


def prepare_rows(
    rows: list[ReportRow], errors: ErrorLog, language: str = "auto", lexicon_dir: str = ""
) -> list[ReportRow]:
    """Resolve each row's language and comparative date; drop (and log) rows without a valid pair or duplicates."""
    languages = available_languages(lexicon_dir or None)
    if language != "auto" and language not in languages:
        raise InputError(f"--language {language!r}: no lexicon (available: {', '.join(languages)})")
    extractors: dict[str, DateExtractor] = {}
    seen: dict[tuple[str, dt.date, dt.date], int] = {}
    kept = []
    for row in rows:
        if language != "auto":
            row.language = language
        elif row.language not in languages:
            row.language = detect_language(row.text, languages, lexicon_dir)
        if row.comparative_date is None:
            if row.language not in extractors:
                extractors[row.language] = DateExtractor(load_lexicon(row.language, lexicon_dir or None))
            row.comparative_date = extractors[row.language].find(row.text, row.exam_date)
            if row.comparative_date is None:
                errors.add(
                    "no comparative date in the CSV and none found in the text", row=row.row, item=row.patient_id
                )
                continue
        if row.comparative_date >= row.exam_date:
            errors.add("comparative date is not before the exam date", row=row.row, item=row.patient_id)
            continue
        key = (row.patient_id, row.comparative_date, row.exam_date)
        if key in seen:
            errors.add(
                f"duplicate pair (first at row {seen[key]}; a report split over rows, one a line? map the line "
                "number column: --column line=NAME)",
                row=row.row,
                item=row.patient_id,
            )
            continue
        seen[key] = row.row
        kept.append(row)
    return kept


def rule_results(rows: list[ReportRow], lexicon_dir: str = "", keep_tokens: bool = False) -> list[RuleResult]:
    """Rule scores (and content words, for the classifier) of prepared rows."""
    texts, languages = [r.text for r in rows], [r.language for r in rows]
    comparative, exams = [r.comparative_date for r in rows], [r.exam_date for r in rows]
    return apply_rules(texts, languages, lexicon_dir, keep_tokens, comparative, exams)
