"""ConText modifiers (negation, uncertainty, degree, historical and hypothetical cues) and the tokens their
scopes cover. Read by `glioma_context`."""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc

from glioma_change.reports.components.extensions import any_within

FORWARD = {"NEGATION", "UNCERTAIN", "DEGREE", "HISTORICAL", "HYPOTHETICAL"}
MODIFIER_KIND = {
    "NEGATION": "negated",
    "NEGATION_POST": "negated",
    "UNCERTAIN": "uncertain",
    "UNCERTAIN_POST": "uncertain",
    "DEGREE": "degree",
    "HISTORICAL": "historical",
    "HISTORICAL_POST": "historical",
    "HYPOTHETICAL": "hypothetical",
    "HYPOTHETICAL_POST": "hypothetical",  # a question: "récidive ?"
}


class Scopes:
    """The scope of each modifier label (`rules.scopes`, in tokens) and the labels whose scope a clause
    boundary ends (`rules.clause_bounded`)."""

    def __init__(self, rules: dict[str, Any]) -> None:
        self.scopes: dict[str, int] = rules["scopes"]
        self.clause_bounded = set(rules.get("clause_bounded", []))

    def kinds(self, start: int, end: int, mods: list, terminators: list[int], clauses: list[int]) -> set[str]:
        """Kinds of the modifiers `mods` (`(start, end, label)`) whose scope covers the token range [start, end).

        Forward modifiers (`FORWARD`) reach the next `scopes[label]` tokens, the others (`*_POST`) the
        previous ones; scopes stop at a `TERMINATE` term (and, as the caller passes them, at a contrasting
        clause word after a comma: lexicon `contrast`), or at any clause boundary for `clause_bounded`.
        """
        kinds = set()
        for ms, me, label in mods:
            if label in FORWARD:
                lo, hi, ok = me, start, me <= start and start - me < self.scopes[label]
            else:
                lo, hi, ok = end, ms, ms >= end and ms - end < self.scopes[label]
            if not ok:
                continue
            stops = clauses if label in self.clause_bounded else terminators
            if any_within(stops, lo, hi):
                continue
            kinds.add(MODIFIER_KIND[label])
        return kinds


def answer_after(doc: Doc, end: int, answers: dict[str, frozenset[str]]) -> str:
    """`yes` or `no` when the first word after a question mark ending at token `end` answers it (lexicon `answers`:
    "Progression ? Non."), else ""."""
    while end < len(doc) and doc[end].is_space:
        end += 1
    word = doc[end].lower_ if end < len(doc) else ""
    return next((kind for kind, words in answers.items() if word in words), "")
