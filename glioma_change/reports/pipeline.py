"""Build the rule pipeline (a blank spaCy language plus the `glioma_*` components) and apply it in batches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.language import Language

from glioma_change.progress import progress
from glioma_change.reports import components  # also registers the spaCy factories
from glioma_change.reports.lexicon import load_lexicon
from glioma_change.reports.scoring import RuleScores, score

BATCH_SIZE = 256


@lru_cache(maxsize=None)
def build_nlp(language: str, lexicon_dir: str = "") -> Language:
    """A blank `language` pipeline with section, sentence, term, measurement and context components."""
    load_lexicon(language, lexicon_dir or None)  # fail early with a clear message
    nlp = spacy.blank(language)
    nlp.tokenizer = components.TextKeepingTokenizer(nlp.tokenizer)
    config = {"lexicon_dir": lexicon_dir}
    nlp.add_pipe("glioma_sentences")
    nlp.add_pipe("glioma_sections", config=config)
    nlp.add_pipe("glioma_terms", config=config)
    nlp.add_pipe("glioma_measurements", config=config)
    nlp.add_pipe("glioma_context", config=config)
    return nlp


@dataclass(frozen=True)
class RuleResult:
    """Rule scores of one report and its lower-cased spaCy tokens (for the trained classifier)."""

    scores: RuleScores
    tokens: str


def apply_rules(
    texts: Sequence[str], languages: Sequence[str], lexicon_dir: str = "", keep_tokens: bool = False
) -> list[RuleResult]:
    """Run the rule pipeline of each report's language over `texts` (same order as given)."""
    results: list[RuleResult | None] = [None] * len(texts)
    for language in sorted(set(languages)):
        nlp = build_nlp(language, lexicon_dir)
        rules = load_lexicon(language, lexicon_dir or None).rules
        index = [i for i, lang in enumerate(languages) if lang == language]
        docs = nlp.pipe((texts[i] for i in index), batch_size=BATCH_SIZE)
        for i, doc in progress(zip(index, docs), desc=f"rules ({language})", total=len(index), unit="report"):
            tokens = " ".join(t.lower_ for t in doc if not t.is_space) if keep_tokens else ""
            results[i] = RuleResult(score(doc._.gc_evidence, rules), tokens)
    return [r for r in results if r is not None]
