"""`glioma_sections`: section headings wherever they stand, and the section of every token.

A report may be laid out on lines (`Findings:` at a line start) or flattened to one line by a PDF or EHR
export (`...   Indications   Suivi ...   Description   ...   Conclusions   ...`). A lexicon heading
(`nlp/<lang>/lexicon.json` → `sections`, any case, accents optional) is taken as a heading when

* a colon or dash follows it (or ends its line, the heading starting the line), or the word a dictation
  left for a colon (`sections.dictated_colon`: "Findings colon ..."); or
* it stands at a boundary (text or line start, a run of two spaces, a sentence end) and is followed by a
  line end or a run of two spaces, or by a word that does not continue prose (a capitalised word, or
  one not in `sections.prose_followers`: "la *description de* la lésion" is prose, "*Description* La
  lésion ..." and "*Description* hypersignal ..." are headings); or
* it is capitalised, mid-line, and a run of two spaces, a line end or a capitalised word follows it
  ("IRM cérébrale Indications Suivi ..." flattened with single spaces).

A heading ends the section before it. Findings and conclusion sections run to the next heading; ignored
sections (indication, history ...) to the next heading or the end of their first line of content (a line
break, or a sentence end followed by a run of spaces and a capital); `technique` and `ignore_sentence`
(comparison) sections to the end of their first sentence (a technique paragraph flattened with single
spaces would otherwise swallow the findings after it). An ignored heading alone on its line with up to
`HEADING_WORDS` more words ("Antécédents oncologiques") takes the next line too. `footer` headings
(signature lines, a scale's key) are taken wherever they stand and ignored to the next heading; `superseded`
ones (a preliminary read, which the final read after it replaces) are ignored to the next heading; a
`revision` (an addendum, a corrected conclusion) is the conclusion, and a conclusion before it counts as findings. Text before
the first heading counts as findings. Administrative spans (`glioma_admin`, with the blanks alone between two
of them: a flattened header is one region) and the options of a template's empty boxes ("☐ Augmentation",
"[ ] progression": no statement) are ignored wherever they lie.

`doc._.gc_sections` holds `[(token, kind), ...]` change points, kind in findings / conclusion / ignore /
admin (administrative spans; read by nothing but kept apart from ignored clinical sections);
`doc._.gc_labelled` the token and character ranges of the findings and conclusion.
"""

from __future__ import annotations

import re
from bisect import bisect_right

import numpy as np
from spacy.attrs import IDX
from spacy.language import Language
from spacy.tokens import Doc

from glioma_change.reports.components.admin import merge
from glioma_change.reports.components.extensions import (
    ADMIN,
    LABELLED,
    OFFSETS,
    SECTION_BOUNDS,
    SECTIONS,
    BatchComponent,
    ext,
    labelled_spans,
    lexicon_of,
    lower_of,
    set_ext,
    text_of,
)
from glioma_change.reports.components.phrases import WordScanner, phrase_key, phrase_pattern
from glioma_change.reports.lexicon import Lexicon, variants

_COLON_AFTER = r"[ \t]*(?::|\u2014|\u2013|-(?=\s))"
_GAP_AFTER = re.compile(r"[ \t]*(?:\r?\n|$)|[ \t]{2,}")
# the rest of a heading's line, up to a colon that ends the line or that a run of spaces follows (a flattened
# "Rappel de la conclusion de l'examen du 03/05/2019 :")
_LINE_TO_COLON = re.compile(r"[^\n:]{0,60}:(?:[ \t]*(?:\r?\n|$)|[ \t]{2,})")
_NEXT_WORD = re.compile(r"[ \t]*([^\W\d_]+['\u2019]?)")
# patterns that start with a character class, which the regex engine skips to in C (the forms
# `[.!?](?=\s)|\n` and `\r?\n|[.!?][ \t]{2,}...` are tried at every position of a long section)
# (a date that a capital follows ends one too: "Comparaison IRM du 19/12/2023 Hypersignal FLAIR ..." flattened with
# single spaces and without colons; a digit before the blank is looked at first, one comparison at most blanks)
_SENTENCE_END = re.compile(
    r"[.!?\n \t](?:(?<=\n)|(?<=[.!?])(?=\s)|(?<=[ \t])[ \t]+(?=[^\W\d_])(?=[^a-z\u00df-\u00ff])"
    r"|(?<=\d[ \t])(?:(?<=\d[/.\-]\d\d[/.\-]\d{4}[ \t])|(?<=\d{4}-\d\d-\d\d[ \t]))(?=[^\W\d_])(?=[^a-z\u00df-\u00ff]))"
)
# a list item ("- FLAIR: ...", "• T1: ..."): after a technique or comparison heading, the heading had no sentence
_BULLET = re.compile(r"[\-\u2022\u25aa*][ \t]")
_ITEM = re.compile(r"[\-\u2022\u25aa*][ \t]+[^\W\d_][\w/*-]*(?:[ \t]+[\w/*-]+){0,2}[ \t]*:")
# the end of an ignored section's first line: a line break, or a sentence end followed by a run of spaces
# and a capital (a line break lost by a flattening export; a wrapped line does not end a sentence)
_LINE_END = re.compile(
    r"[\r\n.!?\u00bb\u201d\"](?:(?<=\r)\n|(?<=\n)|(?:(?<=[.!?])|(?<=[.!?][\u00bb\u201d\"])|(?<=[.!?][ \u00a0][\u00bb\u201d]))"
    r"[ \t]{2,}(?=[^\W\d_])(?=[^a-z\u00df-\u00ff]))"
)
# the option after an empty box of a template export ("☐ Augmentation", "[ ] progression"), up to the next box,
# bracket, line break, "|" or run of two spaces: no statement
_UNTICKED = re.compile(
    r"(?:\u2610|\u25a1|\[[ \t]?\]|\([ \t]\))(?:(?![ \t]{2})[^\u2610\u25a1\u2611\u2612\u25a0\[(\n|])*"
)
_BOXES = ("\u2610", "\u25a1", "[ ]", "[]", "( )", "[\t]", "(\t)")
_LOOKBEHIND = 12
# ignored up to the next heading: signature lines and a scale's key (`footer`), a preliminary read that a final
# one follows (`superseded`: "Resident preliminary", "Lecture préliminaire")
TO_NEXT_HEADING = ("footer", "superseded")
REVISION = "revision"  # an addendum or correction after the conclusion: the conclusion now, the one before it findings
HEADING_WORDS = 2  # words after a heading word that may finish it on its own line ("Antécédents oncologiques")
_SPACES = re.compile(r"\s*")
_LETTER = re.compile(r"[^\W\d_]")


def _boundary_before(before: str) -> tuple[bool, bool]:
    r"""Whether the text `before` a heading ends in a strong boundary (a line break, a run of two spaces or
    tabs, `|`, or only spaces since its start) or a weak one (a sentence or clause end, a digit), spaces
    aside: the regexes `(?:^|\n|[ \t]{2,}|\|)[ \t]*$` and `(?:[.!?;:)\]]|\d)[ \t]*$`, in string operations."""
    rest = before.rstrip(" \t")
    strong = not rest or rest[-1] in "\n|" or len(before) - len(rest) >= 2
    return strong, bool(rest) and (rest[-1] in ".!?;:)]" or rest[-1].isdecimal())


def _heading_line(text: str, content: int, stop: re.Match[str]) -> bool:
    """Whether the first line of an ignored section, from `content` to the line break `stop`, only finishes its
    heading ("Histoire oncologique" on a line of its own: at most `HEADING_WORDS` words, no sentence end) or
    introduces the next line ("Prior impression (03/07/2023), quoted verbatim:")."""
    line = text[content : stop.start()]
    if stop.group() not in ("\n", "\r\n"):
        return False
    return line.rstrip().endswith(":") or (len(line.split()) <= HEADING_WORDS and not any(c in line for c in ".!?:"))


def _list_follows(text: str, end: int, content: int, admin: list[tuple[int, int]]) -> bool:
    """Whether a list starts the content of a technique or comparison heading ending at `end` (its first
    sentence is then none): a bullet after a line end or a run of spaces, or after a single space a bullet
    whose label ends in a colon ("comparison - FLAIR: reduced ..."; not an administrative field)."""
    if not _BULLET.match(text, content):
        return False
    if _GAP_AFTER.match(text, end):
        return True
    item = _ITEM.match(text, content)
    return item is not None and not any(s < item.end() and e > content for s, e in admin)


def _opens_sentence(text: str, start: int) -> bool:
    """Whether a capitalised word at `start` opens a sentence (after `.!?` and spaces) or the text."""
    before = text[max(0, start - _LOOKBEHIND) : start].rstrip(" \t")
    return text[start].isupper() and (not before or before[-1] in ".!?")


def _overlay(points: list[tuple[int, str]], admin: list[tuple[int, int]], size: int) -> list[tuple[int, str]]:
    """The change points `points` (sorted) with the sorted, disjoint administrative spans `admin` laid over
    them: a point at every start or end of either, of kind `admin` inside a span, else the kind of the last
    point at or before it (the points of a `size`-character text; none past its end but the first)."""
    out: list[tuple[int, str]] = []
    i, n, kind = 0, len(points), points[0][1]
    for start, end in admin:
        while i < n and points[i][0] < start:
            kind = points[i][1]
            i += 1
            if not out or out[-1][0] != points[i - 1][0]:
                out.append(points[i - 1])
            else:
                out[-1] = points[i - 1]
        while i < n and points[i][0] < end:
            kind = points[i][1]
            i += 1
        out.append((start, "admin"))
        if i < n and points[i][0] == end:
            continue
        out.append((end, kind))
    for point in points[i:]:
        if out[-1][0] == point[0]:
            out[-1] = point
        else:
            out.append(point)
    return [(c, k) for c, k in out if c < size or c == 0]


class SectionDetector(BatchComponent):
    """Finds section headings in the text and assigns each token its section."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.kinds: dict[str, str] = {}
        for kind, headings in lexicon.headings().items():
            for heading in headings:
                for form in variants(heading):
                    self.kinds[phrase_key(form)] = kind
        self.followers = frozenset(f for w in lexicon.sections.get("prose_followers", []) for f in variants(w))
        self.heading = WordScanner(rf"{phrase_pattern(list(self.kinds))}(?![^\W_])")
        # a colon, or the word a dictation left for one ("Findings colon ...")
        dictated = phrase_pattern(lexicon.sections.get("dictated_colon", []))
        self.colon_after = re.compile(rf"{_COLON_AFTER}|[ \t]+(?i:{dictated})(?![^\W_])")

    def _accepts(self, text: str, start: int, end: int) -> bool:
        if self.colon_after.match(text, end):
            return True
        capital = text[start].isupper()
        if not capital and start > 1 and text[start - 1] == " " and text[start - 2].isalpha():
            return False  # a lower-case word one space after a word, no colon: prose ("T1 sequences before ...")
        gap_after = _GAP_AFTER.match(text, end) is not None
        strong, weak = _boundary_before(text[max(0, start - _LOOKBEHIND) : start])
        strong = strong or start == 0
        if strong or weak:
            if gap_after or (strong and _LINE_TO_COLON.match(text, end)):
                return True
            nxt = _NEXT_WORD.match(text, end)
            prose = nxt is not None and nxt.group(1)[0].islower() and nxt.group(1) in self.followers
            return (capital or strong) and not prose
        if not capital or gap_after:
            return capital
        nxt = _NEXT_WORD.match(text, end)  # mid-line: "IRM cérébrale Indications Suivi ..." (single spaces)
        return nxt is not None and nxt.group(1)[0].isupper()

    def headings(self, text: str, low: str | None = None) -> list[tuple[int, int, str]]:
        """`(start, end, kind)` of every heading in `text` (character offsets; `low`: `text.lower()` when at
        hand)."""
        return self._scan(text, low)[0]

    def _scan(self, text: str, low: str | None) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
        """The headings, and the capitalised words of ignored headings (technique, comparison ...) that open
        a sentence without being taken as headings ("… séquences volumétriques. Comparaison avec l'IRM du …")."""
        out, openers = [], []
        for m in self.heading.finditer(text, low):
            start, end = m.span("w")
            key = text[start:end].lower()
            kind = self.kinds.get(key) or self.kinds[phrase_key(key)]
            accepted = kind == "footer" or self._accepts(text, start, end)
            if accepted and kind == "superseded":  # "Addendum to preliminary report:" names it, starts none
                accepted = start == 0 or any(_boundary_before(text[max(0, start - _LOOKBEHIND) : start]))
            if not accepted and not _opens_sentence(text, start):
                continue
            if accepted:
                out.append((start, end, kind))
            elif kind not in SECTIONS and kind != REVISION:
                openers.append((start, end, kind))
        return out, openers

    def regions(self, text: str, admin: list[tuple[int, int]], low: str | None = None) -> list[tuple[int, str]]:
        """Character change points `(offset, kind)` of the sections, administrative spans as `admin` (`low`:
        `text.lower()` when at hand). Inside an ignored section that runs to the next heading (its first line
        had no end: a report flattened with single spaces), a sentence opened by an ignored heading word
        starts that section."""
        found, openers = self._scan(text, low)
        admin = merge(admin, text)  # a flattened header is one region, not its fields and the blanks between them
        if admin:  # a heading word inside an administrative span (the label of "Exam date: 07/24/2022") is no heading
            starts = [s for s, _ in admin]
            found = [h for h in found if (i := bisect_right(starts, h[0]) - 1) < 0 or admin[i][1] <= h[0]]
        opener_starts = [start for start, _, _ in openers]
        points: list[tuple[int, str]] = [(0, "findings")]
        current = "findings"
        k = 0
        while k < len(found):
            start, end, kind = found[k]
            nxt = found[k + 1][0] if k + 1 < len(found) else len(text)
            k += 1
            if (
                kind == "findings"
                and k > 1
                and found[k - 2][2] == REVISION
                and not _LETTER.search(text, found[k - 2][1], start)
            ):
                continue  # "Addendum (05/12/2023) relecture senior": the revision's own title
            if kind == REVISION:  # the report's conclusion before it is revised: it counts as findings
                points = [(at, "findings" if was == "conclusion" else was) for at, was in points]
                kind = "conclusion"
            if kind in SECTIONS:
                current = kind
                points.append((start, kind))
                continue
            points.append((start, "ignore"))
            if kind in TO_NEXT_HEADING:
                continue
            content = _SPACES.match(text, end).end()  # type: ignore[union-attr]
            if kind != "ignore" and _list_follows(text, end, content, admin):
                points.append((content, current))  # "Sequence-by-sequence comparison   - FLAIR: ..."
                continue
            stop = (_LINE_END if kind == "ignore" else _SENTENCE_END).search(text, content, nxt)
            if kind == "ignore" and stop is not None and _heading_line(text, content, stop):
                stop = _LINE_END.search(text, stop.end(), nxt)
            if stop is not None and stop.end() < nxt:
                if not text[stop.end() : nxt].isspace():  # (blanks alone up to the next heading start nothing)
                    points.append((stop.end(), current))
                continue
            i = bisect_right(opener_starts, content)
            if kind == "ignore" and i < len(openers) and openers[i][0] < nxt:
                found.insert(k, openers[i])
        return _overlay(points, admin, len(text)) if admin else points

    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        if not len(doc):
            set_ext(doc, "gc_sections", [(0, "findings")])
            set_ext(doc, "gc_labelled", [])
            return doc
        ignored = ext(doc, "gc_admin") or []
        if any(box[0] in text and box in text for box in _BOXES):  # one character is looked for faster than two
            ignored = merge([*ignored, *(m.span() for m in _UNTICKED.finditer(text))])
        points = self.regions(text, ignored, lower_of(doc))
        idx = doc.to_array(IDX).astype(np.int64)
        set_ext(doc, "gc_offsets", idx)
        tokens = np.searchsorted(idx, [p for p, _ in points])
        bounds: list[tuple[int, str]] = []
        size = len(doc)
        for token, (_, kind) in zip(tokens.tolist(), points):
            if token >= size:
                continue
            if bounds and bounds[-1][0] == token:
                bounds[-1] = (token, kind)
            elif not bounds or bounds[-1][1] != kind:
                bounds.append((token, kind))
        if not bounds or bounds[0][0] != 0:
            bounds.insert(0, (0, "findings"))
        set_ext(doc, "gc_sections", bounds)
        labelled = labelled_spans(bounds, size)
        ends = {t: int(idx[t]) if t < size else len(text) for span in labelled for t in span}
        set_ext(doc, "gc_labelled", [(s, e, ends[s], ends[e]) for s, e in labelled])
        return doc


@Language.factory(
    "glioma_sections",
    default_config={"lexicon_dir": ""},
    assigns=[SECTION_BOUNDS, LABELLED, OFFSETS],
    requires=[ADMIN],
)
def make_sections(nlp: Language, name: str, lexicon_dir: str) -> SectionDetector:
    """Section headings (findings, conclusion, ignored sections) from `nlp/<lang>/lexicon.json`."""
    return SectionDetector(lexicon_of(nlp, lexicon_dir))
