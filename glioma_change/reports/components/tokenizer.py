"""A tokenizer wrapper that keeps the input text on the Doc, with the markup of database and web exports
made text, its odd spaces made plain, the characters of PDF extraction made those of the lexicons, the
punctuation a voice dictation left as words made punctuation, and the lexicon's words that a PDF export
hyphenated at a line end joined again."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from spacy.tokens import Doc

from glioma_change.reports.components.extensions import TEXT, set_ext
from glioma_change.reports.lexicon import Lexicon, variants

# What database and web exports leave in a report's text: line breaks written as the two characters "\n"
# (an escaped export), HTML line and paragraph tags, inline formatting tags and character entities ("&eacute;",
# "&nbsp;"). Only these tags are read: a "<" of the report ("rCBV < 1.5") stays.
_ESCAPED_BREAK = re.compile(r"\\r\\n|\\n|\\r")
_BREAK_TAG = re.compile(r"<(?:br|/?p|/?div|/?li|/?tr)\b[^<>]{0,200}>(?:\r?\n)?", re.I)
_INLINE_TAG = re.compile(
    r"</?(?:b|i|u|em|strong|span|font|sup|sub|ul|ol|table|tbody|td|th|html|body)\b[^<>]{0,200}>", re.I
)
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")


def export_markup(text: str) -> str:
    """`text` with escaped line breaks and HTML line tags made line breaks, inline tags dropped and character
    entities decoded (`html.unescape`)."""
    if "\\" in text:
        text = _ESCAPED_BREAK.sub("\n", text)
    if "<" in text:
        text = _INLINE_TAG.sub("", _BREAK_TAG.sub("\n", text))
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    return text


# Spaces and breaks that PDF and word-processor exports write, each replaced by one plain character (so
# offsets are kept): no-break and narrow no-break spaces (French typography before `:`, runs of them between
# the parts of a flattened report), the other Unicode spaces, form feeds between pages, Unicode line breaks.
PLAIN_SPACES = {
    **{c: " " for c in "\u00a0\u202f\u2007\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u3000"},
    **{c: "\n" for c in "\f\v\u0085\u2028\u2029"},
}
# replaced by one regex: `str.translate` looks every character of a non-ASCII text up in Python (≈ 100 µs on
# an 1,800-character report, twice spaCy's tokenisation)
_ODD_SPACE = re.compile("[" + "".join(PLAIN_SPACES) + "]")


def plain_spaces(text: str) -> str:
    """`text` with its Unicode spaces and page or line separators replaced by plain ones (`PLAIN_SPACES`)."""
    # one `in` a character (a character wider than the text's own ones is not looked for at all) is five
    # times faster than a regex scan for the class
    if not any(c in text for c in PLAIN_SPACES):
        return text
    return _ODD_SPACE.sub(lambda m: PLAIN_SPACES[m.group()], text)


# Characters that PDF text extraction writes for the letters of the lexicons: typographic ligatures ("ﬁ" in
# "modiﬁcation"), invisible soft hyphens and zero-width characters inside or between words; accents as combining
# marks ("inchange\u0301", from decomposed Unicode) are composed first (NFC).
LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_PDF_CHARACTERS = (*LIGATURES, *INVISIBLE)
_PDF_CHARACTER = re.compile("[" + "".join(_PDF_CHARACTERS) + "]")


def pdf_characters(text: str) -> str:
    """`text` with its accents composed (NFC), its ligatures spelt out and its soft hyphens and zero-width
    characters removed (`LIGATURES`, `INVISIBLE`): the words the lexicons spell."""
    if text.isascii():
        return text
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if not any(c in text for c in _PDF_CHARACTERS):  # thirteen `in` cost less than one scan for the class
        return text
    return _PDF_CHARACTER.sub(lambda m: LIGATURES.get(m.group(), ""), text)


class Dictation:
    """The punctuation a voice dictation left in the text as words ("virgule", "point à la ligne", "comma",
    "new paragraph"), made punctuation again (lexicon `dictation`): `marks` wherever they stand, `ambiguous`
    words ("period", "colon", "deux points") only in a text that holds a mark, and not before "of" or "de"
    ("over a period of", "deux points de rehaussement" stay words)."""

    def __init__(self, dictation: dict[str, dict[str, str]]) -> None:
        marks, ambiguous = dictation.get("marks", {}), dictation.get("ambiguous", {})
        self.punctuation = {k.lower(): v for k, v in {**ambiguous, **marks}.items()}
        # `in` tests first (a regex scan of a long report costs ≈ 100 µs), of each mark's longest word where it is
        # long enough to be rare ("paragraph" for "new paragraph" and "next paragraph"), else of the mark; a key
        # holding another is not tested
        keys = {_rare_word(m) for m in marks}
        self.keys = tuple(sorted(m for m in keys if not any(k != m and k in m for k in keys)))
        self.marks = _words(marks, "")
        self.ambiguous = _words(ambiguous, r"(?![ \t]+(?i:of|de|du|des|d['\u2019]))")

    def __call__(self, text: str) -> str:
        if self.marks is None or not any(key in text for key in self.keys):
            return text
        text = self.marks.sub(self._mark, text)
        return self.ambiguous.sub(self._mark, text) if self.ambiguous is not None else text

    def _mark(self, m: re.Match[str]) -> str:
        return self.punctuation[m.group(1).lower()]


RARE_WORD = 7  # letters of a word that a report rarely holds but in a dictated mark ("parenthèse", "paragraph")


def _rare_word(mark: str) -> str:
    """The longest word of `mark` when it has at least `RARE_WORD` letters, else `mark` ("new line")."""
    longest = max(mark.split(), key=len, default=mark)
    return longest if len(longest) >= RARE_WORD else mark


def _words(words: dict[str, str], after: str) -> re.Pattern[str] | None:
    """A pattern of `words` (any case, longest first, as whole words, with the blanks before them) followed by
    `after`; None without words."""
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"[ \t]*\b(?i:({alternatives}))\b{after}")


# a hyphen and a line end or spaces between two words, as PDF extraction leaves it ("hyper- signal",
# "pro-\ngression"); the pattern starts with the hyphen (a word pattern before it was tried at every letter:
# 170 µs on a long report, half its tokenisation)
_HYPHEN_BREAK = re.compile(r"-(?:[ \t]+(?:\r?\n[ \t]*)?|\r?\n[ \t]*)(?=[^\W\d_])")
_LETTERS = re.compile(r"[^\W\d_]+")
_LONGEST_WORD = 60  # letters read before a hyphen


def lexicon_words(lexicon: Lexicon) -> frozenset[str]:
    """The lower-cased single words of the lexicon's terms and headings, accent variants included."""
    phrases = [p for terms in lexicon.terms.values() for p in terms]
    phrases += [h for headings in lexicon.headings().values() for h in headings]
    return frozenset(w for p in phrases for form in variants(p) for w in form.split() if w.isalpha())


def rejoin_hyphenated(text: str, words: frozenset[str]) -> str:
    """`text` with each word that a hyphen and a line end or spaces cut in two ("superpo- sable") joined again
    when the joined word is one of `words` (a lexicon word); other hyphens ("post- et pré-contraste") stay."""
    parts: list[str] = []
    copied = read = 0  # the text is copied up to `copied`; a cut word starts at `read` or later
    for m in _HYPHEN_BREAK.finditer(text):
        before = _LETTERS.match(text[max(read, m.start() - _LONGEST_WORD) : m.start()][::-1])
        if before is None:
            continue
        after = _LETTERS.match(text, m.end())
        assert after is not None  # the look-ahead read a letter
        start, read = m.start() - before.end(), after.end()
        if (text[start : m.start()] + after.group()).lower() in words:
            parts += [text[copied:start], text[start : m.start()], after.group()]
            copied = read
    return "".join(parts) + text[copied:] if parts else text


class TextKeepingTokenizer:
    """Wraps a spaCy tokenizer: the text's export markup is read (`export_markup`), its Unicode spaces and
    page breaks become plain ones (`PLAIN_SPACES`), its PDF characters the lexicons' (`pdf_characters`),
    and the text is kept on the Doc (`doc._.gc_text`): `Doc.text` is rebuilt token by
    token in Python on every access, which cost as much as all the rules together."""

    assigns = TEXT

    def __init__(self, tokenizer: Any, words: frozenset[str] = frozenset(), dictation: Dictation | None = None) -> None:
        self.tokenizer = tokenizer
        self.words = words
        self.dictation = dictation or Dictation({})

    def __call__(self, text: str) -> Doc:
        text = self.dictation(pdf_characters(plain_spaces(export_markup(text))))
        if self.words:
            text = rejoin_hyphenated(text, self.words)
        doc = self.tokenizer(text)
        set_ext(doc, "gc_text", text)
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)
