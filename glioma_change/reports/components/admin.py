"""`glioma_admin`: administrative text of hospital exports (headers, footers, identifiers), found so that
no rule and no trained model reads it.

Three kinds of span, from `nlp/<lang>/lexicon.json` → `admin` (the patterns shared by every language
are below):

* a labelled field: a label (`Patient`, `Né(e) le`, `IPP`, `Referring physician`, `Dr` ...) followed by a
  colon, or by a value that starts with a capital or a digit (so "the patient reports" stays prose); the
  value runs to the next run of two spaces, line break, sentence or clause end, next label or section
  heading, at most `MAX_WORDS` words and `MAX_VALUE` characters;
* an institution name: `Hôpital ...`, `Service de ...`, `Department of ...` with the same value, and the
  capitalised words just before the institution word (`Riverside General Hospital`);
* a stand-alone identifier: page numbers (`Page 1/2`), phone numbers, e-mail addresses, long digit runs
  (record and accession numbers). Dates stand in findings too ("since the MRI of
  12/03/2021"): only a labelled date (date of birth) is administrative.

The spans go to `doc._.gc_admin` as sorted, merged character ranges.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from glioma_change.reports.components.extensions import ADMIN, lexicon_of, text_of
from glioma_change.reports.lexicon import Lexicon, variants

MAX_VALUE = 60
MAX_WORDS = 5
STANDALONE = [
    r"\bpages?\s*\d+\s*(?:/|sur|of|de)\s*\d+\b",
    r"(?<![\w.,])\+?\d{1,3}[ .\-]?\(?\d{1,4}\)?(?:[ .\-]?\d{2,4}){3,5}(?![\w,])",
    r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b",
    r"(?<![\w.,])\d{6,}(?![\w,])",
    r"(?<![\w.,])[A-Z]{1,4}\d{5,}(?![\w,])",
]
_VALUE_END = re.compile(r"[ \t]{2,}|\r?\n|\||[.;,](?=\s|$)")
_WORD = re.compile(r"\S+")
_VALUE_START = re.compile(r"[ \t]*(?:$|\r?\n|[ \t]{2}|[^\W_](?<![a-z\u00df-\u00ff]))")
# a proper name just before an institution word: "St Aldric University Hospital", "Riverside General Hospital"
_NAME_BEFORE = re.compile(r"(?:(?<=\s)|^)(?:[A-Z\u00c0-\u00dd][\w'\u2019.-]*[ \t]){1,4}$")


def _alternation(phrases: list[str]) -> str:
    forms = sorted({f for p in phrases for f in variants(p)}, key=len, reverse=True)
    return "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in forms)


def merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping character ranges covering `spans`."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


class AdminFinder:
    """Finds labelled identifying fields, institution lines and stand-alone identifiers."""

    def __init__(self, lexicon: Lexicon) -> None:
        admin = lexicon.admin
        labels = _alternation(admin.get("field_labels", []))
        self.field = re.compile(rf"(?<![^\W_])(?:{labels})(?![^\W_])[ \t]*(?P<colon>[:#°]?)", re.I) if labels else None
        places = _alternation(admin.get("institutions", []))
        self.place = re.compile(rf"(?<![^\W_])(?:{places})(?![^\W_])", re.I) if places else None
        self.standalone = re.compile("|".join(STANDALONE + admin.get("patterns", [])), re.I)
        headings = [h for kind, hs in lexicon.sections.items() if kind != "prose_followers" for h in hs]
        stops = _alternation(admin.get("value_stops", []) + headings)
        self.stop = re.compile(rf"(?<![^\W_])(?:{stops})(?![^\W_])", re.I) if stops else None

    def _value_end(self, text: str, start: int) -> int:
        limit = min(len(text), start + MAX_VALUE)
        while start < limit and text[start] in " \t":
            start += 1
        ends = [limit]
        m = _VALUE_END.search(text, start, limit)
        if m:
            ends.append(m.start())
        if self.field is not None:
            m = self.field.search(text, start, limit)
            if m and m.start() > start:
                ends.append(m.start())
        if self.stop is not None:
            m = self.stop.search(text, start, limit)
            if m and m.start() > start:
                ends.append(m.start())
        end = min(ends)
        words = list(_WORD.finditer(text, start, end))
        return words[MAX_WORDS - 1].end() if len(words) > MAX_WORDS else end

    def find(self, text: str) -> list[tuple[int, int]]:
        """Character ranges of the administrative text in `text`."""
        spans = [m.span() for m in self.standalone.finditer(text)]
        for pattern in (self.field, self.place):
            if pattern is None:
                continue
            for m in pattern.finditer(text):
                if pattern is self.field and not m.group("colon") and not _VALUE_START.match(text, m.end()):
                    continue  # "the patient reports ...", "by phone." are prose, not a field
                start = m.start()
                if pattern is self.place:
                    before = _NAME_BEFORE.search(text, max(0, start - MAX_VALUE), start)
                    start = before.start() if before else start
                spans.append((start, self._value_end(text, m.end())))
        return merge(spans)

    def __call__(self, doc: Doc) -> Doc:
        doc._.gc_admin = self.find(text_of(doc))
        return doc


@Language.factory("glioma_admin", default_config={"lexicon_dir": ""}, assigns=[ADMIN])
def make_admin(nlp: Language, name: str, lexicon_dir: str) -> AdminFinder:
    """Administrative headers and footers (names, dates of birth, record numbers, signatures, pages)."""
    return AdminFinder(lexicon_of(nlp, lexicon_dir))
