"""The fast scans of the report components find exactly what their plain forms find, and the speed-ups
(batched components, matching in the findings and conclusion only) leave the evidence unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import spacy

from glioma_change.reports.components import admin, measurements, sections, sentences
from glioma_change.reports.components.extensions import ext, set_ext
from glioma_change.reports.components.phrases import (
    WordScanner,
    is_latin1,
    latin1_class,
    leading_literals,
    literal_trie,
    phrase_pattern,
)
from glioma_change.reports.components.tokenizer import plain_spaces, rejoin_hyphenated
from glioma_change.reports.lexicon import load_lexicon
from glioma_change.reports.pipeline import build_nlp
from glioma_change.seeding import rng
from glioma_change.synth.export import flatten, header_footer, invent_identity

DATA = Path(__file__).resolve().parents[1] / "data"
# invented snippets that probe the edges: text start, glued headings, underscores, tabs, letters whose
# lower case is longer (`İ`), accents, numbers, page and phone numbers, line breaks, flattened bullets
TEXTS = [
    "Findings: stable.",
    "concl.Findings   FLAIR stable_Impression  IMPRESSION:stable",
    "İZMIR Hospital   Patient: DOE Jane   Findings  stable.",
    "Résultats\tHypersignal stable.  CONCLUSION  Stabilité. résultats de la description",
    "Page 2/3  Tél. 01 45 67 89 12   page 1 sur 2 (555) 123-4567 +33 1 45 67 89 12 MRN 90048649",
    "Lesion 32 x 25 mm, previously 28 x 22 mm.\r\nNow 3,5 cm (before 30 mm); 12.5x10 mm vs 11 mm.",
    "Volume 24,3 cm3 contre 19,8 cm\u00b3 ; 42.6 cc versus 35.1 mL, 3 cm3x 2 ml3",
    "Impression(s) : progression.\n\n  Technique: T1, T2. Compared with 2019.   Next line  here",
    "",
    "  ",
    "Findings \u2014 stable (ÿ µ ² ½).\u00a0Conclusion\u2014progression 12 345 678 \u0663\u0664\u0665\u0666\u0667",
    "Comparaison IRM du 19/12/2023 Hypersignal stable, 2023-01-02 Abc 12/2023 X 1.12.2023 y 2023-01-02\tZ 9 2023  W",
    "Findings   Compared with 2022-10-14   - Larger FLAIR signal.  \u2022 New enhancement 3 mm  - 4 mm  *  note  -x",
]


def _texts() -> list[str]:
    out = list(TEXTS)
    for name in ("reports_en.csv", "reports_fr.csv"):
        df = pd.read_csv(DATA / name, dtype=str, keep_default_na=False)
        language = "fr" if "_fr" in name else "en"
        for i, text in enumerate(df.report_text[:40]):
            out.append(text)
            out.append(flatten(text, *header_footer(invent_identity(rng(3, name, i), language), language), gap="   "))
    return out


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_word_scanner_finds_what_a_case_insensitive_look_behind_finds(language: str) -> None:
    detector = build_nlp(language).get_pipe("glioma_sections")
    body = rf"{phrase_pattern(list(detector.kinds))}(?![^\W_])"
    scanner = WordScanner(body)
    plain = re.compile(rf"(?<![^\W_])(?P<w>{body})", re.I)
    for text in _texts():
        assert [m.span("w") for m in scanner.finditer(text)] == _spans(plain, text), text


@pytest.mark.parametrize(
    ("fast", "plain"),
    [
        (
            sentences._SENTENCE_BREAK,
            r"[.!?]+[\"')\]]*[ \t]+(?=\S)|\n\s*(?=\S)|[ \t]{2,}(?=[^\W\d_])(?=[^a-z\u00df-\u00ff])"
            r"|[ \t]{2,}(?=[\-\u2022\u25aa*][ \t])",
        ),
        (
            sections._SENTENCE_END,
            r"[.!?](?=\s)|\n|[ \t]{2,}(?=[^\W\d_])(?=[^a-z\u00df-\u00ff])"
            r"|(?<=\d[/.\-]\d\d[/.\-]\d{4})[ \t](?=[^\W\d_])(?=[^a-z\u00df-\u00ff])"
            r"|(?<=\d{4}-\d\d-\d\d)[ \t](?=[^\W\d_])(?=[^a-z\u00df-\u00ff])",
        ),
        (sections._LINE_END, r"\r?\n|[.!?][ \t]{2,}(?=[^\W\d_])(?=[^a-z\u00df-\u00ff])"),
        (re.compile(rf"[ \t\r\n|.;,](?:{admin._BREAK_AFTER})"), admin._VALUE_END.pattern),
        (admin._NUMBER_RUN, r"[+(]?\d[\d .\-()/]{3,}\d"),
    ],
)
def test_regexes_rewritten_to_start_with_a_character_class_match_their_plain_form(
    fast: re.Pattern[str], plain: str
) -> None:
    for text in _texts():
        assert _spans(fast, text) == _spans(re.compile(plain), text), text


@pytest.mark.parametrize(("char_class", "beyond"), [(r"[\W_]", "\u2014"), (r"[+(\d]", "\u0663")])
def test_latin1_classes_match_their_unicode_form_on_every_latin1_character(char_class: str, beyond: str) -> None:
    fast, plain = re.compile(latin1_class(char_class)), re.compile(char_class)
    for code in range(256):
        assert bool(fast.fullmatch(chr(code))) == bool(plain.fullmatch(chr(code))), code
    assert plain.fullmatch(beyond) and not fast.fullmatch(beyond)  # a dash, an Arabic-Indic 3: not Latin-1
    assert all(is_latin1(chr(code).lower()) for code in range(256))  # a Latin-1 text lower-cased stays Latin-1


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_field_value_ends_where_the_plain_case_insensitive_search_ends_it(language: str) -> None:
    finder = build_nlp(language).get_pipe("glioma_admin")
    checked = 0
    for text in [t for t in _texts() if len(t.lower()) == len(t)]:
        low = text.lower()
        for start in range(len(text)):
            plain = finder._value_end(text, None, start)  # one case-insensitive search with a look-behind
            for latin1 in (True, False) if is_latin1(text) else (False,):
                assert finder._value_end(text, low, start, latin1) == plain, (text, start)
                checked += 1
    assert checked > 10_000


def test_leading_literals_read_the_beginnings_of_a_pattern() -> None:
    assert leading_literals(r"\b(?:since|from)[ \t]+(?:19|20)\d\d\b") == ["from", "since"]
    assert leading_literals(r"(?:(?:partial|complete)[ \t]+)?respons") == ["complete", "partial", "respons"]
    assert leading_literals(r"r[ée]ponses?|qu['’][ \t]?en") == sorted(
        ["reponse", "réponse", "qu'en", "qu' en", "qu'\ten", "qu’en", "qu’ en", "qu’\ten"]
    )
    assert leading_literals(r"(?=\w)(?:in|into)\b") == ["in"]
    assert leading_literals(r"(?:since|from|s[ée]ance)\d", depth=1) == [
        "f",
        "s",
    ]  # the first characters  # a beginning that another begins with is enough
    for unbounded in (r"\d+ years", r"(?:the )?\w+", r"(?i:since)", r"x|(?:y)*z"):
        assert leading_literals(unbounded) is None, unbounded
    trie = re.compile(literal_trie(["qu'", "que", "sur"]))
    assert [bool(trie.match(w)) for w in ("qu'il", "quelle", "sur", "qu", "su r")] == [True, True, True, False, False]


def test_latin1_number_runs_match_the_plain_form_on_latin1_texts() -> None:
    latin1 = [text for text in _texts() if is_latin1(text)]
    assert len(latin1) > 100 and not is_latin1(TEXTS[-1])
    for text in latin1:
        assert _spans(admin._NUMBER_RUN_LATIN1, text) == _spans(admin._NUMBER_RUN, text), text


def test_size_regex_matches_its_plain_form() -> None:
    num = r"\d+(?:[.,]\d+)?"
    plain = re.compile(
        rf"(?<![\w.,/])({num}(?:\s*[x\u00d7*]\s*{num}){{0,2}})\s*(cm3|cm\u00b3|cc|ml|mm|cm)?(?![\w/])", re.I
    )
    for text in _texts():
        fast = [(m.span(), m.groups()) for m in measurements._SIZE.finditer(text)]
        assert fast == [(m.span(), m.groups()) for m in plain.finditer(text)], text
        lowered = [(m.span(), m.group(1), m.group(2)) for m in measurements._SIZE_LOWER.finditer(text.lower())]
        assert lowered == [(span, dims.lower(), unit and unit.lower()) for span, (dims, unit) in fast], text
        if is_latin1(text):  # `\d` as `[0-9]`
            latin1 = [(m.span(), m.group(1), m.group(2)) for m in measurements._SIZE_LATIN1.finditer(text.lower())]
            assert latin1 == lowered, text


@pytest.mark.parametrize("language", ["en", "fr"])
def test_tokens_are_spacys_without_the_white_space_special_cases(language: str) -> None:
    """The pipeline's tokenizer drops spaCy's special cases for white space (they made every run of two spaces
    go through a retokenisation) and keeps abbreviations whole by `token_match` instead of special cases
    (a special case stops spaCy's cache for the rest of a text): the same tokens as `spacy.blank` on the
    same (plain-spaced) texts."""
    blank = spacy.blank(language)
    assert " " in blank.tokenizer.rules  # what the pipeline drops
    texts = [plain_spaces(t) for t in _texts()] + ["a  b\t\tc \n\n  d   e.  F", "  lead and trail  "]
    ours = build_nlp(language).tokenizer
    assert [t.text for t in ours("M. Dupont, Dr. Martin p. 3")] == ["M.", "Dupont", ",", "Dr.", "Martin", "p.", "3"]
    for text in texts:
        expected = [(t.text_with_ws, t.is_space, t.norm_) for t in blank(text)]
        assert [(t.text_with_ws, t.is_space, t.norm_) for t in ours(text)] == expected, text


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_rule_vocabulary_computes_the_attributes_the_rules_read_and_no_other(language: str) -> None:
    """The lexical attributes the rules and the content words read are spaCy's; the others (shape, stop word
    ...) are not computed for new words, and only in the rule pipeline's own vocabulary."""
    words = "Nouvel hypersignal FLAIR 12/03/2021 , 3,5 mm ( IPP83015527 ) : zyxwvq-nouveau".split()
    blank = spacy.blank(language)(" ".join(words))
    ours = build_nlp(language).tokenizer(" ".join(words))
    read = [(t.text, t.lower_, t.norm_, t.is_punct, t.is_space, t.like_num, t.lang_) for t in blank]
    assert [(t.text, t.lower_, t.norm_, t.is_punct, t.is_space, t.like_num, t.lang_) for t in ours] == read
    assert not any(t.is_alpha or t.shape_ for t in ours if t.text == "zyxwvq")  # a word no vocabulary had met
    assert [t.shape_ for t in blank if t.text == "zyxwvq"] == ["xxxx"]
    assert len(spacy.blank(language).vocab.lex_attr_getters) > len(build_nlp(language).vocab.lex_attr_getters)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_batched_pipeline_gives_the_evidence_of_one_doc_at_a_time(language: str) -> None:
    nlp = build_nlp(language)
    texts = _texts()
    single = [nlp(text) for text in texts]
    batched = list(nlp.pipe(texts, batch_size=7))
    assert [d._.gc_evidence for d in batched] == [d._.gc_evidence for d in single]
    assert [d._.gc_terms for d in batched] == [d._.gc_terms for d in single]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_terms_and_measurements_lie_in_the_findings_and_conclusion(language: str) -> None:
    nlp = build_nlp(language)
    for doc in nlp.pipe(_texts()):
        spans = [(s, e) for s, e, _, _ in doc._.gc_labelled]
        for start, _, _ in [*doc._.gc_terms, *doc._.gc_measures]:
            assert any(s <= start < e for s, e in spans), doc._.gc_text
        for s, e, lo, hi in doc._.gc_labelled:
            assert doc[s].idx == lo and (hi == len(doc._.gc_text) if e == len(doc) else doc[e].idx == hi)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_blanks_between_a_flattened_headers_fields_are_the_headers(language: str) -> None:
    nlp = build_nlp(language)
    header, footer = header_footer(invent_identity(rng(5, language), language), language)
    text = flatten("Findings: FLAIR stable.\nConclusion: stable.", header, footer, gap="   ")
    doc = nlp(text)
    assert len(doc._.gc_admin) >= 4 and doc._.gc_sections[0] == (0, "admin")
    assert [kind for _, kind in doc._.gc_sections].count("admin") <= 3  # the header and the footer, as one region each
    for _, _, lo, hi in doc._.gc_labelled:
        assert text[lo:hi].strip(), (lo, hi)  # no findings made of blanks alone between two fields
    assert (
        doc._.gc_evidence
        == nlp(flatten("Findings: FLAIR stable.\nConclusion: stable.", "", "", gap="   "))._.gc_evidence
    )


def test_extension_helpers_read_and_write_what_doc_underscore_does() -> None:
    nlp = build_nlp("en")
    doc = nlp.make_doc("Findings: stable.")
    assert ext(doc, "gc_terms") is None and doc._.gc_terms is None
    set_ext(doc, "gc_terms", [(0, 1, "T2")])
    assert doc._.gc_terms == [(0, 1, "T2")]
    doc._.gc_measures = [(0, 2, 0.5)]
    assert ext(doc, "gc_measures") == [(0, 2, 0.5)]
    assert ext(nlp("Findings: FLAIR stable."), "gc_evidence") == nlp("Findings: FLAIR stable.")._.gc_evidence


@pytest.mark.parametrize("language", ["en", "fr"])
def test_regex_terms_scan_finds_what_the_plain_regex_finds(language: str) -> None:
    matcher = build_nlp(language).get_pipe("glioma_terms")
    lexicon = load_lexicon(language)
    groups = [f"(?P<{label}>{'|'.join(rx)})" for label, rx in lexicon.regex_terms.items() if rx]
    plain = re.compile("|".join(groups), re.I)
    extra = [
        "since 2011 slowly growing_since 2012, from 2019 (over the past two years) compared with 2018.",
        "depuis 2011 lentement évolutive_depuis 2012, sur 3 ans ; par rapport à l'IRM de 2018. Depuis 2010",
    ]
    assert lexicon.regex_terms
    for text in _texts() + extra:
        for lo in (0, 1, 7):
            hi = max(lo, len(text) - 3)
            want = [(m.start(), m.end(), m.lastgroup) for m in plain.finditer(text, lo, hi)]
            for low in (text.lower(), None):  # over the lower-cased text when at hand, else with re.I
                assert list(matcher._regex_terms(text, low, lo, hi)) == want, text
    assert any(list(matcher._regex_terms(text, text.lower(), 0, len(text))) for text in extra)


def test_words_hyphenated_at_a_line_end_are_joined_only_when_the_lexicon_knows_them() -> None:
    words = build_nlp("fr").tokenizer.words
    text = "Hyper- signal superpo- sable, pro-\ngression ; post- et pré-contraste, habi- tuellement, post-opératoire"
    assert rejoin_hyphenated(text, words) == (
        "Hypersignal superposable, progression ; post- et pré-contraste, habi- tuellement, post-opératoire"
    )
    assert rejoin_hyphenated("Pas de lésion.", words) == "Pas de lésion."


@pytest.mark.parametrize("language", ["en", "fr"])
def test_shipped_patterns_need_no_token_matcher(language: str) -> None:
    """Every shipped token pattern expands to phrases for the `PhraseMatcher`: a spaCy `Matcher` over the findings
    costs a fifth of the rules' throughput (measured: one `LIKE_NUM` pattern took the English rules from 2,045 to
    1,579 reports/s); a form a phrase list cannot hold goes to `regex_terms`."""
    terms = dict(build_nlp(language).pipeline)["glioma_terms"]
    assert not terms.use_matcher


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_dictated_mark_holds_a_key_the_dictation_looks_for_first(language: str) -> None:
    dictation = build_nlp(language).tokenizer.dictation
    marks = load_lexicon(language).dictation["marks"]
    assert len(dictation.keys) < len(marks)  # shared rare words ("paragraph", "parenthèse") are looked for once
    for mark in marks:
        assert any(key in mark for key in dictation.keys), mark
        text = f"Stable {mark} nothing else"
        assert dictation(text) != text, mark  # the gate let the mark through and it was made punctuation
