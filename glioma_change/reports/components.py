"""spaCy pipeline components for report mining, registered by name and driven by the `nlp/` lexicons.

Order in the pipeline (see `pipeline.build_nlp`)::

    glioma_sentences → glioma_sections → glioma_terms → glioma_measurements → glioma_context

* `glioma_sentences` splits sentences at `.!?` followed by a space and at line breaks (vectorised:
  spaCy's `sentencizer` walks the tokens in Python and cost more than all the rules together).
* `glioma_sections` finds section headings at sentence starts (findings / conclusion / ignored
  sections such as the indication or technique).
* `glioma_terms` matches targets (T2/FLAIR, enhancement, other tumour signs, generic tumour words,
  unrelated findings), change and stability cues, ConText modifiers and clause boundaries with a
  `PhraseMatcher` and a `Matcher`; where matches overlap the longest wins.
* `glioma_measurements` reads "32 x 25 mm, previously 28 x 22 mm"-style comparisons.
* `glioma_context` applies the modifiers within their scopes, links each cue to its targets (its clause,
  widened over coordinated targets; `LOCATION` targets only as a last resort), drops change cues of
  sentences that compare with an older exam (`OLDER_EXAM`) and sums the evidence into
  `doc._.gc_evidence` (see `EVIDENCE_INDEX`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from bisect import bisect_left, bisect_right
from typing import Any

import numpy as np
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from glioma_change.reports.lexicon import (
    CATEGORIES,
    CUES,
    TARGETS,
    Lexicon,
    load_lexicon,
    variants,
)

SECTIONS = ("findings", "conclusion")
CLASSES = ("T2", "ENH", "GLOBAL", "TUMOUR")
SPECIFIC = frozenset({"T2", "ENH", "GLOBAL"})
POLARITIES = ("change", "stable")
EVIDENCE_INDEX = {
    (s, c, p): i
    for i, (s, c, p) in enumerate((s, c, p) for s in SECTIONS for c in CLASSES for p in POLARITIES)
}
FORWARD = {"NEGATION", "UNCERTAIN", "DEGREE", "HISTORICAL", "HYPOTHETICAL"}
MODIFIER_KIND = {
    "NEGATION": "negated", "NEGATION_POST": "negated", "UNCERTAIN": "uncertain",
    "UNCERTAIN_POST": "uncertain", "DEGREE": "degree", "HISTORICAL": "historical", "HYPOTHETICAL": "hypothetical",
}

for _name in ("gc_text", "gc_sentences", "gc_sections", "gc_terms", "gc_measures", "gc_evidence"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


def _lexicon(nlp: Language, lexicon_dir: str) -> Lexicon:
    return load_lexicon(nlp.lang, lexicon_dir or None)


# --------------------------------------------------------------------------- sentences
_SENTENCE_BREAK = re.compile(r"(?:[.!?]+[\"')\]]*[ \t]+|[ \t]*(?:\r?\n)+\s*)(?=\S)")


class TextKeepingTokenizer:
    """Wraps a spaCy tokenizer and keeps the input text on the Doc (`doc._.gc_text`): `Doc.text` is
    rebuilt token by token in Python on every access, which cost as much as all the rules together."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        doc._.gc_text = text
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)


class SentenceSplitter:
    """Sentence starts after `.!?` + space and at line breaks, set in one vectorised call; the start
    tokens go to `doc._.gc_sentences`."""

    def __call__(self, doc: Doc) -> Doc:
        if doc._.gc_text is None:
            doc._.gc_text = doc.text
        text = doc._.gc_text
        if not len(doc):
            doc._.gc_sentences = []
            return doc
        starts_char = [m.end() for m in _SENTENCE_BREAK.finditer(text)]
        token_starts = np.searchsorted(doc.to_array(IDX).astype(np.int64), starts_char) if starts_char else []
        flags = np.full(len(doc), -1, dtype=np.int64)
        flags[0] = 1
        starts = sorted({0, *(int(t) for t in token_starts if t < len(doc))})
        flags[starts] = 1
        doc.from_array([SENT_START], flags.astype(np.uint64))
        doc._.gc_sentences = starts
        return doc


@Language.factory("glioma_sentences")
def make_sentences(nlp: Language, name: str) -> SentenceSplitter:
    """Sentence splitting at `.!?` followed by a space and at line breaks."""
    return SentenceSplitter()


# --------------------------------------------------------------------------- sections
class SectionDetector:
    """Finds headings at sentence starts; stores `[(token, kind), ...]` in `doc._.gc_sections`."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.kinds: dict[str, str] = {}
        for kind, headings in lexicon.sections.items():
            for heading in headings:
                for form in variants(heading):
                    self.kinds[form] = kind
        alternatives = "|".join(re.escape(h) for h in sorted(self.kinds, key=len, reverse=True))
        self.heading = re.compile(
            rf"[ \t]*(?P<h>{alternatives})[ \t]*(?::|\u2014|\u2013|-(?=\s)|$)", re.IGNORECASE | re.MULTILINE
        )
        self.line_end = re.compile(r"\n")

    def __call__(self, doc: Doc) -> Doc:
        text = doc._.gc_text
        starts = doc._.gc_sentences
        bounds: list[tuple[int, str]] = [(0, "findings")]
        current = "findings"
        for i, start in enumerate(starts):
            m = self.heading.match(text, doc[start].idx)
            if m is None:
                continue
            kind = self.kinds[m.group("h").lower()]
            if kind in SECTIONS:
                current = kind
                bounds.append((start, kind))
                continue
            bounds.append((start, "ignore"))
            end = starts[i + 1] if i + 1 < len(starts) else len(doc)
            if kind != "ignore_sentence":
                newline = self.line_end.search(text, m.end())
                after = doc.char_span(newline.end(), len(text), alignment_mode="expand") if newline else None
                end = after.start if after is not None else len(doc)
            if end < len(doc):
                bounds.append((end, current))
        bounds.sort(key=lambda b: b[0])
        doc._.gc_sections = bounds
        return doc


@Language.factory("glioma_sections", default_config={"lexicon_dir": ""})
def make_sections(nlp: Language, name: str, lexicon_dir: str) -> SectionDetector:
    """Section headings (findings, conclusion, ignored sections) from `nlp/<lang>/lexicon.json`."""
    return SectionDetector(_lexicon(nlp, lexicon_dir))


# --------------------------------------------------------------------------- terms
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


class TermMatcher:
    """Matches every lexicon category; stores non-overlapping `(start, end, label)` in `doc._.gc_terms`.

    Phrases and token patterns that only constrain `LOWER` go to one `PhraseMatcher` (fast); other
    token patterns go to a `Matcher`.
    """

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.patterns = Matcher(nlp.vocab)
        self.labels: dict[int, str] = {}
        forms: dict[str, set[str]] = {label: set() for label in CATEGORIES}
        for label in CATEGORIES:
            forms[label].update(f for phrase in lexicon.terms[label] for f in variants(phrase))
        for entry in lexicon.patterns:
            label, expanded = entry["label"], _as_phrases(entry["pattern"])
            if expanded is None:
                self.patterns.add(label, [entry["pattern"]])
                self.labels[nlp.vocab.strings[label]] = label
            else:
                forms[label].update(expanded)
        for label, phrases in forms.items():
            if phrases:
                self.phrases.add(label, [_phrase_doc(nlp, phrase) for phrase in sorted(phrases)])
                self.labels[nlp.vocab.strings[label]] = label
        self.use_matcher = len(self.patterns) > 0

    def __call__(self, doc: Doc) -> Doc:
        found = {(s, e, self.labels[m]) for m, s, e in self.phrases(doc)}
        if self.use_matcher:
            found.update((s, e, self.labels[m]) for m, s, e in self.patterns(doc))
        kept: list[tuple[int, int, str]] = []
        taken: dict[int, tuple[int, int]] = {}
        for s, e, label in sorted(found, key=lambda t: (t[0] - t[1], t[0])):
            owners = {taken.get(i) for i in range(s, e)}
            if owners == {None} or owners == {(s, e)}:
                kept.append((s, e, label))
                for i in range(s, e):
                    taken[i] = (s, e)
        kept.sort()
        doc._.gc_terms = kept
        return doc


@Language.factory("glioma_terms", default_config={"lexicon_dir": ""})
def make_terms(nlp: Language, name: str, lexicon_dir: str) -> TermMatcher:
    """Targets, change/stability cues, ConText modifiers and clause boundaries from `nlp/<lang>/`."""
    return TermMatcher(nlp, _lexicon(nlp, lexicon_dir))


# --------------------------------------------------------------------------- measurements
_NUM = r"\d+(?:[.,]\d+)?"
_SIZE = re.compile(rf"(?<![\w.,])({_NUM}(?:\s*[x\u00d7*]\s*{_NUM}){{0,2}})\s*(mm|cm)?(?!\w)", re.IGNORECASE)
_BREAK = re.compile(r"[;\n]|\.\s+[A-Z]")
MAX_GAP = 60


def _size_mm(dims: str, unit: str) -> list[float]:
    values = [float(v.replace(",", ".")) for v in re.split(r"\s*[x\u00d7*]\s*", dims)]
    return [v * 10.0 if unit.lower() == "cm" else v for v in values]


def _linear_size(values: list[float], n: int) -> float:
    """Geometric mean of the `n` largest diameters (a linear size comparable between two measurements)."""
    chosen = sorted(values, reverse=True)[:n]
    return math.exp(sum(math.log(max(v, 1e-6)) for v in chosen) / len(chosen))


class MeasurementReader:
    """Finds size comparisons and stores `(start, end, relative change)` in `doc._.gc_measures`.

    Two sizes close together (no sentence break between them) form a comparison when the text between
    them holds a "previous" word of the lexicon (`current …previously… previous`), or when they read
    `from PREVIOUS to CURRENT`. At least one of the two needs a unit (mm or cm).
    """

    def __init__(self, lexicon: Lexicon) -> None:
        words = sorted({f for w in lexicon.measurement.get("previous", []) for f in variants(w)}, key=len, reverse=True)
        self.previous = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.I) if words else None
        pairs = lexicon.measurement.get("from_to", [])
        self.from_to = [
            (re.compile(rf"(?<!\w){re.escape(start)}\s*$", re.I), re.compile(rf"^\s*{re.escape(end)}\s*$", re.I))
            for start, end in pairs
        ]

    def _relation(self, text: str, a: re.Match[str], b: re.Match[str]) -> int:
        """+1: a is current, b previous; −1: a previous, b current; 0: no comparison."""
        gap = text[a.end() : b.start()]
        if len(gap) > MAX_GAP or _BREAK.search(gap):
            return 0
        before = text[max(0, a.start() - 20) : a.start()]
        if any(start.search(before) and end.match(gap) for start, end in self.from_to):
            return -1
        if self.previous is not None and self.previous.search(gap):
            return 1
        return 0

    def __call__(self, doc: Doc) -> Doc:
        text = doc._.gc_text
        found: list[tuple[int, int, float]] = []
        sizes = list(_SIZE.finditer(text)) if ("mm" in text or "cm" in text) else []
        for a, b in zip(sizes, sizes[1:]):
            if not (a.group(2) or b.group(2)):
                continue
            relation = self._relation(text, a, b)
            if relation == 0:
                continue
            current, previous = (a, b) if relation > 0 else (b, a)
            unit_c = current.group(2) or previous.group(2)
            unit_p = previous.group(2) or current.group(2)
            now, before = _size_mm(current.group(1), unit_c), _size_mm(previous.group(1), unit_p)
            n = min(len(now), len(before))
            rel = _linear_size(now, n) / _linear_size(before, n) - 1.0
            span = doc.char_span(a.start(), b.end(), alignment_mode="expand")
            if span is not None:
                found.append((span.start, span.end, rel))
        doc._.gc_measures = found
        return doc


@Language.factory("glioma_measurements", default_config={"lexicon_dir": ""})
def make_measurements(nlp: Language, name: str, lexicon_dir: str) -> MeasurementReader:
    """Size comparisons ("32 x 25 mm, previously 28 x 22 mm", "contre", "versus", "from … to …")."""
    return MeasurementReader(_lexicon(nlp, lexicon_dir))


# --------------------------------------------------------------------------- context
class ContextLinker:
    """ConText-style modifiers with scopes, cue→target linking, evidence per section × class × polarity."""

    def __init__(self, lexicon: Lexicon) -> None:
        rules = lexicon.rules
        self.scopes: dict[str, int] = rules["scopes"]
        self.clause_bounded = set(rules.get("clause_bounded", []))
        self.link_window: int = rules["link_window"]
        self.weights: dict[str, float] = rules["weights"]
        self.change_rel: float = rules["measurement"]["change_rel"]
        self.stable_rel: float = rules["measurement"]["stable_rel"]

    def _modifiers(self, start: int, end: int, mods: list, terminators: list[int], clauses: list[int]) -> set[str]:
        """Kinds of the modifiers whose scope covers the token range [start, end).

        Forward modifiers (`FORWARD`) reach the next `scopes[label]` tokens, the others (`*_POST`) the
        previous ones; scopes stop at a `TERMINATE` term, or at any clause boundary for `clause_bounded`.
        """
        kinds = set()
        for ms, me, label in mods:
            if label in FORWARD:
                lo, hi, ok = me, start, me <= start and start - me < self.scopes[label]
            else:
                lo, hi, ok = end, ms, ms >= end and ms - end < self.scopes[label]
            if not ok:
                continue
            stops = clauses if label in self.clause_bounded else terminators
            i = bisect_left(stops, lo)
            if i < len(stops) and stops[i] < hi:
                continue
            kinds.add(MODIFIER_KIND[label])
        return kinds

    def _located(self, target: list, locations: list[tuple[int, int]], clauses: list[int]) -> bool:
        """Whether a `LOCATION` term shortly before the target makes it the place of a change."""
        for _, le in locations:
            if le <= target[0] < le + self.scopes["LOCATION"]:
                i = bisect_left(clauses, le)
                if not (i < len(clauses) and clauses[i] < target[0]):
                    return True
        return False

    def _clause(self, cs: int, ce: int, group: dict[str, Any]) -> tuple[int, int]:
        """Token bounds (exclusive) of the cue's clause, widened over coordinated targets without a cue of
        their own: "increased enhancement and FLAIR signal", "l'œdème et la prise de contraste ont diminué".

        To the right (the cue precedes its targets) the clause grows over `COORDINATE` boundaries whose
        clause holds targets, passing over target-free comma clauses; to the left (the cue follows its
        target) over one coordinated clause. Never across a `TERMINATE` term or another cue.
        """
        clauses, coords, stops = group["clauses"], group["coords"], group["terms"]
        cues, starts = group["cue_starts"], [t[0] for t in group["targets"]]
        i = bisect_right(clauses, cs - 1)
        lo = clauses[i - 1] if i > 0 else -1
        j = bisect_left(clauses, ce)
        hi = clauses[j] if j < len(clauses) else 1 << 30

        def holds(a: int, b: int, positions: list[int]) -> bool:
            k = bisect_right(positions, a)
            return k < len(positions) and positions[k] < b

        if not holds(lo, cs, starts):
            k = j
            while k < len(clauses) and k - j < 4 and clauses[k] not in stops:
                nxt = clauses[k + 1] if k + 1 < len(clauses) else 1 << 30
                if holds(clauses[k] - 1, nxt, cues):
                    break
                if holds(clauses[k], nxt, starts):
                    if clauses[k] not in coords:
                        break
                    hi = nxt
                k += 1
        elif i > 0 and lo in coords and lo not in stops:
            prev = clauses[i - 2] if i > 1 else -1
            if holds(prev, lo, starts) and not holds(prev, lo, cues):
                lo = prev
        return lo, hi

    def _link(self, cs: int, ce: int, negated: bool, group: dict[str, Any], check_next: bool) -> tuple[str, ...] | None:
        """Target classes a cue at [cs, ce) speaks about, or None when it concerns unrelated findings."""
        targets = group["targets"]
        lo, hi = self._clause(cs, ce, group)
        in_clause = [t for t in targets if lo < t[0] < hi]
        if check_next:
            following = [t for t in in_clause if ce <= t[0] <= ce + self.link_window]
            if following and following[0][2] == "UNRELATED":
                return None
        pool = in_clause or targets
        if not pool:
            return ("TUMOUR",)
        usable = [t for t in pool if t[2] != "UNRELATED" and (negated or not t[3])]
        if any(not t[4] for t in usable):
            usable = [t for t in usable if not t[4]]
        classes = {t[2] for t in usable}
        if not classes:
            return None
        if classes & SPECIFIC:
            classes -= {"TUMOUR"}
        return tuple(classes)

    def __call__(self, doc: Doc) -> Doc:
        evidence = [0.0] * len(EVIDENCE_INDEX)
        terms = doc._.gc_terms or []
        measures = doc._.gc_measures or []
        if not any(label in CUES for _, _, label in terms) and not measures:
            doc._.gc_evidence = evidence
            return doc
        sent_starts = doc._.gc_sentences
        sections = doc._.gc_sections or [(0, "findings")]
        sec_starts = [s for s, _ in sections]
        by_sentence: dict[int, dict[str, Any]] = {}

        def group_of(start: int) -> dict[str, Any]:
            sid = bisect_right(sent_starts, start) - 1
            if sid not in by_sentence:
                by_sentence[sid] = {
                    "cues": [], "targets": [], "mods": [], "terms": [], "clauses": [], "coords": set(),
                    "locations": [], "older": False, "cue_starts": [],
                }
            return by_sentence[sid]

        for s, e, label in terms:
            group = group_of(s)
            if label in CUES:
                group["cues"].append((s, e, label))
            elif label in TARGETS:
                group["targets"].append([s, e, label, False, False])
            elif label in ("TERMINATE", "CLAUSE", "COORDINATE"):
                group["clauses"].append(s)
                if label == "TERMINATE":
                    group["terms"].append(s)
                elif label == "COORDINATE":
                    group["coords"].add(s)
            elif label in MODIFIER_KIND:
                group["mods"].append((s, e, label))
            elif label == "LOCATION":
                group["locations"].append((s, e))
            elif label == "OLDER_EXAM":
                group["older"] = True
        for s, e, rel in measures:
            group_of(s)["cues"].append((s, e, rel))
        for group in by_sentence.values():
            if not group["cues"]:
                continue
            mods, stops, clauses, targets = group["mods"], group["terms"], group["clauses"], group["targets"]
            group["cue_starts"] = sorted(c[0] for c in group["cues"])  # terms and measurements interleave
            for target in targets:
                target[3] = "negated" in self._modifiers(target[0], target[1], mods, stops, clauses)
                target[4] = self._located(target, group["locations"], clauses)
            for cs, ce, label in group["cues"]:
                section = sections[bisect_right(sec_starts, cs) - 1][1]
                if section not in SECTIONS:
                    continue
                if isinstance(label, float):
                    polarity, weight = self._measure(label)
                    classes = self._link(cs, ce, False, group, check_next=False)
                else:
                    kinds = self._modifiers(cs, ce, mods, stops, clauses)
                    if "historical" in kinds or "hypothetical" in kinds:
                        continue
                    negated = "negated" in kinds
                    stable = (label == "STABLE") != negated
                    polarity = "stable" if stable else "change"
                    weight = self.weights["negated_stable"] if label == "STABLE" and negated else self.weights[label]
                    if "uncertain" in kinds:
                        weight *= self.weights["uncertain"]
                    elif "degree" in kinds:
                        weight *= self.weights["degree"]
                    classes = self._link(cs, ce, negated, group, check_next=True)
                if classes is None or weight == 0.0 or (group["older"] and polarity == "change"):
                    continue
                for cls in classes:
                    evidence[EVIDENCE_INDEX[(section, cls, polarity)]] += weight
        doc._.gc_evidence = evidence
        return doc

    def _measure(self, rel: float) -> tuple[str, float]:
        """Polarity and weight of a size comparison (relative change of the linear size)."""
        if abs(rel) >= self.change_rel:
            return "change", self.weights["measurement_change"]
        if abs(rel) <= self.stable_rel:
            return "stable", self.weights["measurement_stable"]
        return "change", self.weights["measurement_small_change"]


@Language.factory("glioma_context", default_config={"lexicon_dir": ""})
def make_context(nlp: Language, name: str, lexicon_dir: str) -> ContextLinker:
    """Negation, uncertainty, historical and hypothetical scopes; cue→target links; evidence sums."""
    return ContextLinker(_lexicon(nlp, lexicon_dir))

