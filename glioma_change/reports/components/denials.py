"""Stability phrases that deny a change by a negation ("no evidence of recurrence", "pas de récidive"), and the
generic stability statements of a conclusion that do not deny a change of a component it reports: "Régression de
la prise de contraste. Hypersignal FLAIR inchangé. Pas de signe de progression." reports a change (a regression),
which "no progression" does not deny. Read by `glioma_context`."""

from __future__ import annotations

from spacy.tokens import Doc

from glioma_change.reports.components.extensions import CLASSES, EVIDENCE_INDEX
from glioma_change.reports.components.phrases import phrase_key
from glioma_change.reports.lexicon import Lexicon


class Denials:
    """The negations and the one-word increase cues of a lexicon, and the denials found in one report."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.negations = tuple(sorted({n.lower() for n in lexicon.terms.get("NEGATION", [])}))
        self.increases = frozenset(w.lower() for w in lexicon.terms.get("INCREASE", []) if " " not in w)
        self.categories = lexicon.categories

    def denies(self, doc: Doc, start: int, end: int) -> bool:
        """Whether the stability phrase `doc[start:end]` starts with a negation, unlike "stable" or "inchangé"."""
        text = doc[start:end].text.lower()
        if not text.startswith(self.negations):  # one test for all, in C: most stability phrases start with none
            return False
        for negation in self.negations:
            if text.startswith(negation) and (
                negation[-1] in "'\u2019" or text[len(negation) : len(negation) + 1] in ("", " ")
            ):
                return True
        return False

    def category(self, doc: Doc, start: int, end: int) -> bool:
        """Whether the stability phrase `doc[start:end]` is a response category ("stable disease", "maladie
        stable"): changes within its bounds, not their absence."""
        return phrase_key(doc[start:end].text.lower()) in self.categories

    def of_increase(self, doc: Doc, start: int, end: int, label: str, negated: bool) -> bool:
        """Whether a stability cue only denies an increase: a negated increase ("no new lesion") or a denial
        naming one ("no progression", "pas de récidive", "pas de signes évolutifs"; not "no change")."""
        if label == "INCREASE":
            return negated
        words = (t.lower_ for t in doc[start:end])
        return (
            label == "STABLE"
            and not negated
            and self.denies(doc, start, end)
            and any(w in self.increases or w.rstrip("sx") in self.increases for w in words)
        )


class Verdict:
    """The generic stability statements of one conclusion that a change of a component it reports leaves standing:
    a denial of an increase beside a decrease ("Régression de la prise de contraste. Pas de signe de progression."),
    the stability of a part it names beside a change ("Lésion principale stable, mais apparition d'un rehaussement
    épendymaire"), a response category that holds changes ("regression of the enhancing focus; stable disease per
    RANO"); and a denial of a new lesion beside a change of the findings, which it does not speak about ("Discrète
    augmentation de l'hypersignal FLAIR … Conclusion : Pas de nouvelle lésion à distance."). A bare verdict
    ("Stabilité.") is the whole report's and stays. A conclusion that puts a change down to another lesion and
    reports the tumour stable, with no change of its own ("Aspect de radionécrose, en majoration, sans argument pour
    une récidive"), makes the changes its findings describe that lesion's."""

    def __init__(self) -> None:
        self.decreased = False
        self.denials: list[float] = []
        self.novel: list[float] = []
        self.parts: list[float] = []
        self.generic: list[tuple[int, float]] = []  # the other generic stability statements, with their sentences
        self.specific: set[int] = set()  # the sentences that report a change of a component (none: no change)
        self.other = False  # a change the conclusion puts down to another lesion ("radionécrose en majoration")

    def add(
        self,
        label: str,
        polarity: str,
        classes: tuple[str, ...],
        weight: float,
        denial: bool,
        part: bool,
        novel: bool = False,
        sentence: int = 0,
    ) -> None:
        """One linked cue of the conclusion (`denial`: a generic denial of an increase, `novel` when of a new lesion;
        `part`: a generic stability naming a part or a response category)."""
        if polarity == "change" and "TUMOUR" not in classes:
            self.decreased = self.decreased or label == "DECREASE"
            self.specific.add(sentence)
        elif denial:
            self.denials.append(weight)
            if novel:
                self.novel.append(weight)
        elif part:
            self.parts.append(weight)
        elif polarity == "stable" and classes == ("TUMOUR",):
            self.generic.append((sentence, weight))

    def lift(self, evidence: list[float]) -> None:
        """Takes the statements a change leaves standing out of the conclusion's generic stability, and the findings'
        changes out of a report whose conclusion gives them to another lesion (in place)."""
        found = any(evidence[EVIDENCE_INDEX[("findings", c, "change")]] > 0 for c in CLASSES)
        denied = sum(self.denials) if self.decreased else sum(self.novel) if found else 0.0
        beside = sum(w for sentence, w in self.generic if sentence in self.specific)  # "Morphologie inchangée mais …"
        lifted = denied + (sum(self.parts) if self.specific else 0.0) + beside
        evidence[EVIDENCE_INDEX[("conclusion", "TUMOUR", "stable")]] -= lifted
        if self.other and not any(evidence[EVIDENCE_INDEX[("conclusion", c, "change")]] for c in CLASSES):
            if evidence[EVIDENCE_INDEX[("conclusion", "TUMOUR", "stable")]] > 0:
                for c in CLASSES:  # the changes the findings describe are that lesion's
                    evidence[EVIDENCE_INDEX[("findings", c, "change")]] = 0.0
