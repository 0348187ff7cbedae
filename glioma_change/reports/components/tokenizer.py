"""A tokenizer wrapper that keeps the input text on the Doc."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from spacy.tokens import Doc

from glioma_change.reports.components.extensions import TEXT, set_ext


class TextKeepingTokenizer:
    """Wraps a spaCy tokenizer and keeps the input text on the Doc (`doc._.gc_text`): `Doc.text` is
    rebuilt token by token in Python on every access, which cost as much as all the rules together."""

    assigns = TEXT

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        set_ext(doc, "gc_text", text)
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)
