"""`glioma_terms`: every lexicon category (targets, cues, ConText modifiers, clause boundaries) matched
with a `PhraseMatcher`, a `Matcher` (token patterns that are more than lower-case words) and the
lexicon's `regex_terms` (years, numbers of years); where matches overlap the longest wins. Only the terms of the findings and conclusion are kept
(`doc._.gc_labelled`); nothing else reaches the evidence."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from glioma_change.reports.components.extensions import (
    LABELLED,
    TERMS,
    BatchComponent,
    ext,
    lexicon_of,
    lower_of,
    set_ext,
    text_of,
)
from glioma_change.reports.components.phrases import is_latin1, latin1_class, leading_literals, literal_trie
from glioma_change.reports.lexicon import CATEGORIES, CUES, Lexicon, variants


def _pattern_values(token: dict[str, Any]) -> list[str] | None:
    """The lower-cased forms a single-token pattern accepts, or None when it needs the `Matcher`."""
    lower = token.get("LOWER")
    if set(token) != {"LOWER"}:
        return None
    if isinstance(lower, str):
        return sorted(variants(lower))
    if isinstance(lower, dict) and set(lower) == {"IN"}:
        return sorted({f for v in lower["IN"] for f in variants(v)})
    return None


def _as_phrases(pattern: list[dict[str, Any]]) -> list[str] | None:
    """Expand a pattern made only of `LOWER` / `LOWER: {IN: [...]}` tokens into the phrases it matches."""
    phrases = [""]
    for token in pattern:
        values = _pattern_values(token)
        if values is None or len(phrases) * len(values) > 5000:
            return None
        phrases = [f"{p} {v}".strip() for p in phrases for v in values]
    return phrases


_NON_WORD = latin1_class(r"\W")  # the non-word characters of Latin-1, as a bitmap class


def _after_boundary(pattern: str) -> str:
    """A regex term without its leading `\\b`, for a scan that stands at a word's first character after a non-word
    one (where `\\b` holds)."""
    return pattern[2:] if pattern.startswith("\\b") else pattern


def _alternation(terms: dict[str, list[str]], term: Callable[[str], str] = str) -> str:
    """The regex terms as one alternation, a group named by each label (each term through `term`); "" without any."""
    return "|".join(f"(?P<{label}>{'|'.join(term(r) for r in rx)})" for label, rx in terms.items() if rx)


_ELISION_GAP = re.compile(r"(['\u2019])\s+")


def _phrase_doc(nlp: Language, phrase: str) -> Doc:
    """A lexicon phrase tokenised as it is inside a text: an elided word keeps its apostrophe ("pas d'",
    "n' est plus" → `d'`, `n'` as in "pas d'évolution", "n'est plus"), which it loses when the phrase is
    tokenised alone."""
    text = _ELISION_GAP.sub(r"\1", phrase)
    if text.endswith(("'", "\u2019")):
        words = [t.text for t in nlp.tokenizer(text + "x")][:-1]
    else:
        words = [t.text for t in nlp.tokenizer(text)]
    return Doc(nlp.vocab, words=words)


class TermMatcher(BatchComponent):
    """Matches every lexicon category; stores non-overlapping `(start, end, label)` in `doc._.gc_terms`.

    Phrases and token patterns that only constrain `LOWER` go to one `PhraseMatcher` (fast); other
    token patterns go to a `Matcher`.
    """

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.patterns = Matcher(nlp.vocab)
        self.labels: dict[int, str] = {}
        longest = 1  # tokens of the longest phrase or pattern (unbounded for a pattern with an operator)
        forms: dict[str, set[str]] = {label: set() for label in CATEGORIES}
        for label in CATEGORIES:
            forms[label].update(f for phrase in lexicon.terms[label] for f in variants(phrase))
        for entry in lexicon.patterns:
            label, expanded = entry["label"], _as_phrases(entry["pattern"])
            if expanded is None:
                self.patterns.add(label, [entry["pattern"]])
                bounded = not any("OP" in token for token in entry["pattern"])
                longest = max(longest, len(entry["pattern"]) if bounded else 1 << 20)
                self.labels[nlp.vocab.strings[label]] = label
            else:
                forms[label].update(expanded)
        for label, phrases in forms.items():
            if phrases:
                docs = [_phrase_doc(nlp, phrase) for phrase in sorted(phrases)]
                longest = max(longest, *(len(d) for d in docs))
                self.phrases.add(label, docs)
                self.labels[nlp.vocab.strings[label]] = label
        self.use_matcher = len(self.patterns) > 0
        groups = _alternation(lexicon.regex_terms)
        # a regex term starts at a word (`\\b` and a letter): the scan starts at the non-word character before it,
        # a class the regex engine skips to in C (a bitmap on Latin-1 text), and the terms' leading `\\b`, always
        # true there, is dropped (a branch that starts with a letter is skipped on one comparison); a pattern
        # written in lower case runs without `re.I` over the lower-cased text (case-folding literals is the cost)
        body = "(?=\\w)(?:" + groups + ")"
        self.regex = re.compile(body, re.I) if groups else None
        plain = re.sub(r"\(\?P<\w+>", "(", body)  # the group names are labels, in capitals
        lower = plain == plain.lower()
        scan = "(?=\\w)(?:" + _alternation(lexicon.regex_terms, _after_boundary) + ")"
        # where the terms' literal beginnings are known ("since", "from" ...), a look-ahead of them gives up most
        # positions on one comparison before the alternatives are tried (≈ 40 % of the scan of an English report)
        leading = leading_literals(scan) if groups else None
        scan = f"(?={literal_trie(leading)}){scan}" if leading else scan
        flags = 0 if lower else re.I
        self.regex_latin1 = re.compile(f"(?-i:{_NON_WORD})" + scan, flags) if groups else None
        self.regex_word = re.compile(r"(?-i:\W)" + scan, flags) if groups else None
        self.scan_lower = lower
        # matching reaches this far around the findings and conclusion, so that a term straddling their
        # edge, or overlapping one that does, is resolved as over the whole report
        self.margin = 2 * longest
        self.months = frozenset(f for m in lexicon.dates.get("months", {}) for f in variants(m))

    def _regex_terms(self, text: str, low: str | None, lo: int, hi: int) -> Iterator[tuple[int, int, str]]:
        """`(start, end, label)` of the matches of `self.regex.finditer(text, lo, hi)` (label: their group;
        `low`: the lower-cased text, when as long)."""
        assert self.regex is not None and self.regex_latin1 is not None and self.regex_word is not None
        if self.scan_lower and low is None:
            yield from ((m.start(), m.end(), m.lastgroup or "") for m in self.regex.finditer(text, lo, hi))
            return
        scan = self.regex_latin1 if is_latin1(text) else self.regex_word
        scanned = low if self.scan_lower and low is not None else text
        m = self.regex.match(text, lo, hi) or scan.search(scanned, lo, hi)
        while m is not None:
            label = m.lastgroup or ""
            start, end = m.span(label) if label else m.span()
            yield start, end, label
            m = scan.search(scanned, max(end, start + 1) - 1, hi)  # its last character may start the next

    def _in_date(self, doc: Doc, start: int, end: int, label: str) -> bool:
        """Whether a one-word uncertainty term is a month of a date ("20 May 2020" is not the modal *may*)."""
        if label != "UNCERTAIN" or end - start != 1 or doc[start].lower_ not in self.months:
            return False
        return (start > 0 and doc[start - 1].like_num) or (end < len(doc) and doc[end].like_num)

    def _matches(self, doc: Doc, lo: int, hi: int) -> set[tuple[int, int, str]]:
        """Every match within the tokens `[lo, hi)`, overlapping ones included."""
        window = doc[lo:hi]
        found = {(s, e, self.labels[m]) for m, s, e in self.phrases(window)}
        if self.use_matcher:
            found.update((lo + s, lo + e, self.labels[m]) for m, s, e in self.patterns(window))
        if self.regex is not None:
            text = text_of(doc)
            ends = doc[lo].idx, doc[hi].idx if hi < len(doc) else len(text)
            for start, end, label in self._regex_terms(text, lower_of(doc), *ends):
                span = doc.char_span(start, end, alignment_mode="expand")
                if span is not None and label:
                    found.add((span.start, span.end, label))
        return found

    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        # a term starts at a word: spans of white space alone (between header fields) start none
        spans = [(start, end) for start, end, lo, hi in ext(doc, "gc_labelled") if not text[lo:hi].isspace()]
        windows: list[tuple[int, int]] = []
        for start, end in spans:
            lo, hi = max(0, start - self.margin), min(len(doc), end + self.margin)
            if windows and lo <= windows[-1][1]:
                windows[-1] = (windows[-1][0], hi)
            else:
                windows.append((lo, hi))
        found: set[tuple[int, int, str]] = set()
        for lo, hi in windows:
            found |= self._matches(doc, lo, hi)
        inside = bytearray(len(doc))  # 1 for the tokens of the findings and conclusion
        for start, end in spans:
            inside[start:end] = b"\x01" * (end - start)
        kept: list[tuple[int, int, str]] = []
        taken: dict[int, tuple[int, int]] = {}
        # longest first; most terms are one word, and a one-word term is kept unless a longer one holds its word; a
        # term outside the findings and conclusion takes its words but is not kept
        for _, s, e, label in sorted([(s - e, s, e, label) for s, e, label in found if e - s > 1]):
            span = (s, e)
            owners = {taken.get(i) for i in range(s, e)}
            if owners == {None} or owners == {span}:
                if inside[s]:
                    kept.append((s, e, label))
                for i in range(s, e):
                    taken[i] = span
        kept += [
            t
            for t in found
            if t[1] - t[0] == 1
            and inside[t[0]]
            and t[0] not in taken
            and not (t[2] == "UNCERTAIN" and self._in_date(doc, *t))
        ]
        if any(q in text for q in QUOTES):  # a cue quoted as a word is a mention: 'The "FLAIR: increased" entry'
            kept = [t for t in kept if t[2] not in CUES or not _quoted(doc, t[0], t[1])]
        set_ext(doc, "gc_terms", _field_values(doc, sorted(kept)))
        return doc


_NEGATIONS = ("NEGATION", "NEGATION_POST")
QUOTES = frozenset({'"', "\u201c", "\u201d", "\u00ab", "\u00bb"})
MENTION = 4  # tokens of a quotation around a cue that make it a mention, not a statement


def _quoted(doc: Doc, start: int, end: int) -> bool:
    """Whether the term `doc[start:end]` stands inside a short quotation (a quotation mark at most `MENTION` tokens
    before it and after it, on its line): the word is mentioned, not used ('the "new lesion" flag', 'l'item « en
    progression »')."""
    before = next((i for i in range(start - 1, max(-1, start - 1 - MENTION), -1) if doc[i].text in QUOTES), None)
    after = next((i for i in range(end, min(len(doc), end + MENTION)) if doc[i].text in QUOTES), None)
    if before is None or after is None:
        return False
    return not any("\n" in doc[i].text for i in range(before, after))


def _field_values(doc: Doc, terms: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """`terms` (sorted) with the negation that alone answers a template field ("Nouvelle lésion : non",
    "New enhancement: none", "Nouvelle lésion   non" once a flattening export dropped the colon) made a
    post-negation of the field, and the field's colon no boundary: the negation answers the field when it
    follows the colon or a run of spaces and punctuation, a line break, a run of spaces or the end follows it."""

    def answers(end: int) -> bool:  # whether what follows a negation ending at token `end` ends the field
        return end >= len(doc) or doc[end].is_space or doc[end].is_punct

    out: list[tuple[int, int, str]] = []
    answered = False  # the previous term was the colon of a field answered by a negation
    for i, (s, e, label) in enumerate(terms):
        if label == "TERMINATE" and e - s == 1 and i + 1 < len(terms) and doc[s].text == ":":
            ns, ne, nlabel = terms[i + 1]
            if ns == e and nlabel in _NEGATIONS and answers(ne):
                answered = True
                continue
        spaced = label == "NEGATION" and s > 0 and doc[s - 1].is_space and answers(e)
        out.append((s, e, "NEGATION_POST" if answered or spaced else label))
        answered = False
    return out


@Language.factory("glioma_terms", default_config={"lexicon_dir": ""}, assigns=[TERMS], requires=[LABELLED])
def make_terms(nlp: Language, name: str, lexicon_dir: str) -> TermMatcher:
    """Targets, change/stability cues, ConText modifiers and clause boundaries from `nlp/<lang>/`."""
    return TermMatcher(nlp, lexicon_of(nlp, lexicon_dir))
