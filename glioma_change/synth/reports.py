"""Radiology reports for one exam pair, in English or French, worded after the pair's ground truth.

Without a `Reading` the wording follows the truth: negated change only when the T2 lesion is stable,
hedged change only in unstable pairs, enhancement-only change only where the global and T2 labels
differ. A `Reading` (synth/fidelity.py) makes the report describe the T2 lesion otherwise (missed,
over-called or misattributed change), with measurements as that reader took them and a conclusion as
sure as its tier. `Report.features` names the devices used (`negation;hedge;unrelated`...) for `truth.csv`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glioma_change.synth.dates import format_date, format_month
from glioma_change.synth.fidelity import Reading
from glioma_change.synth.phrases import EN, FR
from glioma_change.synth.plan import (
    ENH_MIN_CHANGE_ML,
    PairPlan,
    PatientPlan,
    diameters_mm,
)

FEATURES = (
    "sections",
    "measurements",
    "negation",
    "hedge",
    "enhancement_only",
    "postop",
    "treatment",
    "unrelated",
    "scanner",
    "date_in_text",
    "date_only_in_text",
    "discordant",
    "missed_change",
    "noise_change",
    "enhancement_as_t2",
)
READING_FEATURES = {
    "missed": ("discordant", "missed_change"),
    "noise": ("discordant", "noise_change"),
    "enhancement_as_t2": ("discordant", "enhancement_as_t2"),
    "faithful": (),
}


@dataclass(frozen=True)
class Report:
    text: str
    features: tuple[str, ...]


class _Writer:
    """Fills templates from one phrase bank with one random stream and records the features used."""

    def __init__(self, english: bool, g: np.random.Generator) -> None:
        self.bank = EN if english else FR
        self.english = english
        self.g = g
        self.features: set[str] = set()

    def pick(self, key: str, **fields: str) -> str:
        options = self.bank[key]
        template = options[int(self.g.integers(len(options)))]
        return template.format(**fields)

    def pick_in(self, key: str, sub: object, **fields: str) -> str:
        options = self.bank[key][sub]
        return options[int(self.g.integers(len(options)))].format(**fields)

    def chance(self, p: float) -> bool:
        return bool(self.g.random() < p)


def _sizes(w: _Writer, plan: PatientPlan, pair: PairPlan, reading: Reading | None = None) -> tuple[str, str]:
    """Current and previous diameters as written; a discordant reader measures the current ones as they
    read the change: within 2 % of the previous ones for a missed change, 6.5-8.5 % apart for a reported one."""
    core = plan.lesion.core_ml
    now = diameters_mm(plan.sessions[pair.b].t2_vol_ml + core, plan.lesion.axes_ratio)
    prev = diameters_mm(plan.sessions[pair.a].t2_vol_ml + core, plan.lesion.axes_ratio)
    if reading is not None and reading.kind != "faithful":
        scale = 1.0 + (
            w.g.uniform(-0.02, 0.02) if reading.direction == 0 else reading.direction * w.g.uniform(0.065, 0.085)
        )
        now = (round(prev[0] * scale), round(prev[1] * scale))
    return f"{now[0]} x {now[1]} mm", f"{prev[0]} x {prev[1]} mm"


def _measure(w: _Writer, plan: PatientPlan, pair: PairPlan, reading: Reading | None = None) -> str:
    now, prev = _sizes(w, plan, pair, reading)
    w.features.add("measurements")
    return w.pick("measure", now=now, prev=prev)


def _enhancement_change(vol_a: float, vol_b: float) -> str:
    """`none`, `same`, `new`, `gone`, `more` or `less` for the enhancing component."""
    if vol_a < ENH_MIN_CHANGE_ML and vol_b < ENH_MIN_CHANGE_ML:
        return "none" if max(vol_a, vol_b) == 0 else "same"
    if vol_a < ENH_MIN_CHANGE_ML:
        return "new"
    if vol_b < ENH_MIN_CHANGE_ML:
        return "gone"
    ratio = vol_b / vol_a
    return "more" if ratio >= 1.4 else "less" if ratio <= 0.6 else "same"


def _history(w: _Writer, plan: PatientPlan, pair: PairPlan) -> str:
    h = plan.history
    parts = [w.bank["surgery"][h.surgery].format(month=format_month(h.surgery_date, w.english))]
    if h.radiotherapy_end is not None:
        parts.append(w.pick("radiotherapy", month=format_month(h.radiotherapy_end, w.english)))
    if h.temozolomide:
        parts.append(w.pick("temozolomide", cycle=str(min(2 + pair.b * 2, 12))))
    w.features.add("treatment")
    return ", ".join(parts)


def _reading_t2(w: _Writer, plan: PatientPlan, pair: PairPlan, reading: Reading, fields: dict[str, str]) -> str:
    """The findings' T2 sentence of a reading: a firm (discordant) one states its call with the reader's
    measurements; a probable or hedged one only describes the lesion (its conclusion makes the call)."""
    if reading.tier != "firm":
        return w.pick("described_t2", now=_sizes(w, plan, pair, reading)[0], **fields)
    key = "stable_t2" if reading.direction == 0 else "progression_t2" if reading.direction > 0 else "response_t2"
    return w.pick(key, measure=_measure(w, plan, pair, reading), **fields)


def _reading_conclusion(w: _Writer, plan: PatientPlan, pair: PairPlan, reading: Reading, fields: dict[str, str]) -> str:
    """The conclusion of a reading, in the words of its tier."""
    if reading.direction == 0 and reading.tier == "hedged":  # the doubt leans the way the lesion changed
        return w.pick_in("c_stable_hedged", -1 if pair.change_kind == "response" else 1, **fields)
    if reading.direction == 0:
        return w.pick("c_stable" if reading.tier == "firm" else "c_stable_probable", **fields)
    if reading.kind == "enhancement_as_t2":
        enh = w.bank["enh_short"][
            _enhancement_change(plan.sessions[pair.a].enh_vol_ml, plan.sessions[pair.b].enh_vol_ml)
        ]
        key = "c_lumped" if reading.tier == "firm" else f"c_lumped_{reading.tier}"
        return w.pick_in(key, reading.direction, enh=enh, **fields)
    if reading.tier == "firm":
        return w.pick("c_progression" if reading.direction > 0 else "c_response", **fields)
    return w.pick_in("c_slight" if reading.tier == "probable" else "c_possible", reading.direction, **fields)


def _findings(
    w: _Writer, plan: PatientPlan, pair: PairPlan, fields: dict[str, str], reading: Reading | None = None
) -> list[str]:
    out: list[str] = []
    lesion = plan.lesion
    if plan.history.surgery != "biopsy" and w.chance(0.85):
        out.append(w.pick("postop", **fields))
        w.features.add("postop")
    elif plan.history.surgery == "biopsy" and w.chance(0.3):
        out.append(w.pick("biopsy_track", **fields))
    measured = w.chance(0.8)
    if reading is not None:
        out.append(_reading_t2(w, plan, pair, reading, fields))
    elif pair.t2_label == 0 and not measured:
        out.append(w.pick("stable_t2_nomeasure", **fields))
    elif pair.t2_label == 0:
        key = "stable_t2"
        if w.chance(0.4):
            key = "stable_t2_negated"
            w.features.add("negation")
        out.append(w.pick(key, measure=_measure(w, plan, pair), **fields))
    else:
        key = "progression_t2" if pair.change_kind == "progression" else "response_t2"
        out.append(w.pick(key, measure=_measure(w, plan, pair), **fields))
        if pair.change_kind == "progression" and w.chance(0.4):
            out.append(w.pick("progression_extra"))
    if lesion.core == "necrosis":
        out.append(w.pick("necrosis"))
    enh = _enhancement_change(plan.sessions[pair.a].enh_vol_ml, plan.sessions[pair.b].enh_vol_ml)
    out.append(w.pick(f"enh_{enh}"))
    out.extend(w.pick("normal") for _ in range(int(w.g.integers(0, 3))))
    if w.chance(0.4):
        out.append(w.pick("unrelated", lr=w.bank["sides"][str(w.g.choice(["left", "right"]))]))
        w.features.add("unrelated")
    return out


def _conclusion(
    w: _Writer, plan: PatientPlan, pair: PairPlan, fields: dict[str, str], reading: Reading | None = None
) -> str:
    if reading is not None:
        return _reading_conclusion(w, plan, pair, reading, fields)
    hedged = pair.global_label == 1 and w.chance(0.3)
    if hedged:
        w.features.add("hedge")
    if pair.t2_label == 0 and pair.global_label == 1:
        w.features.add("enhancement_only")
        enh = _enhancement_change(plan.sessions[pair.a].enh_vol_ml, plan.sessions[pair.b].enh_vol_ml)
        if hedged:
            return w.pick("c_enh_only_hedged", enh=w.bank["enh_short"][enh], **fields)
        key = "c_enh_only"
        if w.chance(0.5):
            key = "c_enh_only_negated"
            w.features.add("negation")
        return w.pick(key, enh_clause=w.bank["enh_clause"][enh], **fields)
    if pair.t2_label == 0:
        if w.chance(0.6):
            w.features.add("negation")
            return w.pick("c_negated", **fields)
        return w.pick("c_stable", **fields)
    kind = "c_progression" if pair.change_kind == "progression" else "c_response"
    return w.pick(f"{kind}_hedged" if hedged else kind, **fields)


def _cap(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def write_report(
    plan: PatientPlan, pair: PairPlan, g: np.random.Generator, date_only_in_text: bool, reading: Reading | None = None
) -> Report:
    """Compose the report of the later exam of `pair`, compared with the earlier one (as `reading` has it)."""
    w = _Writer(plan.english, g)
    if reading is not None:
        w.features |= {*READING_FEATURES[reading.kind], *(("hedge",) if reading.tier != "firm" else ())}
    date_a = plan.sessions[pair.a].date
    date_text = format_date(date_a, w.english, g)
    show_date = date_only_in_text or w.chance(0.75)
    if show_date:
        w.features.add("date_in_text")
    if date_only_in_text:
        w.features.add("date_only_in_text")
    lesion_word = w.pick("lesion")
    diagnosis = w.bank["diagnosis"][plan.history.diagnosis]
    side, lobe = w.bank["sides"][plan.lesion.hemisphere], w.bank["lobes"][plan.lesion.lobe]
    fields = {
        "lesion": lesion_word,
        "Lesion": lesion_word[0].upper() + lesion_word[1:],
        "diagnosis": diagnosis,
        "Diagnosis": diagnosis[0].upper() + diagnosis[1:],
        "side": side,
        "lobe": lobe,
        "loc": w.pick("location", side=side, lobe=lobe),
    }
    fields["ref"] = w.pick("ref", date=date_text) if show_date else w.bank["ref"][0]
    indication = _cap(w.pick("indication", history=_history(w, plan, pair), **fields))
    technique = w.pick("technique")
    if w.chance(0.1):
        technique += " " + w.pick("scanner")
        w.features.add("scanner")
    findings = [_cap(f) for f in _findings(w, plan, pair, fields, reading)]
    conclusion = _cap(_conclusion(w, plan, pair, fields, reading))
    if w.chance(0.6):
        w.features.add("sections")
        comparison = w.pick("comparison_date", date=date_text) if show_date else w.pick("comparison_nodate")
        blocks = [
            ("h_indication", indication),
            ("h_technique", technique),
            ("h_comparison", comparison),
            ("h_findings", " ".join(findings)),
            ("h_conclusion", conclusion),
        ]
        style = int(g.integers(len(w.bank["h_indication"])))
        text = "\n".join(f"{w.bank[key][style]} {body}" for key, body in blocks)
    else:
        comparison = w.pick("inline_comparison", date=date_text) if show_date else w.pick("inline_comparison_nodate")
        text = " ".join([indication, comparison, *findings, conclusion])
    return Report(text=text, features=tuple(f for f in FEATURES if f in w.features))
