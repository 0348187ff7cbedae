"""Read a report CSV as hospitals export it: one bad row (wrong field count, undecodable bytes, bad date,
empty text) goes to the errors log, naming its patient whenever the patient cell is readable, and the
others are read.

Encoding (`detect_encoding`): `encoding=` when given; else a byte-order mark; else UTF-8 when the
non-ASCII lines are valid UTF-8 at least as often as not (each cell is then decoded on its own, so stray bytes only cost
their row); else the legacy code page charset-normalizer finds among Windows-1252 and Latin-1. The choice
is logged. The delimiter (`,`, `;` or tab) is taken from the header line. Column names are canonical
(`patient_id, comparative_date, exam_date, report_text, language`) unless mapped with
`columns={"report_text": "Report"}`. Date cells accept ISO, `YYYYMMDD` and `13.12.2011` / `13/12/2011`
(day first unless `date_order="MDY"`).

A report split over rows, one a line of its text (as data warehouses store narratives), is joined again
when its line-number column is mapped (`columns={"line": "LINE"}`): the rows of one patient, exam date and
comparative date are one report, their texts joined by line breaks in line order (blank lines kept).

An Excel workbook (`.xlsx`, recognised by its content, not its name) is read from its first sheet with the
`excel` extra (openpyxl): date cells as ISO dates, whole numbers without a decimal point; an Excel 97-2003
`.xls` is refused with what to do.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from glioma_change.errors import InputError
from glioma_change.io import ErrorLog
from glioma_change.reports.dates import parse_column_date

log = logging.getLogger(__name__)

REQUIRED = ("patient_id", "exam_date", "report_text")
OPTIONAL = ("comparative_date", "language", "global_label", "t2_label", "line")
CANONICAL = REQUIRED + OPTIONAL
LEGACY_ENCODINGS = ("cp1252", "latin_1")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_XLSX = b"PK\x03\x04"  # a zip archive: an Office Open XML workbook
_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: an Excel 97-2003 workbook

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
    line: int | None = None  # the row's line of a report split over rows (`join_lines`)


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


def detect_encoding(raw: bytes) -> str:
    """`utf-8-sig`/`utf-16` (byte-order mark), `utf-8`, or the legacy code page of `raw`."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    ok = bad = 0
    for line in raw.splitlines():
        if max(line, default=0) < 0x80:
            continue
        try:
            line.decode("utf-8")
            ok += 1
        except UnicodeDecodeError:
            bad += 1
    if bad == 0 or ok >= bad:  # a legacy file almost never holds a non-ASCII line that is valid UTF-8
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(raw, cp_isolation=list(LEGACY_ENCODINGS)).best()
    return best.encoding if best is not None else LEGACY_ENCODINGS[0]


def workbook_as_csv(path: Path, raw: bytes) -> str:
    """The first sheet of the Excel workbook at `path` as CSV text: empty cells empty, date cells ISO dates,
    whole numbers (patient ids read as floats) without a decimal point."""
    if raw.startswith(_XLS):
        raise InputError("an Excel 97-2003 workbook (.xls): save it as .xlsx or as CSV", path)
    try:
        import openpyxl
    except ImportError:
        raise InputError(
            "an Excel workbook: install the excel extra (pip install 'glioma-change[excel]') or save it as CSV", path
        ) from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and key errors for damaged files
        raise InputError(f"not a readable Excel workbook ({type(exc).__name__})", path) from None
    sheet = book.worksheets[0]
    log.info("%s: reading the first sheet of the workbook, %r", path.name, sheet.title)
    out = io.StringIO()
    writer = csv.writer(out)
    for values in sheet.iter_rows(values_only=True):
        writer.writerow([_cell(v) for v in values])
    book.close()
    return out.getvalue()


def _cell(value: object) -> str:
    """A workbook cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def commonest_reason(errors: ErrorLog) -> str:
    """The most frequent error reason (quoted values left out), with its count."""
    reasons = Counter(re.sub(r"'[^']*'", "'…'", str(r["reason"])) for r in errors.rows)
    if not reasons:
        return ""
    reason, count = reasons.most_common(1)[0]
    return f"{reason} ({count} of {len(errors)} rows)"


def read_reports(
    path: str | os.PathLike[str],
    errors: ErrorLog,
    columns: dict[str, str] | None = None,
    required: tuple[str, ...] = REQUIRED,
    encoding: str | None = None,
    date_order: str = "DMY",
) -> list[ReportRow]:
    """Read the readable rows of a report CSV; log the others. Missing columns raise `InputError`."""
    path = Path(path)
    if not path.is_file():
        raise InputError("report file not found", path)
    raw = path.read_bytes()
    if raw.startswith((_XLSX, _XLS)):
        raw, encoding = workbook_as_csv(path, raw).encode("utf-8"), "utf-8"
    chosen = encoding or detect_encoding(raw)
    try:
        codecs.lookup(chosen)
    except LookupError:
        raise InputError(f"--encoding {chosen!r}: unknown encoding", path) from None
    log.info("%s: reading as %s%s", path.name, chosen, "" if encoding else " (detected)")
    per_cell = chosen.replace("-", "_").lower() == "utf_8"
    try:
        text = raw.decode("latin-1") if per_cell else raw.decode(chosen)
    except UnicodeDecodeError as exc:
        raise InputError(f"not readable as {chosen} (byte {exc.start})", path) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    try:
        header_raw = next(reader)
    except StopIteration:
        raise InputError("empty file (no header)", path) from None
    try:
        header = [(h.encode("latin-1").decode("utf-8") if per_cell else h).strip() for h in header_raw]
    except UnicodeDecodeError:
        raise InputError("header is not valid UTF-8 (use --encoding cp1252 for a Windows export)", path) from None
    names = {key: (columns or {}).get(key, key) for key in CANONICAL}
    missing = [names[k] for k in required if names[k] not in header]
    if missing:
        raise InputError(f"missing required column(s): {', '.join(missing)} (found: {', '.join(header)})", path)
    where = {key: header.index(name) for key, name in names.items() if name in header}
    rows: list[ReportRow] = []
    for number, record in enumerate(reader, 1):
        row = _parse(number, record, len(header), where, errors, per_cell, date_order)
        if row is not None:
            rows.append(row)
    return join_lines(rows, errors) if "line" in where else rows


def join_lines(rows: list[ReportRow], errors: ErrorLog) -> list[ReportRow]:
    """The reports of `rows` whose text is split over rows, one a line: the rows of one patient, exam date and
    comparative date joined, in line order, into the first of them (a report left without text is logged)."""
    groups: dict[tuple[str, dt.date, dt.date | None], list[ReportRow]] = {}
    for row in rows:
        groups.setdefault((row.patient_id, row.exam_date, row.comparative_date), []).append(row)
    joined = []
    for parts in groups.values():
        parts.sort(key=lambda r: (r.line if r.line is not None else -1, r.row))
        first = min(parts, key=lambda r: r.row)
        text = "\n".join(r.text for r in parts).strip()
        if not text:
            errors.add("empty report text", row=first.row, item=first.patient_id)
            continue
        language = next((r.language for r in parts if r.language), "")
        joined.append(
            ReportRow(first.row, first.patient_id, first.exam_date, text, first.comparative_date, language, first.extra)
        )
    log.info("joined %d lines into %d reports", len(rows), len(joined))
    return sorted(joined, key=lambda r: r.row)


def _patient(record: list[str], where: dict[str, int], per_cell: bool) -> str:
    """The row's patient id when its cell can be read, else ''."""
    index = where.get("patient_id")
    if index is None or index >= len(record):
        return ""
    try:
        return (record[index].encode("latin-1").decode("utf-8") if per_cell else record[index]).strip()
    except UnicodeDecodeError:
        return ""


def _parse(
    number: int,
    record: list[str],
    width: int,
    where: dict[str, int],
    errors: ErrorLog,
    per_cell: bool,
    date_order: str,
) -> ReportRow | None:
    if not any(cell.strip() for cell in record):
        errors.add("empty row", row=number)
        return None
    item = _patient(record, where, per_cell)
    if len(record) != width:
        errors.add(f"expected {width} fields, found {len(record)}", row=number, item=item)
        return None
    cells: dict[str, str] = {}
    for key, index in where.items():
        try:
            cells[key] = (record[index].encode("latin-1").decode("utf-8") if per_cell else record[index]).strip()
        except UnicodeDecodeError:
            errors.add(f"column {key}: not valid UTF-8", row=number, item=item)
            return None
    if not item:
        errors.add("empty patient_id", row=number)
        return None
    line = None
    if "line" in cells:
        try:
            line = int(float(cells["line"]))
        except ValueError:
            errors.add(f"column line: not a line number: {cells['line']!r}", row=number, item=item)
            return None
    elif not cells["report_text"]:  # a report split over rows may have blank lines
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
            dates[key] = parse_column_date(value, date_order)
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
        line=line,
    )
