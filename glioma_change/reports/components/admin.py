"""`glioma_admin`: administrative text of hospital exports (headers, footers, identifiers), found so that
no rule and no trained model reads it.

Three kinds of span, from `nlp/<lang>/lexicon.json` → `admin` (the patterns shared by every language
are below):

* a labelled field: a label (`Patient`, `Né(e) le`, `IPP`, `Referring physician`, `Dr` ...) followed by a
  colon, or by a value that starts with a capital or a digit (so "the patient reports" stays prose); the
  value runs to the next run of two spaces, line break, sentence or clause end, next label or section
  heading, at a lower-case word (particles aside) or after a number, at most `MAX_WORDS` words and
  `MAX_VALUE` characters;
* an institution name, capitalised (`Hôpital ...`, `Service de ...`, `Department of ...`), with the same
  value and the capitalised words just before it (`Riverside General Hospital`);
* a stand-alone identifier: page numbers (`Page 1/2`), phone numbers, e-mail addresses, long digit runs
  (record and accession numbers). Dates stand in findings too ("since the MRI of
  12/03/2021"): only a labelled date (date of birth) is administrative.

The spans go to `doc._.gc_admin` as sorted, merged character ranges.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from glioma_change.reports.components.extensions import ADMIN, BatchComponent, lexicon_of, lower_of, set_ext, text_of
from glioma_change.reports.components.phrases import WordScanner, is_latin1, latin1_class, phrase_key, phrase_pattern
from glioma_change.reports.lexicon import Lexicon, variants

MAX_VALUE = 60
MAX_WORDS = 5
PARTICLES = frozenset({"de", "du", "des", "d'", "la", "le", "van", "von", "der", "den", "of", "the", "y", "da", "di"})
# Stand-alone identifiers, written to start with a digit, `+`, `(`, `P`/`p` or a capital so that the scan
# stays cheap on long reports (look-behinds and case-folding at every position cost more than tokenising).
STANDALONE = [
    r"[Pp][Aa][Gg][Ee][Ss]?[ \t]*\d+[ \t]*(?:/|sur|of|de)[ \t]*\d+",
    r"(?:\+\d{2,3}[ .\-]?|\b0)\d(?:[ .\-]?\d{2}){4}\b",
    r"\(?\b\d{3}\)?[ .\-]\d{3}[ .\-]\d{4}\b",
    r"\b[A-Z]{0,4}\d{6,}\b",
    r"\b[A-Z]{1,4}\d{5}\b",
]
# where a stand-alone identifier may start: a run of digits (`[+(]?\d[\d .\-()/]{3,}\d`, written to start with a
# character class the regex engine skips to in C) or the word "page"; the patterns then run on a small window
_RUN_BODY = r"(?:(?<=[+(])\d[\d .\-()/]{3,}\d|(?<=\d)[\d .\-()/]{3,}\d)"
_NUMBER_RUN = re.compile(r"[+(\d]" + _RUN_BODY)
_NUMBER_RUN_LATIN1 = re.compile(latin1_class(r"[+(\d]") + _RUN_BODY)  # the same on Latin-1 text, faster
_PAGE = re.compile(r"[Pp][Aa][Gg][Ee]")
# a run that is a date: none of the `STANDALONE` patterns matches one, so only the lexicon's own patterns read it
_DATE_RUN = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}")
_DIGIT = re.compile(r"\d")
_NON_WORD_LATIN1 = latin1_class(r"[\W_]")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_VALUE_END = re.compile(r"[ \t]{2,}|\r?\n|\||[.;,](?=\s|$)")
# the same, after a character of `[ \t\r\n|.;,]` (one class first, which the regex engine skips to in C)
_BREAK_AFTER = r"(?<=[ \t])[ \t]+|(?<=\r)\n|(?<=\n)|(?<=\|)|(?<=[.;,])(?=\s|$)"
_VALUE_START = re.compile(r"[ \t]*(?:$|\r?\n|[ \t]{2}|[^\W_](?<![a-z\u00df-\u00ff]))")
# a proper name just before an institution word: "St Aldric University Hospital", "Riverside General Hospital"
_NAME_BEFORE = re.compile(r"(?:(?<=\s)|^)(?:[A-Z\u00c0-\u00dd][\w'\u2019.-]*[ \t]){1,4}$")


def merge(spans: list[tuple[int, int]], text: str | None = None) -> list[tuple[int, int]]:
    """Sorted, non-overlapping character ranges covering `spans`; with `text`, two ranges with blanks alone between
    them are one (the runs of spaces between a flattened header's fields)."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and (s <= out[-1][1] or (text is not None and text[out[-1][1] : s].isspace())):
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _all(text: str, word: str) -> list[int]:
    """The offsets of every `word` in `text`, not overlapping."""
    out, at = [], text.find(word)
    while at >= 0:
        out.append(at)
        at = text.find(word, at + len(word))
    return out


class AdminFinder(BatchComponent):
    """Finds labelled identifying fields, institution lines and stand-alone identifiers."""

    def __init__(self, lexicon: Lexicon) -> None:
        admin = lexicon.admin
        labels = phrase_pattern(admin.get("field_labels", []))
        headings = [h for hs in lexicon.headings().values() for h in hs]
        stops = phrase_pattern(admin.get("value_stops", []) + headings)
        # one scan, over one trie, for fields and institutions (no label is an institution; where one starts
        # another, "hospital number" and "hospital", the longer wins as an alternation of the two did), and
        # one search for the end of a value
        fields, places = admin.get("field_labels", []), admin.get("institutions", [])
        self.is_field = {phrase_key(f): kind is fields for kind in (places, fields) for x in kind for f in variants(x)}
        both = phrase_pattern(fields + places)
        self.labelled = WordScanner(rf"(?P<label>{both})(?![^\W_])[ \t]*(?P<colon>[:#°]?)")
        self.value_end = re.compile(rf"{_VALUE_END.pattern}|(?<![^\W_])(?:{labels}|{stops})(?![^\W_])", re.I)
        # over the lower-cased text: the character before a label or stop, or (in one search) that or a break
        label = rf"(?:{labels}|{stops})(?![^\W_])"
        self.value_label = re.compile(rf"[\W_]{label}")
        self.value_stop = re.compile(rf"[\W_](?:(?P<b>{_BREAK_AFTER})|{label})")
        self.value_stop_latin1 = re.compile(rf"{_NON_WORD_LATIN1}(?:(?P<b>{_BREAK_AFTER})|{label})")
        self.standalone = re.compile("|".join(STANDALONE + admin.get("patterns", [])))
        self.read_dates = bool(admin.get("patterns"))

    def _value_end(self, text: str, low: str | None, start: int, latin1: bool = False) -> int:
        """Where the value of a field starting at `start` ends (`low`: the lower-cased text, when as long;
        `latin1`: whether it is Latin-1)."""
        limit = min(len(text), start + MAX_VALUE)
        head = text[start:limit]
        start += len(head) - len(head.lstrip(" \t"))  # past the blanks
        end = limit
        if start < limit and low is None:
            m = self.value_end.search(text, start + 1, limit)
            end = m.start() if m else limit
        elif start < limit and low is not None:
            # the first break after the value's first character or label after its start (a label's first
            # character is the one before it; where both stand at one character, the break ends the value first)
            stop = (self.value_stop_latin1 if latin1 else self.value_stop).search(low, start + 1, limit)
            end = limit if stop is None else stop.start() + (stop.group("b") is None)
            if self.value_label.match(low, start, limit):
                end = start + 1
        kept = start
        words = text[start:end].split()  # the `\S+` runs
        for i, word in enumerate(words[:MAX_WORDS]):
            if i and word[0].islower() and word.lower() not in PARTICLES:
                break  # a name or number does not go on in lower case: "IPP 123 hypersignal ..."
            kept = text.index(word, kept) + len(word)
            if not word.isalpha() and _DIGIT.search(word) and not (i + 1 < len(words) and words[i + 1][:1].isdigit()):
                break  # a number or date ends the value unless another number follows ("01 45 67")
        return kept

    def find(self, text: str, low: str | None = None) -> list[tuple[int, int]]:
        """Character ranges of the administrative text in `text` (`low`: `text.lower()` when at hand and as
        long)."""
        if low is None:
            low = text.lower()
            low = low if len(low) == len(text) else None
        latin1 = is_latin1(text)  # and so is its lower-case form
        runs = _NUMBER_RUN_LATIN1 if latin1 else _NUMBER_RUN
        # every stand-alone identifier but a page number lies in a run of digits (and up to four capitals
        # before it): the patterns run over the run, its letters and the character after it (for `\b`); a
        # lexicon's own patterns may reach further
        tail = 12 if self.read_dates else 1
        windows = [
            (max(0, start - 5), min(len(text), end + tail))
            for start, end, run in ((c.start(), c.end(), c.group()) for c in runs.finditer(text))
            if (self.read_dates or not _DATE_RUN.fullmatch(run)) and len(_DIGIT.findall(run)) >= 5
        ]
        pages = [c.start() for c in _PAGE.finditer(text)] if low is None else _all(low, "page")
        windows += [(max(0, at - 5), min(len(text), at + 16)) for at in pages]
        spans = [m.span() for start, end in windows for m in self.standalone.finditer(text, start, end)]
        if "@" in text:
            spans += [m.span() for m in _EMAIL.finditer(text)]
        for m in self.labelled.finditer(text, low or text.lower()):
            start, label = m.start("w"), m.group("label").lower()
            field = self.is_field.get(label)
            if field is None:  # a run of blanks inside the label
                field = self.is_field.get(phrase_key(label), False)
            if field:
                if not m.group("colon") and not _VALUE_START.match(text, m.end()):
                    continue  # "the patient reports ...", "by phone." are prose, not a field
                end = m.end()
            elif not text[start].isupper():
                continue  # "suspicion clinique", "le service de neurochirurgie" are prose
            else:
                # (the name's words are one blank apart on one line: the search starts after a run of blanks or a line end)
                blanks = text.rfind("  ", 0, start)
                lo = max(start - MAX_VALUE, blanks + 2 if blanks >= 0 else 0, text.rfind("\n", 0, start) + 1)
                before = _NAME_BEFORE.search(text, lo, start)
                start, end = before.start() if before else start, m.end("label")
            spans.append((start, self._value_end(text, low, end, latin1)))
        return merge(spans)

    def __call__(self, doc: Doc) -> Doc:
        set_ext(doc, "gc_admin", self.find(text_of(doc), lower_of(doc)))
        return doc


@Language.factory("glioma_admin", default_config={"lexicon_dir": ""}, assigns=[ADMIN])
def make_admin(nlp: Language, name: str, lexicon_dir: str) -> AdminFinder:
    """Administrative headers and footers (names, dates of birth, record numbers, signatures, pages)."""
    return AdminFinder(lexicon_of(nlp, lexicon_dir))
