"""How faithfully the synthetic reports describe the image truth, and how noisy the human raters are.

`report_fidelity` is the share of pairs whose report describes the T2 lesion as the images show it.
Exactly `round((1 - fidelity) * n_pairs)` pairs of the dataset get a discordant `Reading`, drawn with
a weight that favours pairs close to the labelling threshold (subtle changes are missed, changes
within measurement noise are over-called) and enhancement changes (read as a change of the whole
lesion):

* `missed` — an unstable pair reported as stable;
* `noise` — a stable pair reported as a slight increase or decrease;
* `enhancement_as_t2` — an enhancement-only change (T2 stable) described as a change of the lesion.

Each discordant reading carries a confidence `tier` (`firm`, `probable`, `hedged`) that the wording
expresses. As many faithful pairs (enhancement-only changes aside) get a `faithful` reading worded
with the same probable or hedged confidence, so hedged words are about as often right as wrong: a
report miner's probability then reflects the wording's confidence, and a stricter weak-label
threshold keeps proportionally fewer discordant pairs. With fidelity 1 there is no reading at all
(every report as the truth has it). All draws come from the dataset seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from glioma_change.seeding import rng
from glioma_change.synth.config import SynthConfig
from glioma_change.synth.plan import PairPlan, PatientPlan

TIERS = ("firm", "probable", "hedged")
TIER_WEIGHTS = (0.2, 0.35, 0.45)  # discordant reports are hedged more often than faithful ones
ENHANCEMENT_WEIGHT = 1.5  # enhancement-only changes are often read as a change of the whole lesion
INCREASE_SHARE = 0.75  # over-called noise is read as growth more often than as shrinkage


@dataclass(frozen=True)
class Reading:
    """How a report reads its pair when it departs from the truth or from the firm faithful wording."""

    kind: str  # "missed" | "noise" | "enhancement_as_t2" | "faithful"
    tier: str  # "firm" | "probable" | "hedged"
    direction: int  # +1 reported increase, -1 reported decrease, 0 reported stable


def _kind(pair: PairPlan) -> str:
    if pair.t2_label == 1:
        return "missed"
    return "enhancement_as_t2" if pair.change_kind == "enhancement" else "noise"


def _weight(pair: PairPlan, threshold: float) -> float:
    """Closeness of the pair's T2 change to the threshold (in threshold units), enhancement changes up."""
    distance = abs(abs(pair.t2_rel_change) / threshold - 1.0)
    weight = 1.0 / (0.25 + distance)
    return weight * ENHANCEMENT_WEIGHT if pair.change_kind == "enhancement" else weight


def _direction(kind: str, plan: PatientPlan, pair: PairPlan, g: np.random.Generator) -> int:
    if kind == "missed":
        return 0
    if kind == "enhancement_as_t2":  # the lesion "grows" with new or more enhancement, "shrinks" when it goes
        return -1 if plan.sessions[pair.b].enh_vol_ml < plan.sessions[pair.a].enh_vol_ml else 1
    return 1 if g.random() < INCREASE_SHARE else -1


def assign_readings(config: SynthConfig, plans: Sequence[PatientPlan]) -> dict[tuple[str, int], Reading]:
    """The discordant readings of the dataset, keyed by (patient id, pair index); faithful pairs are absent."""
    pairs = [(plan, k) for plan in plans for k in range(len(plan.pairs))]
    n_wrong = round((1.0 - config.report_fidelity) * len(pairs))
    if n_wrong == 0:
        return {}
    g = rng(config.seed, "synth-fidelity")
    weights = np.array([_weight(plan.pairs[k], config.threshold) for plan, k in pairs])
    chosen = sorted(int(i) for i in g.choice(len(pairs), size=n_wrong, replace=False, p=weights / weights.sum()))
    readings = {}
    for i in chosen:
        plan, k = pairs[i]
        pair = plan.pairs[k]
        kind = _kind(pair)
        tier = TIERS[int(g.choice(len(TIERS), p=TIER_WEIGHTS))]
        readings[(plan.patient_id, k)] = Reading(kind, tier, _direction(kind, plan, pair, g))
    n_unsure = sum(r.tier != "firm" for r in readings.values())
    taken = set(chosen)
    candidates = [
        i for i, (plan, k) in enumerate(pairs) if i not in taken and plan.pairs[k].change_kind != "enhancement"
    ]
    unsure = g.choice(len(candidates), size=min(n_unsure, len(candidates)), replace=False)
    weights_unsure = np.array(TIER_WEIGHTS[1:]) / sum(TIER_WEIGHTS[1:])
    for j in sorted(int(j) for j in unsure):
        plan, k = pairs[candidates[j]]
        pair = plan.pairs[k]
        direction = 0 if pair.t2_label == 0 else 1 if pair.change_kind == "progression" else -1
        tier = TIERS[1 + int(g.choice(2, p=weights_unsure))]
        readings[(plan.patient_id, k)] = Reading("faithful", tier, direction)
    return readings


def rated_t2_label(config: SynthConfig, patient_id: str, labels: Sequence[int]) -> list[int]:
    """A human rater's T2 labels of one patient's pairs: the truth, each flipped with `rater_noise`."""
    if config.rater_noise == 0:
        return list(labels)
    flips = rng(config.seed, "synth-rater", patient_id).random(len(labels)) < config.rater_noise
    return [int(label) ^ int(flip) for label, flip in zip(labels, flips)]
