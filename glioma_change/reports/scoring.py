"""From rule evidence to scores and P(unstable), for the global and the T2 label.

Evidence is summed per section (findings, conclusion) × target class (T2, ENH, GLOBAL, TUMOUR) ×
polarity (change, stable) by `components.ContextLinker`. A section's *net* evidence is
`change − stable_factor · stable` (a change in any component outweighs stability elsewhere). The
conclusion wins: when it holds evidence, the findings only add `body_weight_with_conclusion` of theirs.

* global: all classes; a conclusion that names components (and no generic tumour word) wins only for
  those components, the findings' evidence on the others counts in full.
* t2: per section, T2/FLAIR evidence when there is any (generic tumour words add a fraction), otherwise
  generic tumour evidence, damped when the report attributes a change to enhancement or mass effect;
  the sections then combine as above, except that a generic conclusion is set aside for specific T2
  findings when enhancement or mass effect changed (the generic "progression" then refers to those).

The fixed calibration (no labelled data) is `P = sigmoid(slope · score + intercept)` with the values of
`nlp/rules.json` (slope 2.5, intercept −0.5): no evidence → 0.38; one stable statement → ≈0.15; two →
≈0.05; one affirmed change → ≈0.88; a hedged change (×0.6) → ≈0.73.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from glioma_change.reports.components import CLASSES, EVIDENCE_INDEX, SECTIONS

FEATURE_NAMES = [f"{s}_{c}_{p}" for (s, c, p) in EVIDENCE_INDEX] + ["global_score", "t2_score"]


@dataclass(frozen=True)
class RuleScores:
    """Rule output for one report."""

    global_score: float
    t2_score: float
    global_prob: float
    t2_prob: float
    features: list[float]


# the positions in the evidence vector of each section × class's change and stable evidence
_AT = {(s, c): (EVIDENCE_INDEX[(s, c, "change")], EVIDENCE_INDEX[(s, c, "stable")]) for s in SECTIONS for c in CLASSES}


def _net(evidence: list[float], section: str, classes: tuple[str, ...], stable_factor: float) -> tuple[float, bool]:
    change = stable = 0.0
    for cls in classes:  # summed in the order of `classes`
        i, j = _AT[section, cls]
        change += evidence[i]
        stable += evidence[j]
    return change - stable_factor * stable, (change + stable) > 0


def _combined(evidence: list[float], classes: tuple[str, ...], combine: dict[str, float]) -> tuple[float, bool]:
    """Conclusion first; the findings count fully only without a conclusion statement on their component.

    A generic conclusion ("Stable.", "No progression.") governs every component. A conclusion about some
    components only ("No new enhancing lesion.") governs those; a change of another component in the
    findings (an increased FLAIR abnormality) then still counts in full, and the components whose value is
    a change are summed without the stable ones ("hyperperfusion nouvelle dans une lésion FLAIR stable").
    """
    factor, weight = combine["stable_factor"], combine["body_weight_with_conclusion"]
    conclusion, has_conclusion = _net(evidence, "conclusion", classes, factor)
    findings, has_findings = _net(evidence, "findings", classes, factor)
    if not has_conclusion:
        return findings, has_findings
    if _net(evidence, "conclusion", ("TUMOUR",), factor)[1]:
        return conclusion + weight * findings, True
    values = []
    for cls in classes:
        in_conclusion, has_class = _net(evidence, "conclusion", (cls,), factor)
        in_findings, _ = _net(evidence, "findings", (cls,), factor)
        values.append(in_conclusion + weight * in_findings if has_class else in_findings)
    changed = [v for v in values if v > 0]
    return sum(changed or values), True  # a component that changed is not cancelled by others that did not


def _t2_section(
    evidence: list[float], section: str, other_change: bool, combine: dict[str, float]
) -> tuple[float, bool, bool]:
    """T2 value of one section: T2/FLAIR evidence (+ a fraction of generic), else generic evidence; generic
    evidence damped when enhancement or other components changed (it may be theirs: "prise de contraste
    majorée, progression selon RANO ; hypersignal FLAIR stable")."""
    factor = combine["stable_factor"]
    specific, has_specific = _net(evidence, section, ("T2",), factor)
    generic, has_generic = _net(evidence, section, ("TUMOUR",), factor)
    damp = combine["generic_t2_weight_with_other_change"] if other_change else 1.0
    if has_specific:
        if specific < 0:  # the T2/FLAIR abnormality is said to be stable: a generic change is mostly another's
            damp = combine["generic_t2_weight_with_other_change"]
        return specific + combine["generic_weight_with_specific_t2"] * damp * generic, True, True
    return generic * damp, has_generic, False


def score(evidence: list[float], rules: dict[str, Any]) -> RuleScores:
    """Scores and calibrated probabilities from one report's evidence vector."""
    combine = rules["combine"]
    global_score, _ = _combined(evidence, CLASSES, combine)
    other_change = any(evidence[_AT[s, c][0]] > 0 for s in SECTIONS for c in ("ENH", "GLOBAL"))
    conclusion, has_conclusion, conclusion_specific = _t2_section(evidence, "conclusion", other_change, combine)
    findings, _, findings_specific = _t2_section(evidence, "findings", other_change, combine)
    if has_conclusion and not conclusion_specific and other_change and findings_specific:
        t2_score = findings  # a generic conclusion explained by enhancement/mass-effect change: T2 from the findings
    elif has_conclusion:
        t2_score = conclusion + combine["body_weight_with_conclusion"] * findings
    else:
        t2_score = findings
    global_score = max(global_score, t2_score)  # a change of the T2/FLAIR abnormality is a change of the report
    return RuleScores(
        global_score=global_score,
        t2_score=t2_score,
        global_prob=probability(global_score, rules),
        t2_prob=probability(t2_score, rules),
        features=[*evidence, global_score, t2_score],
    )


def probability(value: float, rules: dict[str, Any]) -> float:
    """The fixed, documented mapping from a rule score to P(unstable)."""
    cal = rules["calibration"]
    return 1.0 / (1.0 + math.exp(-(cal["slope"] * value + cal["intercept"])))
