"""What the report components share: the `Doc` extensions they talk through and the evidence layout.

Each component declares the extensions it `assigns` and `requires` in its factory, so
`nlp.analyze_pipes()` checks the pipeline order:

=======================  =====================================  ===================================
component                assigns                                requires
=======================  =====================================  ===================================
(tokenizer wrapper)      `doc._.gc_text`                        –
`lower_of` (first use)   `doc._.gc_lower`                       –
`glioma_admin`           `doc._.gc_admin`                       –
`glioma_sections`        `gc_sections`, `gc_labelled`, offsets  `gc_admin`
`glioma_sentences`       `doc._.gc_sentences`                   `gc_sections`
`glioma_terms`           `doc._.gc_terms`                       `gc_sections`
`glioma_measurements`    `doc._.gc_measures`                    `gc_sections`
`glioma_context`         `doc._.gc_evidence`                    sentences, sections, terms, measures
=======================  =====================================  ===================================

Only the findings and conclusion count for the labels: `doc._.gc_labelled` holds their token and
character ranges `(start, end, char_start, char_end)`, and sentences, terms and size comparisons are looked
for there alone (and as far beyond as a match can reach), never in ignored clinical sections nor in
administrative text.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from glioma_change.reports.lexicon import Lexicon, load_lexicon

SECTIONS = ("findings", "conclusion")
CLASSES = ("T2", "ENH", "GLOBAL", "TUMOUR")
SPECIFIC = frozenset({"T2", "ENH", "GLOBAL"})
POLARITIES = ("change", "stable")
EVIDENCE_INDEX = {
    (s, c, p): i for i, (s, c, p) in enumerate((s, c, p) for s in SECTIONS for c in CLASSES for p in POLARITIES)
}

TEXT = "doc._.gc_text"
COMPARATIVE = "doc._.gc_comparative"  # the comparative exam's date, when known (`pipeline.apply_rules`)
INTERVAL = "doc._.gc_interval"  # days from the comparative exam to this one, when both dates are known
LOWER = "doc._.gc_lower"  # the lower-cased text, read by the scans of several components (see `lower_of`)
SENTENCES = "doc._.gc_sentences"
ADMIN = "doc._.gc_admin"
SECTION_BOUNDS = "doc._.gc_sections"
LABELLED = "doc._.gc_labelled"
OFFSETS = "doc._.gc_offsets"  # the character offset of every token (int64 array), read once
TERMS = "doc._.gc_terms"
MEASURES = "doc._.gc_measures"
EVIDENCE = "doc._.gc_evidence"

for _attr in (
    TEXT,
    COMPARATIVE,
    INTERVAL,
    LOWER,
    SENTENCES,
    ADMIN,
    SECTION_BOUNDS,
    LABELLED,
    OFFSETS,
    TERMS,
    MEASURES,
    EVIDENCE,
):
    _name = _attr.rsplit(".", 1)[1]
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


class BatchComponent:
    """A component whose `pipe` runs it over a batch of docs before the next component starts (spaCy's
    default walks each doc through every component in turn, which evicts each one's regexes and tables
    from the CPU caches: a quarter slower on long reports). Subclasses define `__call__(doc)`."""

    def __call__(self, doc: Doc) -> Doc:
        raise NotImplementedError

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        """`self(doc)` for each doc, a batch of `batch_size` at a time."""
        for batch in minibatch(docs, size=batch_size):
            yield from [self(doc) for doc in batch]


def ext(doc: Doc, name: str) -> Any:
    """`doc._.<name>` (an extension with a `None` default), read where spaCy keeps it, `doc.user_data`: each
    `doc._` builds an accessor object (≈2 µs; a report is read some twenty-five times)."""
    return doc.user_data.get(("._.", name, None, None))  # type: ignore[call-overload]  # spaCy's keys are tuples


def set_ext(doc: Doc, name: str, value: Any) -> None:
    """`doc._.<name> = value`, written where spaCy keeps it (see `ext`)."""
    doc.user_data[("._.", name, None, None)] = value  # type: ignore[index]  # spaCy's keys are tuples


def lexicon_of(nlp: Language, lexicon_dir: str) -> Lexicon:
    """The lexicon of the pipeline's language (from `lexicon_dir` when given, else the shipped `nlp/`)."""
    return load_lexicon(nlp.lang, lexicon_dir or None)


def text_of(doc: Doc) -> str:
    """The input text kept by `TextKeepingTokenizer` (`Doc.text` is rebuilt token by token on each call)."""
    text = ext(doc, "gc_text")
    if text is None:
        text = doc.text
        set_ext(doc, "gc_text", text)
    return text


def lower_of(doc: Doc) -> str | None:
    """The lower-cased input text, computed once per doc for the components that scan it; None when
    lower-casing changes its length (rare letters such as `İ`), so that offsets would not carry over."""
    low = ext(doc, "gc_lower")
    if low is None:
        text = text_of(doc)
        low = text.lower()
        if len(low) != len(text):
            return None
        set_ext(doc, "gc_lower", low)
    return low


def any_within(positions: list[int], lo: int, hi: int) -> bool:
    """Whether one of the sorted token `positions` lies in `[lo, hi)` (a boundary, cue or target between two
    tokens)."""
    i = bisect_left(positions, lo)
    return i < len(positions) and positions[i] < hi


def labelled_spans(bounds: list[tuple[int, str]], length: int) -> list[tuple[int, int]]:
    """Token ranges `[start, end)` of the findings and conclusion sections of a doc of `length` tokens with
    section change points `bounds` (neighbouring sections merged)."""
    spans: list[tuple[int, int]] = []
    for (start, kind), (end, _) in zip(bounds, [*bounds[1:], (length, "")]):
        if kind not in SECTIONS or start >= end:
            continue
        if spans and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans
