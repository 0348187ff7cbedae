"""Read a report CSV robustly: one bad row (wrong field count, non-UTF-8 bytes, bad date, empty text)
goes to the errors log and the others are read.

The file is read as bytes and parsed with a byte-transparent decoding (Latin-1), then every cell is
decoded as UTF-8 on its own, so stray bytes only affect their row. The delimiter (`,`, `;` or tab) is
taken from the header line. Column names are canonical (`patient_id, comparative_date, exam_date,
report_text, language`) unless mapped with `columns={"report_text": "Report"}`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from glioma_change.errors import InputError
from glioma_change.formats import parse_date
from glioma_change.io import ErrorLog

REQUIRED = ("patient_id", "exam_date", "report_text")
OPTIONAL = ("comparative_date", "language", "global_label", "t2_label")
CANONICAL = REQUIRED + OPTIONAL

csv.field_size_limit(1 << 24)


@dataclass
class ReportRow:
    """One readable report row; `row` is the 1-based data row of the file (header excluded)."""

    row: int
    patient_id: str
    exam_date: dt.date
    text: str
    comparative_date: dt.date | None = None
    language: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def parse_column_map(items: list[str]) -> dict[str, str]:
    """`["report_text=Report", ...]` → `{"report_text": "Report"}` (canonical name → file column)."""
    mapping = {}
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value or key not in CANONICAL:
            raise InputError(f"--column {item!r}: expected NAME=COLUMN with NAME one of {', '.join(CANONICAL)}")
        mapping[key] = value
    return mapping


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_reports(
    path: str | os.PathLike[str],
    errors: ErrorLog,
    columns: dict[str, str] | None = None,
    required: tuple[str, ...] = REQUIRED,
) -> list[ReportRow]:
    """Read the readable rows of a report CSV; log the others. Missing columns raise `InputError`."""
    path = Path(path)
    if not path.is_file():
        raise InputError("report file not found", path)
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    text = raw.decode("latin-1")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    try:
        header_raw = next(reader)
    except StopIteration:
        raise InputError("empty file (no header)", path) from None
    try:
        header = [h.encode("latin-1").decode("utf-8").strip() for h in header_raw]
    except UnicodeDecodeError:
        raise InputError("header is not valid UTF-8", path) from None
    names = {key: (columns or {}).get(key, key) for key in CANONICAL}
    missing = [names[k] for k in required if names[k] not in header]
    if missing:
        raise InputError(f"missing required column(s): {', '.join(missing)}", path)
    where = {key: header.index(name) for key, name in names.items() if name in header}
    rows: list[ReportRow] = []
    for number, record in enumerate(reader, 1):
        row = _parse(number, record, len(header), where, errors)
        if row is not None:
            rows.append(row)
    return rows


def _parse(number: int, record: list[str], width: int, where: dict[str, int], errors: ErrorLog) -> ReportRow | None:
    if not any(cell.strip() for cell in record):
        errors.add("empty row", row=number)
        return None
    if len(record) != width:
        errors.add(f"expected {width} fields, found {len(record)}", row=number)
        return None
    cells: dict[str, str] = {}
    for key, index in where.items():
        try:
            cells[key] = record[index].encode("latin-1").decode("utf-8").strip()
        except UnicodeDecodeError:
            errors.add(f"column {key}: not valid UTF-8", row=number)
            return None
    item = cells.get("patient_id", "")
    if not item:
        errors.add("empty patient_id", row=number)
        return None
    if not cells["report_text"]:
        errors.add("empty report text", row=number, item=item)
        return None
    dates: dict[str, dt.date | None] = {"comparative_date": None}
    for key in ("exam_date", "comparative_date"):
        value = cells.get(key, "")
        if not value:
            if key == "exam_date":
                errors.add("empty exam_date", row=number, item=item)
                return None
            continue
        try:
            dates[key] = parse_date(value)
        except ValueError as exc:
            errors.add(f"column {key}: {exc}", row=number, item=item)
            return None
    return ReportRow(
        row=number,
        patient_id=item,
        exam_date=dates["exam_date"],  # type: ignore[arg-type]
        text=cells["report_text"],
        comparative_date=dates["comparative_date"],
        language=cells.get("language", "").lower(),
        extra={k: cells[k] for k in ("global_label", "t2_label") if k in cells},
    )
