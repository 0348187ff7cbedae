"""Fast regular expressions for long phrase lists (headings, administrative labels).

Python's `re` tries every branch of an alternation at every position; a list of a hundred phrases as
`a|b|c...` made the section and administrative components cost more than the rest of the pipeline. The
same list written as a character trie (`pat(?:ient(?:e)?|...)`) is matched in one pass."""

from __future__ import annotations

import re

from glioma_change.reports.lexicon import variants

_END = ""


def _trie_pattern(node: dict) -> str:
    """The regex of one trie node (children are characters; `_END` marks a phrase end)."""
    optional = _END in node
    branches = []
    for char in sorted(k for k in node if k != _END):
        atom = r"[ \t]+" if char == " " else re.escape(char)
        branches.append(atom + _trie_pattern(node[char]))
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
            for char in re.sub(r"\s+", " ", form.strip()):
                node = node.setdefault(char, {})
            node[_END] = {}
    return _trie_pattern(root) if root else r"(?!x)x"
