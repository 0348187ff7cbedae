"""`glioma_sentences`: sentence starts (sentence ends, line breaks, lost line breaks, section bounds)."""

from __future__ import annotations

import re

import numpy as np
from spacy.attrs import IDX
from spacy.language import Language
from spacy.tokens import Doc

from glioma_change.reports.components.extensions import (
    LABELLED,
    SECTION_BOUNDS,
    SENTENCES,
    BatchComponent,
    ext,
    set_ext,
    text_of,
)

_SENTENCE_BREAK = re.compile(
    # `[.!?]+["')\]]*[ \t]+(?=\S)|\n\s*(?=\S)(?![a-z])|[ \t]{2,}(?=[^\W\d_])(?=[^a-z\u00df-\u00ff])|[ \t]{2,}(?=[-•▪*][ \t])` (the
    # last: a bullet of a flattened list), written to start with
    # one character class, which the regex engine skips to in C (an alternation is tried at every position), the
    # two runs of blanks as one
    r"[.!?\n \t](?:(?<=[.!?])[.!?]*[\"')\]]*[ \t]+(?=\S)|(?<=\n)\s*(?=\S)(?![a-z\u00df-\u00ff])"
    r"|(?<=[ \t])[ \t]+(?:(?=[^\W\d_])(?=[^a-z\u00df-\u00ff])|(?=[\-\u2022\u25aa*][ \t])))"
)


class SentenceSplitter(BatchComponent):
    """Sentence starts after `.!?` + space, at line breaks (not before a lower-case letter: a line wrapped by
    a PDF export goes on), at a run of two spaces before a capital (a line
    break lost by a flattening export) and at section bounds (`glioma_sections`), found by one regex scan
    (spaCy's `sentencizer` walks the tokens in Python and cost more than all the rules together); the
    start tokens go to `doc._.gc_sentences`, read by the context rules (the tokens' own `is_sent_start`
    is left unset: nothing reads it, and writing it cost a tenth of the tokenisation). Breaks are looked for in the findings and conclusion only
    (`doc._.gc_labelled`): every other section is one sentence, read by no rule."""

    def __call__(self, doc: Doc) -> Doc:
        text = text_of(doc)
        if not len(doc):
            set_ext(doc, "gc_sentences", [])
            return doc
        starts_char = [
            m.end() for _, _, lo, hi in ext(doc, "gc_labelled") for m in _SENTENCE_BREAK.finditer(text, lo, hi)
        ]
        offsets = ext(doc, "gc_offsets")
        if starts_char and offsets is None:
            offsets = doc.to_array(IDX).astype(np.int64)
        size = len(doc)
        token_starts = np.searchsorted(offsets, starts_char).tolist() if starts_char else []
        sections = [t for t, _ in ext(doc, "gc_sections") or []]
        set_ext(doc, "gc_sentences", sorted({0, *sections, *(t for t in token_starts if t < size)}))
        return doc


@Language.factory("glioma_sentences", assigns=[SENTENCES], requires=[SECTION_BOUNDS, LABELLED])
def make_sentences(nlp: Language, name: str) -> SentenceSplitter:
    """Sentence splitting at `.!?` followed by a space and at line breaks."""
    return SentenceSplitter()
