"""Comparative-date extraction from report text ("compared with the MRI of 12 March 2021", "par rapport à
l'IRM du 12/03/2021", "comparison: 2021-03-12").

Only dates that follow a comparison cue of the lexicon (within `WINDOW` characters) count, and only
dates before the exam date when it is known. Numeric dates (`03/12/2021`) are read in the lexicon's
`numeric_order` (day first, `DMY`, for English and French: the European convention of the hospitals
this tool targets; set `MDY` in `nlp/en/lexicon.json` for US exports). When the first number exceeds 12
the date is read day-first, when the second does month-first; when the configured order yields a date
on or after the exam date and the other order does not, the other order is used; when the other order yields the
comparative exam's date itself, so is it (a US report's "12/02/2023" for the exam of 2 December 2023).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from glioma_change.formats import parse_date
from glioma_change.reports.lexicon import Lexicon, variants

WINDOW = 80

YEAR = r"(?:19|20)\d\d"  # a year of the reports' era: "depuis 2019", "printemps 2024"
_FOUR_DIGITS = re.compile(r"\d{4}")  # every written date, month and year but a numeric date with a two-digit year


def _year(text: str) -> int:
    value = int(text)
    if len(text) == 2:
        return 2000 + value if value < 70 else 1900 + value
    return value


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month(year: int, month: int) -> list[tuple[dt.date, dt.date]]:
    """`[(first day, last day)]` of `month` of `year`, or `[]` when there is no such month."""
    first = _date(year, month, 1)
    if first is None:
        return []
    nxt = _date(year + month // 12, month % 12 + 1, 1)
    return [(first, nxt - dt.timedelta(days=1) if nxt else first)]


@dataclass
class DateExtractor:
    """Finds the comparative date in one language's reports."""

    lexicon: Lexicon

    def __post_init__(self) -> None:
        dates = self.lexicon.dates
        self.order = dates.get("numeric_order", "DMY").upper()
        self.months = {f: int(n) for name, n in dates.get("months", {}).items() for f in variants(name)}
        months = "|".join(re.escape(m) for m in sorted(self.months, key=len, reverse=True))
        suffix = "|".join(re.escape(s) for s in dates.get("ordinal_suffixes", []))
        suffix = f"(?:{suffix})?" if suffix else ""
        cues = sorted({f for c in dates.get("comparison_cues", []) for f in variants(c)}, key=len, reverse=True)
        self.cue = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(c) for c in cues) + r")(?!\w)", re.I)
        # the same over the lower-cased text, from the non-word character before a cue (a class the regex engine
        # skips to; the look-behind and the case-folded alternatives were tried at every position)
        lowered = "|".join(re.escape(c.lower()) for c in cues)
        self.cue_first = re.compile(rf"(?:{lowered})(?!\w)")
        self.cue_scan = re.compile(rf"\W(?:{lowered})(?!\w)")
        self.forms = [
            ("iso", re.compile(r"(\d(?<!\d\d)\d{3})-(\d{1,2})-(\d{1,2})(?!\d)")),
            ("numeric", re.compile(r"(\d(?<!\d\d)\d?)[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?!\d)")),
            (
                "dmy",
                re.compile(rf"(\d(?<!\w\d)\d?){suffix}(?:\s+of)?[\s\-/.]*({months})\.?[\s\-/.,]+(\d{{4}})(?!\d)", re.I),
            ),
            ("mdy", re.compile(rf"(?<!\w)({months})\.?\s+(\d{{1,2}}){suffix},?\s+(\d{{4}})(?!\d)", re.I)),
            ("compact", re.compile(r"(\d(?<!\d\d)\d{3})(\d{2})(\d{2})(?!\d)")),
        ]
        # a month named without its year after a preposition ("the scan of April", "en mars"): read against a
        # reference date (the comparative exam's), as the last such month up to it
        preps = sorted({f for p in dates.get("month_prepositions", []) for f in variants(p)}, key=len, reverse=True)
        alternatives = "|".join(re.escape(p) for p in preps)
        self.bare = re.compile(rf"(?<!\w)(?:{alternatives})\s*({months})(?!\w|\.?\s*\d)", re.I) if preps else None
        # a closed period written as a range: "entre 2022 et décembre 2023", "from 2017 to August 2023"
        pairs = [(opening, closing) for opening, closing in dates.get("ranges", [])]
        self.range = (
            re.compile(
                r"(?<!\w)(?:"
                + "|".join(
                    rf"{re.escape(o)}\s+(?P<a{k}>[^,;:()\n]{{1,40}}?)\s+{re.escape(c)}"
                    for k, (o, c) in enumerate(pairs)
                )
                + r")\s+(?P<b>[^,;:()\n]{1,40})",
                re.I,
            )
            if pairs
            else None
        )
        # periods that are not one day: "mars 2022", "06/2023", "2022"
        self.partial = [
            ("month", re.compile(rf"(?<!\w)({months})\.?\s+(\d{{4}})(?!\d)", re.I)),
            ("numeric_month", re.compile(r"(\d(?<![\d/.\-]\d)\d?)[/.](\d{4})(?![\d/.\-]\d)")),
            ("year", re.compile(r"([12](?<![\w/.\-][12])(?:(?<=1)9|(?<=2)0)\d\d)(?![\w/\-]|\.\d)")),
        ]

    def _read(
        self, kind: str, groups: tuple[str, ...], exam: dt.date | None, known: dt.date | None = None
    ) -> dt.date | None:
        if kind in ("iso", "compact"):
            return _date(int(groups[0]), int(groups[1]), int(groups[2]))
        if kind == "dmy":
            return _date(int(groups[2]), self.months[groups[1].lower()], int(groups[0]))
        if kind == "mdy":
            return _date(int(groups[2]), self.months[groups[0].lower()], int(groups[1]))
        first, second, year = int(groups[0]), int(groups[1]), _year(groups[2])
        dmy, mdy = _date(year, second, first), _date(year, first, second)
        preferred, other = (dmy, mdy) if self.order == "DMY" else (mdy, dmy)
        if preferred is None or (exam is not None and preferred >= exam and other is not None and other < exam):
            return other
        if known is not None and other == known:
            return other  # "since 12/02/2023" in a US report, the comparative exam of 2 December 2023
        return preferred

    def _written(
        self, text: str, exam: dt.date | None, known: dt.date | None = None, four: bool | None = None
    ) -> list[tuple[int, int, dt.date]]:
        """`(start, end, date)` of every date written in `text` (an ambiguous one read as before `exam`, or as the
        `known` date when its other reading is that date; `four`: whether `text` holds four digits in a row, when
        already known)."""
        four = _FOUR_DIGITS.search(text) is not None if four is None else four
        return [
            (m.start(), m.end(), d)
            for kind, pattern in self.forms
            if four or kind == "numeric"
            for m in pattern.finditer(text)
            if (d := self._read(kind, m.groups(), exam, known))
        ]

    def ranges(
        self, text: str, start: int, end: int, reference: dt.date | None = None, reach: int = 1 << 30
    ) -> list[tuple[dt.date, dt.date]]:
        """`(last day of its start, first day of its end)` of every closed range written within `text[start:end]`
        that starts within `reach` characters of `start` ("entre 2022 et décembre 2023": 31/12/2022, 01/12/2023),
        each side read by `periods`."""
        if self.range is None:
            return []
        out = []
        for m in self.range.finditer(text, start, end):
            if m.start() - start > reach:
                break
            opening = self.periods(next(g for k, g in m.groupdict().items() if k != "b" and g), reference)
            closing = self.periods(m.group("b"), reference)
            if opening and closing:
                out.append((max(last for _, last in opening), min(first for first, _ in closing)))
        return out

    def periods(self, text: str, reference: dt.date | None = None) -> list[tuple[dt.date, dt.date]]:
        """`(first day, last day)` of every date written in `text`, and of every month ("mars 2022", "06/2023")
        and year ("2022") written outside a date; with a `reference` date, of every month named without its year
        after a preposition ("compared with the scan of April": the last April up to `reference`), and a numeric date
        whose other reading is `reference` read as that date."""
        four = _FOUR_DIGITS.search(text) is not None  # without, only a numeric date can be read: one scan, not ten
        days = self._written(text, None, reference, four)
        out = [(d, d) for _, _, d in days]
        taken = [(start, end) for start, end, _ in days]  # a month's or a date's year is no year of its own
        for kind, pattern in self.partial if four else ():  # (each has a year)
            for m in pattern.finditer(text):
                if any(start < m.end() and m.start() < end for start, end in taken):
                    continue
                if kind == "year":
                    out.append((dt.date(int(m.group(1)), 1, 1), dt.date(int(m.group(1)), 12, 31)))
                    continue
                month = self.months[m.group(1).lower()] if kind == "month" else int(m.group(1))
                out += _month(int(m.group(2)), month)
                taken.append(m.span())
        if self.bare is not None and reference is not None:
            for m in self.bare.finditer(text):
                if not any(start < m.end(1) and m.start(1) < end for start, end in taken):
                    month = self.months[m.group(1).lower()]
                    out += _month(reference.year - (month > reference.month), month)
        return out

    def compared(
        self, text: str, start: int, end: int, reference: dt.date | None = None, low: str | None = None
    ) -> list[tuple[dt.date, dt.date]]:
        """The periods (`periods`, months without a year read against `reference`) that follow a comparison cue
        within `text[start:end]` ("par rapport au 06/01/2019", "compared with 2019"; `low`: `text.lower()` when at
        hand and as long)."""
        return [
            p
            for cue_end in self.cue_ends(text, start, end, low)
            for p in self.periods(text[cue_end : min(end, cue_end + WINDOW)], reference)
        ]

    def cue_ends(self, text: str, start: int, end: int, low: str | None = None) -> Iterator[int]:
        """Where each comparison cue within `text[start:end]` ends: the ends of `self.cue.finditer(text, start,
        end)`, found over `low` (`text.lower()`) when given."""
        if low is None:
            yield from (m.end() for m in self.cue.finditer(text, start, end))
            return
        m = self.cue_first.match(low, 0, end) if start == 0 else None
        m = m or self.cue_scan.search(low, max(start - 1, 0), end)  # its first character is the one before the cue
        while m is not None:
            yield m.end()
            m = self.cue_scan.search(low, m.end() - 1, end)

    def find(self, text: str, exam: dt.date | None = None) -> dt.date | None:
        """The first date after a comparison cue (and before `exam`), or None."""
        for cue in self.cue.finditer(text):
            window = text[cue.end() : cue.end() + WINDOW]
            found = [(at, d) for at, _, d in self._written(window, exam) if exam is None or d < exam]
            if found:
                return min(found)[1]
        return None


_COLUMN_NUMERIC = re.compile(r"^\s*(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})\s*$")
DATE_ORDERS = ("DMY", "MDY", "YMD")


def parse_column_date(value: str, order: str = "DMY") -> dt.date:
    """A date cell: ISO `2011-12-13`, compact `20111213`, or numeric with `.`, `/` or `-` separators read in
    `order` (`13.12.2011`, `13/12/2011` day first by default; a four-digit first field is read as the
    year); raise ValueError naming the accepted forms otherwise."""
    try:
        return parse_date(value)
    except ValueError:
        pass
    m = _COLUMN_NUMERIC.match(value)
    date = None
    if m:
        a, b, c = m.groups()
        if len(a) == 4:
            date = _date(int(a), int(b), int(c))
        elif len(c) in (2, 4):
            day, month = (int(a), int(b)) if order.upper() == "DMY" else (int(b), int(a))
            date = _date(_year(c), month, day)
    if date is None:
        raise ValueError(
            f"not a date (expected YYYY-MM-DD, YYYYMMDD or {'/'.join(order.upper())} as 13.12.2011 / 13/12/2011): {value!r}"
        )
    return date
