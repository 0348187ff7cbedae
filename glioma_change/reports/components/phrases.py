"""Fast regular expressions for long phrase lists (headings, administrative labels).

Python's `re` tries every branch of an alternation at every position; a list of a hundred phrases as
`a|b|c...` made the section and administrative components cost more than the rest of the pipeline. The
same list written as a character trie (`pat(?:ient(?:e)?|...)`) is matched in one pass."""

from __future__ import annotations

import re
import re._parser as sre_parse  # the standard library's parser of patterns (`sre_parse`, deprecated under that name)
from collections.abc import Iterator
from typing import Any

from glioma_change.reports.lexicon import variants

_END = ""
_BLANKS = re.compile(r"\s+")


def phrase_key(phrase: str) -> str:
    """A phrase as the tries of `phrase_pattern` spell it, and as tables of matched phrases hold it: trimmed, each
    run of blanks one space (a match may hold a run where the phrase has one space)."""
    return _BLANKS.sub(" ", phrase.strip())


def latin1_class(char_class: str) -> str:
    """`char_class` (e.g. `[\\W_]`) restricted to the Latin-1 characters, written out as `\\xNN` escapes: the same
    matches on a Latin-1 text, tested on a bitmap instead of Unicode categories (three times faster)."""
    pattern = re.compile(char_class)
    return "[" + "".join(f"\\x{i:02x}" for i in range(256) if pattern.fullmatch(chr(i))) + "]"


def is_latin1(text: str) -> bool:
    """Whether every character of `text` is Latin-1 (a copy for the common case; `str.isascii` is not enough
    for French)."""
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _trie_pattern(node: dict, literal: bool = False) -> str:
    """The regex of one trie node (children are characters; `_END` marks a phrase end; a space matches a run
    of spaces or tabs unless `literal`)."""
    optional = _END in node
    branches = []
    for char in sorted(k for k in node if k != _END):
        atom = r"[ \t]+" if char == " " and not literal else re.escape(char)
        branches.append(atom + _trie_pattern(node[char], literal))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if optional:
        return f"(?:{body})?"
    return body


def phrase_pattern(phrases: list[str]) -> str:
    """One regex (no groups) matching any of `phrases` with their accent/apostrophe variants, lower case
    (compile with `re.I`), spaces matching runs of spaces or tabs. Longer phrases win: the trie is greedy."""
    root: dict = {}
    for phrase in phrases:
        for form in variants(phrase):
            node = root
            for char in phrase_key(form):
                node = node.setdefault(char, {})
            node[_END] = {}
    return _trie_pattern(root) if root else r"(?!x)x"


_PREFIXES = 64  # most literal beginnings `leading_literals` spells out
_Prefixes = set[tuple[str, bool]]  # (literal text, whether it is the whole match of what was read)


def _sequence_prefixes(items: Any, depth: int) -> _Prefixes:
    """The literal beginnings of a parsed sequence, at most `depth` characters long: `(text, whole)` pairs, `whole`
    when the sequence matches exactly `text`; `("", False)` where a match may begin with anything."""
    out: _Prefixes = {("", True)}
    for op, av in items:
        whole_ones = {text for text, whole in out if whole}
        if not whole_ones:
            break
        item = _item_prefixes(op, av, depth)
        out = {p for p in out if not p[1]} | {
            (a + b, whole) if len(a + b) <= depth else ((a + b)[:depth], False) for a in whole_ones for b, whole in item
        }
        if len(out) > _PREFIXES:
            return {("", False)}
    return out


def _item_prefixes(op: Any, av: Any, depth: int) -> _Prefixes:
    """The literal beginnings of one parsed item (see `_sequence_prefixes`)."""
    if op is sre_parse.LITERAL:
        return {(chr(av), True)}
    if op is sre_parse.IN and len(av) <= 4 and all(o is sre_parse.LITERAL for o, _ in av):
        return {(chr(c), True) for _, c in av}
    if op in (sre_parse.AT, sre_parse.ASSERT, sre_parse.ASSERT_NOT):
        return {("", True)}  # zero-width
    if op is sre_parse.SUBPATTERN and not av[1] & re.IGNORECASE:  # (a group that folds case: any beginning)
        return _sequence_prefixes(av[-1], depth)
    if op is sre_parse.BRANCH:
        return {p for branch in av[1] for p in _sequence_prefixes(branch, depth)}
    if op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT) and av[0] == 0 and av[1] == 1:
        return _sequence_prefixes(av[2], depth) | {("", True)}  # optional
    return {("", False)}


def leading_literals(pattern: str, depth: int = 1 << 10) -> list[str] | None:
    """Literal texts one of which begins every match of `pattern` (read from its parse tree: `since`, `from`
    for `\\b(?:since|from)[ \\t]+(?:19|20)\\d\\d`), or None when a match may begin otherwise. A look-ahead
    of them lets a scan give up at most positions on one comparison, before the alternatives are tried. With
    `depth`, the beginnings are cut to that many characters (`depth=1`: the first characters)."""
    prefixes = _sequence_prefixes(sre_parse.parse(pattern), depth)
    if not prefixes or any(not text for text, _ in prefixes):
        return None
    texts = {text for text, _ in prefixes}
    return sorted(t for t in texts if not any(o != t and t.startswith(o) for o in texts))  # the shortest do


def literal_trie(texts: list[str]) -> str:
    """One regex (no groups) matching any of `texts` exactly, as a character trie (see `phrase_pattern`)."""
    root: dict = {}
    for text in texts:
        node = root
        for char in text:
            node = node.setdefault(char, {})
        node[_END] = {}
    return _trie_pattern(root, literal=True)


class WordScanner:
    """Finds `body` (a lower-case pattern, e.g. from `phrase_pattern`, with its named groups) where it starts a
    word, in any case: the same matches, in the same order, as `(?<![^\\W_])(?P<w>body)` with `re.I`, three
    times faster on long reports.

    The scan runs over the lower-cased text and starts at the non-word character before the phrase (a
    character class the regex engine skips to in C; a leading look-behind is tried at every position).
    Offsets are those of the text; groups hold lower-cased text (read the original through the offsets).
    A text whose lower-case form has another length (rare letters such as `İ`) is scanned the slow way.
    """

    def __init__(self, body: str) -> None:
        self.first = re.compile(rf"(?P<w>{body})")
        firsts = leading_literals(body, depth=1)  # a class of its first characters, tried before the alternatives
        ahead = "(?=[" + re.escape("".join(firsts)) + "])" if firsts else ""
        self.scan = re.compile(rf"[\W_]{ahead}(?P<w>{body})")
        self.scan_latin1 = re.compile(latin1_class(r"[\W_]") + rf"{ahead}(?P<w>{body})")  # the same on Latin-1 text
        self.slow = re.compile(rf"(?<![^\W_])(?P<w>{body})", re.I)

    def finditer(self, text: str, low: str | None = None) -> Iterator[re.Match[str]]:
        """The matches in `text` (`low`: `text.lower()` when already at hand), left to right, not overlapping
        (group `w`: the phrase and what follows it)."""
        low = text.lower() if low is None else low
        if len(low) != len(text):
            yield from self.slow.finditer(text)
            return
        scan = self.scan_latin1 if is_latin1(low) else self.scan
        m = self.first.match(low) or scan.search(low)
        while m is not None:
            yield m
            m = scan.search(low, m.end() - 1)  # its last character may be the boundary of the next one
