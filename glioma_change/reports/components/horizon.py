"""Which exam a change is measured against: the comparative exam, or an older one ("par rapport au
06/01/2019", "augmentation par rapport à 2022", "a régressé entre 2021 et 2022") when the comparative exam's
date is known (`doc._.gc_comparative`). Read by `glioma_context`."""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from typing import Any

from spacy.tokens import Doc

from glioma_change.reports.components.extensions import ext, lower_of, text_of
from glioma_change.reports.dates import DateExtractor

OLDER_MARGIN = dt.timedelta(days=30)  # a compared date this much before the comparative exam is an older exam
MONTH = dt.timedelta(days=31)  # the longest period that names one exam ("août 2023")
# tokens from an attribution to an older-horizon phrase that only interprets the change ("Interval extension …, in
# keeping with slow progression": the interval's change, read as part of a slow growth)
INTERPRETED = 2
RANGE_REACH = 16  # characters from a stability to the range that dates it ("stable entre", "restée stable de")
_PART_END = re.compile(r"[,();:]")


def ends_before(period: tuple[dt.date, dt.date], comparative: dt.date) -> bool:
    """Whether a period written in a report ends before the comparative exam: a day more than `OLDER_MARGIN` before
    it; a longer period (a month, a year) before the comparative exam's month ("apparu en avril", the comparative exam
    of 30 May)."""
    first, last = period
    if first < last:
        return last < comparative.replace(day=1)
    return last < comparative - OLDER_MARGIN


def characters(doc: Doc, bounds: tuple[int, int]) -> tuple[int, int]:
    """Character range of the tokens `[bounds[0], bounds[1])` of `doc`."""
    offsets = ext(doc, "gc_offsets")
    first, last = bounds
    return int(offsets[first]), int(offsets[last]) if last < len(doc) else len(text_of(doc))


def older_exam(dates: DateExtractor, doc: Doc, bounds: tuple[int, int], comparative: dt.date) -> bool:
    """Whether the sentence of tokens `bounds` compares only with exams older than the comparative one: every
    date or period after a comparison cue in it ("par rapport au 06/01/2019", "compared with 3 May 2019",
    "par rapport à 2022") ends before `comparative` (`ends_before`)."""
    lo, hi = characters(doc, bounds)
    periods = dates.compared(text_of(doc), lo, hi, comparative, lower_of(doc))
    return bool(periods) and all(ends_before(p, comparative) for p in periods)


def _names(period: tuple[dt.date, dt.date], comparative: dt.date) -> bool:
    """Whether a date or month written in a report names the comparative exam: within `OLDER_MARGIN` of it."""
    first, last = period
    return last - first <= MONTH and first - OLDER_MARGIN <= comparative <= last + OLDER_MARGIN


def names_date(dates: DateExtractor, doc: Doc, bounds: tuple[int, int], comparative: dt.date) -> bool:
    """Whether the sentence of tokens `bounds` names the comparative exam by its date or month ("32 x 21 mm on
    15/08/2023", "unchanged since August 2023"): a date or month within `OLDER_MARGIN` of `comparative`."""
    lo, hi = characters(doc, bounds)
    return any(_names(period, comparative) for period in dates.periods(text_of(doc)[lo:hi], comparative))


def horizon(dates: DateExtractor, doc: Doc, group: dict[str, Any], comparative: dt.date | None) -> bool | set[int]:
    """Which change cues of a sentence (`group`: its `OLDER_EXAM`, `RECENT_EXAM` and `TERMINATE` starts, its
    token bounds) speak of an older exam: all (True) or none (False), or the parts (between `TERMINATE` terms)
    that name an older horizon when the sentence also names the comparative exam's date ("which had not changed
    from 2017 to August 2023, has enlarged: … (32 x 21 mm on 15/08/2023)"). An older horizon silences the
    sentence unless its part names the previous exam ("lente majoration par rapport au précédent"); one that an
    attribution introduces only interprets the change ("in keeping with slow progression", `INTERPRETED`); without
    one, dates older than the comparative exam do (`older_exam`)."""
    recent = {bisect_right(group["terms"], r) for r in group["RECENT_EXAM"]}
    horizons = [
        o for o in group["OLDER_EXAM"] if not any(0 <= o - end <= INTERPRETED for _, end in group["attributions"])
    ]
    older = {bisect_right(group["terms"], o) for o in horizons} - recent
    if older:
        named = comparative is not None and names_date(dates, doc, group["bounds"], comparative)
        return older if named else True
    return comparative is not None and not recent and older_exam(dates, doc, group["bounds"], comparative)


def silenced(older: bool | set[int], part: int) -> bool:
    """Whether an older horizon silences the change cues of part `part` of a sentence (`older`: the whole sentence,
    or the parts that name the older exam)."""
    return older is True or (isinstance(older, set) and part in older)


def _part(doc: Doc, cs: int, bounds: tuple[int, int]) -> tuple[int, int]:
    """Character range of the part of the sentence `bounds` around token `cs`: between `,`, brackets, `;` and `:`."""
    text = text_of(doc)
    start, end = characters(doc, bounds)
    at = int(ext(doc, "gc_offsets")[cs])
    lo = max([start] + [text.rfind(c, start, at) + 1 for c in ",(;:"])
    stop = _PART_END.search(text, at, end)
    return lo, stop.start() if stop else end


def changed_before(dates: DateExtractor, doc: Doc, cs: int, bounds: tuple[int, int], comparative: dt.date) -> bool:
    """Whether the change at token `cs` of the sentence `bounds` happened before the comparative exam: the dates
    and periods of its part of the sentence (`_part`) start none after the comparative exam and one ends before it
    ("une régression survenue entre le 06/01/2019 et le 10/04/2020", "moins étendu qu'en juillet 2023", the
    comparative exam being later)."""
    lo, hi = _part(doc, cs, bounds)
    periods = dates.periods(text_of(doc)[lo:hi], comparative)
    return (
        bool(periods)
        and all(first <= comparative + OLDER_MARGIN for first, _ in periods)
        and any(ends_before(p, comparative) for p in periods)
    )


def measured_from_comparative(
    dates: DateExtractor, doc: Doc, cs: int, group: dict[str, Any], comparative: dt.date | None
) -> bool:
    """Whether the change at token `cs` is compared with the comparative exam, named by its date after a comparison
    cue in its part of the sentence (`_part`), an older horizon standing only in another part ("Discrète majoration
    par rapport à mai 2023, alors qu'elle était stable depuis 2019", the comparative exam of May 2023): an older
    horizon elsewhere in the sentence then does not silence it."""
    if comparative is None:
        return False
    lo, hi = _part(doc, cs, group["bounds"])
    offsets = ext(doc, "gc_offsets")
    if any(lo <= offsets[o] < hi for o in group["OLDER_EXAM"]):
        return False
    periods = dates.compared(text_of(doc), lo, hi, comparative, lower_of(doc))
    return any(_names(period, comparative) for period in periods)


def held_before(
    dates: DateExtractor, doc: Doc, cue: tuple[int, int], group: dict[str, Any], comparative: dt.date
) -> bool:
    """Whether the stability at the tokens `cue` is dated to a closed range that ends by the comparative exam,
    written right after it (within `RANGE_REACH` characters, in its part of the sentence, before any other cue):
    "stable entre 2022 et décembre 2023", "stable from 2017 to August 2023", the comparative exam of December or
    August 2023 — a stability before the interval, not over it ("stable depuis 2022 après une croissance lente
    entre 2020 et 2022" is not)."""
    _, hi = _part(doc, cue[0], group["bounds"])
    offsets = ext(doc, "gc_offsets")
    lo = int(offsets[cue[1]]) if cue[1] < len(doc) else hi
    later = [c for c in group["cue_starts"] if c >= cue[1]]
    if later:
        hi = min(hi, int(offsets[later[0]]))
    return any(
        opened < comparative - OLDER_MARGIN and closed <= comparative + OLDER_MARGIN
        for opened, closed in dates.ranges(text_of(doc), lo, hi, comparative, RANGE_REACH)
    )
