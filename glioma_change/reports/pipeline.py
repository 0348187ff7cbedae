"""Build the rule pipeline (a blank spaCy language plus the `glioma_*` components) and apply it in batches."""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import spacy
from spacy.attrs import IS_PUNCT, IS_SPACE, LANG, LIKE_NUM, LOWER, NORM
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

from glioma_change.progress import progress
from glioma_change.reports.components import PIPELINE, SECTIONS, TextKeepingTokenizer  # registers the factories
from glioma_change.reports.components.extensions import ext, set_ext
from glioma_change.reports.components.tokenizer import Dictation, lexicon_words
from glioma_change.reports.lexicon import load_lexicon
from glioma_change.reports.scoring import RuleScores, score

BATCH_SIZE = 256
# Chunks (white-space-delimited strings) whose tokens spaCy's tokenizer keeps. Its default, 10,000, is full
# after a few hundred real reports (dates, numbers, names and words with punctuation attached are each a
# chunk) and nothing is cached after that: every later report is tokenised uncached, five to ten times
# slower (≈ 20 µs a chunk for the French affix and token-match rules). A million chunks cost ≈ 50 MB at most.
TOKENIZER_CACHE = 1_000_000
# The lexical attributes the rules and the classifier's content words read (`lower_`, `is_punct`, `is_space`,
# `like_num`; `norm` and `lang` as spaCy sets them). spaCy computes some twenty for every word it meets for the
# first time (shape, stop word, prefix, suffix ... in Python, ≈ 15 µs a word), and an export never stops
# bringing new ones (dates, record numbers, names): the others are left unset (False, empty) on these docs.
LEXEME_ATTRIBUTES = frozenset({LOWER, NORM, IS_SPACE, IS_PUNCT, LIKE_NUM, LANG})


@cache
def build_nlp(language: str, lexicon_dir: str = "") -> Language:
    """A blank `language` pipeline with the admin, section, sentence, term, measurement and context components."""
    lexicon = load_lexicon(language, lexicon_dir or None)  # fail early with a clear message
    nlp = spacy.blank(language)
    vocab: Any = nlp.vocab  # spaCy's type stub lacks `lex_attr_getters`
    vocab.lex_attr_getters = {k: v for k, v in vocab.lex_attr_getters.items() if k in LEXEME_ATTRIBUTES}  # its own
    tokenizer = nlp.tokenizer
    assert isinstance(tokenizer, Tokenizer)
    _faster_special_cases(tokenizer)
    tokenizer.max_cache_size = TOKENIZER_CACHE
    nlp.tokenizer = TextKeepingTokenizer(tokenizer, lexicon_words(lexicon), Dictation(lexicon.dictation))
    for name in PIPELINE:
        nlp.add_pipe(name, config={} if name == "glioma_sentences" else {"lexicon_dir": lexicon_dir})
    return nlp


_LETTER = re.compile(r"[^\W\d_]")


def _faster_special_cases(tokenizer: Tokenizer) -> None:
    """The tokenizer's special cases, rearranged for speed. Once a special case is hit, spaCy caches no
    further word of that text (and runs its special-case matcher over the whole doc), so one "n°",
    "rendez-vous" or "M." tokenised a report word by word, three times slower. Only the special cases that
    split a word ("don't", "a-t-il") are kept:

    * those for white space (" ", "\t", "\n", "\xa0") map it to itself, but every run of two spaces went
      through the special-case matcher and a retokenisation; without them every token is the same (no-break
      spaces are plain ones by then);
    * a word kept whole ("M.", "Dr.", "n°", "rendez-vous") is kept whole by `token_match` instead (the same
      token; its norm, which no rule reads, is the word itself). One difference: after an opening
      bracket, "(Dr." splits as "(", "Dr", ".";
    * emoticons and quotes (":)", "):", "8)", "''") are dropped: the punctuation rules split them as they
      split any punctuation ("(FLAIR):" ends in ")", ":" as "(FLAIR)." ends in ")", ".").
    """
    rules = {k: v for k, v in (tokenizer.rules or {}).items() if not k.isspace()}
    whole = {k for k, v in rules.items() if len(v) == 1 and v[0].get(ORTH) == k}
    tokenizer.rules = {k: v for k, v in rules.items() if k not in whole}
    words = sorted(k for k in whole if _LETTER.search(k))
    if words:
        kept = re.compile("|".join(re.escape(k) for k in words))
        before = tokenizer.token_match
        tokenizer.token_match = (lambda s: before(s) or kept.fullmatch(s)) if before else kept.fullmatch


def content_tokens(doc: Doc) -> str:
    """The lower-cased words of the report for the trained classifier: findings and conclusion words as
    they are, words of ignored clinical sections (indication, technique ...) prefixed `i:`; never an
    administrative span, a token holding a digit (dates, record numbers) or punctuation."""
    bounds = ext(doc, "gc_sections") or [(0, "findings")]
    starts = [s for s, _ in bounds]
    words = []
    for token in doc:
        if token.is_space or token.is_punct or any(c.isdigit() for c in token.text):
            continue
        kind = bounds[bisect_right(starts, token.i) - 1][1]
        if kind in SECTIONS:
            words.append(token.lower_)
        elif kind == "ignore":
            words.append("i:" + token.lower_)
    return " ".join(words)


def _dated_doc(
    nlp: Language,
    text: str,
    dates: Sequence[dt.date | None] | None,
    exams: Sequence[dt.date | None] | None,
    i: int,
) -> Doc:
    """The tokenised report, with its comparative exam's date when known (`doc._.gc_comparative`) and the days
    from it to the exam when both dates are (`doc._.gc_interval`)."""
    doc = nlp.make_doc(text)
    comparative = dates[i] if dates is not None else None
    if comparative is not None:
        set_ext(doc, "gc_comparative", comparative)
        exam = exams[i] if exams is not None else None
        if exam is not None:
            set_ext(doc, "gc_interval", (exam - comparative).days)
    return doc


@dataclass(frozen=True)
class RuleResult:
    """Rule scores of one report and its content words (for the trained classifier)."""

    scores: RuleScores
    tokens: str


def apply_rules(
    texts: Sequence[str],
    languages: Sequence[str],
    lexicon_dir: str = "",
    keep_tokens: bool = False,
    comparative_dates: Sequence[dt.date | None] | None = None,
    exam_dates: Sequence[dt.date | None] | None = None,
) -> list[RuleResult]:
    """Run the rule pipeline of each report's language over `texts` (same order as given). With the
    comparative exams' dates, a sentence that compares only with older exams ("par rapport au 06/01/2019"
    when the comparative exam is of 2020) gives no change evidence; with the exams' dates too, a change "over
    the past year" is one since the comparative exam when that exam is about a year old."""
    results: list[RuleResult | None] = [None] * len(texts)
    for language in sorted(set(languages)):
        nlp = build_nlp(language, lexicon_dir)
        rules = load_lexicon(language, lexicon_dir or None).rules
        index = [i for i, lang in enumerate(languages) if lang == language]
        docs = nlp.pipe(
            (_dated_doc(nlp, texts[i], comparative_dates, exam_dates, i) for i in index), batch_size=BATCH_SIZE
        )
        for i, doc in progress(zip(index, docs), desc=f"rules ({language})", total=len(index), unit="report"):
            tokens = content_tokens(doc) if keep_tokens else ""
            results[i] = RuleResult(score(ext(doc, "gc_evidence"), rules), tokens)
    return [r for r in results if r is not None]
