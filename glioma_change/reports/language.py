"""Per-report language detection by stop-word counts over the lexicons' `stopwords` lists."""

from __future__ import annotations

import re
from collections.abc import Sequence

from glioma_change.reports.lexicon import available_languages, load_lexicon

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019])?", re.UNICODE)


def detect_language(text: str, languages: Sequence[str] | None = None, lexicon_dir: str = "") -> str:
    """The language whose stop-words occur most often in `text` (ties go to the first language)."""
    candidates = list(languages or available_languages(lexicon_dir or None))
    words = _WORD.findall(text.lower())
    best, best_count = candidates[0], -1
    for language in candidates:
        stopwords = load_lexicon(language, lexicon_dir or None).stopwords
        count = sum(1 for w in words if w in stopwords)
        if count > best_count:
            best, best_count = language, count
    return best
