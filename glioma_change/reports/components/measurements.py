"""`glioma_measurements`: size comparisons ("32 x 25 mm, previously 28 x 22 mm", "contre", "from … to …")."""

from __future__ import annotations

import math
import re
from bisect import bisect_right

from spacy.language import Language
from spacy.tokens import Doc

from glioma_change.reports.components.extensions import (
    LABELLED,
    MEASURES,
    BatchComponent,
    ext,
    lexicon_of,
    lower_of,
    set_ext,
    text_of,
)
from glioma_change.reports.components.phrases import is_latin1
from glioma_change.reports.dates import YEAR
from glioma_change.reports.lexicon import Lexicon, variants

_NUM = r"\d+(?:[.,]\d+)?"
# a size: `(?<![\w.,/])(NUM(?:\s*[x×*]\s*NUM){0,2})\s*(cm3|cm³|cc|ml|mm|cm)?(?![\w/])`, the look-behind moved after
# the first digit so that the regex engine skips to digits in C; never a part of a date ("18/11/2022")
_SIZE = re.compile(
    rf"(\d(?<![\w.,/]\d)\d*(?:[.,]\d+)?(?:\s*[x\u00d7*]\s*{_NUM}){{0,2}})\s*(cm3|cm\u00b3|cc|ml|mm|cm)?(?![\w/])",
    re.IGNORECASE,
)
_SIZE_LOWER = re.compile(_SIZE.pattern)  # the same over the lower-cased text (case-folding every try cost half)
# the same over a Latin-1 text, where `\d` is `[0-9]`: a bitmap skipped through in C (a Unicode category is a call)
_SIZE_LATIN1 = re.compile(_SIZE.pattern.replace(r"(\d", "([0-9]", 1))
VOLUME_UNITS = frozenset({"cm3", "cm\u00b3", "cc", "ml"})  # all cubic centimetres
_TIMES = re.compile(r"\s*[x\u00d7*]\s*", re.IGNORECASE)  # between the diameters of a size ("32 X 25")
_BREAK = re.compile(r"[;\n]|\.\s+[A-Z]")
# a date or a year: a size next to one was measured on that (older) exam
_DATE = re.compile(rf"(?<!\d)(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:\d{{4}}|\d{{2}})|{YEAR})(?!\d)")
# a date right after a size dates that size to an older exam ("9 x 6 mm le 19/03/2024, 11 x 8 mm le 12/12/2023"):
# it is no current size
_DATED_FIRST = re.compile(r"\s*(?:le|du|au|en|on|in|at|of)?\s*" + _DATE.pattern, re.IGNORECASE)
_YEAR = re.compile(YEAR)
MAX_GAP = 60
AFTER = 40  # characters read after the second size for the date of its exam ("28 mm (22 mm au 15/12/2023)")
BEFORE = 40  # characters read before the first size for what it measures ("épaisseur de coupe 5 mm contre 3 mm")
_REACH = 3 * MAX_GAP  # characters scanned past the findings and conclusion for the second size of a pair


def _size_mm(dims: str, unit: str) -> list[float]:
    """The diameters of a size in mm; a volume (cm³, cc, mL) as the side of the cube of that volume."""
    values = [float(v.replace(",", ".")) for v in _TIMES.split(dims)]
    unit = unit.lower()
    if unit in VOLUME_UNITS:
        return [(v * 1000.0) ** (1.0 / 3.0) for v in values]
    return [v * 10.0 if unit == "cm" else v for v in values]


def _words(phrases: list[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex for whole `phrases` (accent and apostrophe variants, longest first)."""
    forms = sorted({f for w in phrases for f in variants(w)}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in forms) + r")(?!\w)", re.I) if forms else None


def _dims(size: re.Match[str]) -> int:
    """The number of dimensions of a size ("28 x 24 mm": 2)."""
    return len(_TIMES.findall(size.group(1))) + 1


def _linear_size(values: list[float], n: int) -> float:
    """Geometric mean of the `n` largest diameters (a linear size comparable between two measurements)."""
    chosen = sorted(values, reverse=True)[:n]
    return math.exp(sum(math.log(max(v, 1e-6)) for v in chosen) / len(chosen))


class MeasurementReader(BatchComponent):
    """Finds size comparisons and stores `(start, end, relative change)` in `doc._.gc_measures`.

    Two sizes close together form a comparison when the text between them holds a "previous" word of the
    lexicon (`current …previously… previous`), or when they read `from PREVIOUS to CURRENT`. With the same
    number of dimensions, a date between them or just after the second one dates the second to an older
    exam: "47 x 36 mm - Étude du 24/07/2022 : 39 x 30 mm", "28 x 24 mm (22 x 19 mm au 15/12/2023)", as a "previous"
    word in the bracket does ("4,6 cm (5,3 cm sur le comparatif)"; a bracket with a size alone, "8 mm (16 mm)", does not). A
    sentence break or `;` between them ends the comparison unless what follows it names the older exam
    ("34 mm. On the study of 2023-10-22 it measured 27 mm", "37 mm ; elle mesurait 30 mm"). At least one
    of the two needs a unit (mm or cm, or a volume: cm³, cc, mL, compared as the side of its cube, never with a
    diameter); a size of the technique (`measurement.not_lesion`: slice
    thickness ...) is none of the lesion's. Only comparisons that start in the findings or conclusion
    are read.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self.previous = _words(lexicon.measurement.get("previous", []))
        self.past = _words(lexicon.measurement.get("past", []))
        self.not_lesion = _words(lexicon.measurement.get("not_lesion", []))
        pairs = lexicon.measurement.get("from_to", [])
        self.from_to = [
            (re.compile(rf"(?<!\w){re.escape(start)}\s*$", re.I), re.compile(rf"^\s*{re.escape(end)}\s*$", re.I))
            for start, end in pairs
        ]

    def _dated(self, text: str) -> bool:
        """Whether `text` dates a size to an older exam: a date, or a verb in a past tense ("mesurait")."""
        return _DATE.search(text) is not None or (self.past is not None and self.past.search(text) is not None)

    def _relation(self, text: str, a: re.Match[str], b: re.Match[str]) -> int:
        """+1: a is current, b previous; −1: a previous, b current; 0: no comparison."""
        gap = text[a.end() : b.start()]
        if len(gap) > MAX_GAP or _DATED_FIRST.match(gap):
            return 0
        if self.not_lesion is not None and self.not_lesion.search(text, max(0, a.start() - BEFORE), a.start()):
            return 0
        breaks = list(_BREAK.finditer(gap))
        if breaks:
            return 1 if _dims(a) == _dims(b) and self._dated(gap[breaks[-1].end() - 1 :]) else 0
        before = text[max(0, a.start() - 20) : a.start()]
        if any(start.search(before) and end.match(gap) for start, end in self.from_to):
            return -1
        if (self.previous is not None and self.previous.search(gap)) or (
            self.past is not None and self.past.search(gap)
        ):
            return 1
        if _dims(a) != _dims(b):
            return 0
        if _DATE.search(gap):
            return 1
        inside = text[b.end() : b.end() + AFTER].split(")", 1)[0].split("]", 1)[0]
        if gap.strip() in ("(", "[") and (_DATE.search(inside) or (self.previous and self.previous.search(inside))):
            return 1
        return 0

    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        found: list[tuple[int, int, float]] = []
        lower = lower_of(doc)
        low = lower or text.lower()
        if "mm" not in low and "cm" not in low and "cc" not in low and "ml" not in low:
            set_ext(doc, "gc_measures", found)
            return doc
        # a size starts at a digit: spans of white space alone (between header fields) start none
        labelled = [(lo, hi) for _, _, lo, hi in ext(doc, "gc_labelled") if not text[lo:hi].isspace()]
        starts = [lo for lo, _ in labelled]
        ranges: list[tuple[int, int]] = []  # neighbouring ones merged, so that no text is scanned twice
        for lo, hi in labelled:
            if ranges and lo <= ranges[-1][1] + _REACH:
                ranges[-1] = (ranges[-1][0], hi)
            else:
                ranges.append((lo, hi))
        pairs = []
        scan = _SIZE_LATIN1 if lower and is_latin1(lower) else _SIZE_LOWER
        for lo, hi in ranges:
            # sizes of the findings and conclusion, and the size after them (a pair's second half)
            reach = min(len(text), hi + _REACH)
            sizes = list(scan.finditer(lower, lo, reach) if lower else _SIZE.finditer(text, lo, reach))
            pairs += [
                (a, b) for a, b in zip(sizes, sizes[1:]) if a.start() < labelled[bisect_right(starts, a.start()) - 1][1]
            ]
        for a, b in pairs:
            if not (a.group(2) or b.group(2)) or _YEAR.fullmatch(a.group(0)) or _YEAR.fullmatch(b.group(0)):
                continue  # a size has a unit, one of the two at least; a bare year is none ("printemps 2024")
            relation = self._relation(text, a, b)
            if relation == 0:
                continue
            current, previous = (a, b) if relation > 0 else (b, a)
            unit_c = current.group(2) or previous.group(2)
            unit_p = previous.group(2) or current.group(2)
            if (unit_c.lower() in VOLUME_UNITS) != (unit_p.lower() in VOLUME_UNITS):
                continue  # a volume and a diameter
            now, before = _size_mm(current.group(1), unit_c), _size_mm(previous.group(1), unit_p)
            n = min(len(now), len(before))
            rel = _linear_size(now, n) / _linear_size(before, n) - 1.0
            span = doc.char_span(a.start(), b.end(), alignment_mode="expand")
            if span is not None:
                found.append((span.start, span.end, rel))
        set_ext(doc, "gc_measures", found)
        return doc


@Language.factory("glioma_measurements", default_config={"lexicon_dir": ""}, assigns=[MEASURES], requires=[LABELLED])
def make_measurements(nlp: Language, name: str, lexicon_dir: str) -> MeasurementReader:
    """Size comparisons ("32 x 25 mm, previously 28 x 22 mm", "contre", "versus", "from … to …")."""
    return MeasurementReader(lexicon_of(nlp, lexicon_dir))
