"""`glioma_context`: ConText-style modifier scopes, cue→target links and the evidence sums.

Applies the modifiers within their scopes, links each cue to its targets (its clause, widened over
coordinated targets; `LOCATION` targets only as a last resort), drops change cues of sentences that
compare with an older exam (`OLDER_EXAM`, or, with the comparative exam's date in `doc._.gc_comparative`,
dates older than it; a one-year horizon, `dates.year_horizons` such as "over the past year", names the comparative
exam when it is about a year old, `doc._.gc_interval`) and sums the evidence into `doc._.gc_evidence` (see
`extensions.EVIDENCE_INDEX`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

import glioma_change.reports.components.horizon as horizon
from glioma_change.reports.components.denials import Denials, Verdict
from glioma_change.reports.components.extensions import (
    EVIDENCE,
    EVIDENCE_INDEX,
    MEASURES,
    SECTION_BOUNDS,
    SECTIONS,
    SENTENCES,
    SPECIFIC,
    TERMS,
    BatchComponent,
    any_within,
    ext,
    lexicon_of,
    set_ext,
)
from glioma_change.reports.components.modifiers import MODIFIER_KIND, Scopes, answer_after
from glioma_change.reports.components.owners import (
    claimed,
    complements,
    described,
    elaborates,
    explained,
    interprets,
    owned,
    preceded,
    qualified,
    technical,
)
from glioma_change.reports.dates import DateExtractor
from glioma_change.reports.lexicon import CUES, TARGETS, UNRELATED, Lexicon, variants

CHANGES = frozenset({"INCREASE", "DECREASE", "CHANGE"})
# tokens between a target and a cue that follows it as its adjective ("FLAIR frontal gauche inchangé")
POSTPOSED_GAP = 3
# tokens from a stability cue to the change noun of its dimension ("inchangé dans son extension")
EXTENT_GAP = 3
COORDINATED_GAP = 4  # tokens between a denial and a change cue it still governs ("ou d'une", "or of")
# days from the comparative exam from which "over the past year" (`dates.year_horizons`) names that exam's interval
YEAR_INTERVAL = 300
# what a sentence's group collects (lists), beside its coordinations, older-horizon flag and token bounds
GROUP_LISTS = ["cues", "targets", "mods", "terms", "clauses", "contrasts", "locations", "attributions", "cue_starts"]
GROUP_LISTS += ["OLDER_EXAM", "RECENT_EXAM"]


class ContextLinker(BatchComponent):
    """ConText-style modifiers with scopes, cue→target linking, evidence per section × class × polarity."""

    def __init__(self, lexicon: Lexicon) -> None:
        rules = lexicon.rules
        self.scopes = Scopes(rules)
        self.location_scope: int = rules["scopes"]["LOCATION"]  # tokens a `LOCATION` term reaches
        self.link_window: int = rules["link_window"]
        self.weights: dict[str, float] = rules["weights"]
        self.change_rel: float = rules["measurement"]["change_rel"]
        self.stable_rel: float = rules["measurement"]["stable_rel"]
        self.dates = DateExtractor(lexicon)
        self.denials = Denials(lexicon)
        self.novelty = lexicon.novelty
        self.contrast = lexicon.contrast
        self.relatives, self.technique = lexicon.relatives, lexicon.technique
        self.answers = lexicon.answers
        self.lesions = frozenset(w.lower() for w in lexicon.terms.get("TUMOUR", []) if " " not in w)
        self.year_horizons = frozenset(f.lower() for h in lexicon.dates.get("year_horizons", []) for f in variants(h))

    def _located(self, target: list, locations: list[tuple[int, int]], clauses: list[int]) -> bool:
        """Whether a `LOCATION` term shortly before the target makes it the place of a change."""
        for _, le in locations:
            if le <= target[0] < le + self.location_scope:
                if not any_within(clauses, le, target[0]):
                    return True
        return False

    def _clause(self, cs: int, ce: int, group: dict[str, Any]) -> tuple[int, int]:
        """Token bounds (exclusive) of the cue's clause, widened over coordinated targets without a cue of
        their own: "increased enhancement and FLAIR signal", "l'œdème et la prise de contraste ont diminué".

        To the right (the cue precedes its targets) the clause grows over `COORDINATE` boundaries whose
        clause holds targets, passing over target-free comma clauses; to the left (the cue follows its
        target) over one coordinated clause. Never across a `TERMINATE` term or another cue.
        """
        clauses, coords, stops = group["clauses"], group["coords"], group["terms"]
        cues, starts = group["cue_starts"], group["target_starts"]
        i = bisect_right(clauses, cs - 1)
        lo = clauses[i - 1] if i > 0 else -1
        j = bisect_left(clauses, ce)
        hi = clauses[j] if j < len(clauses) else 1 << 30
        if not any_within(starts, lo + 1, cs):
            k = j
            while k < len(clauses) and k - j < 4 and clauses[k] not in stops:
                nxt = clauses[k + 1] if k + 1 < len(clauses) else 1 << 30
                if any_within(cues, clauses[k], nxt):
                    break
                if any_within(starts, clauses[k] + 1, nxt):
                    if clauses[k] not in coords:
                        break
                    hi = nxt
                k += 1
        elif i > 0 and lo in coords and lo not in stops:
            prev = clauses[i - 2] if i > 1 else -1
            if any_within(starts, prev + 1, lo) and not any_within(cues, prev + 1, lo):
                lo = prev
        return lo, hi

    def _extent(self, doc: Doc, k: int, cues: list, clauses: list[int]) -> bool:
        """Whether change cue `k` of the sorted `cues` names the extent of a stability statement: right before
        a stability cue, or at most `EXTENT_GAP` tokens after one within its clause ("size unchanged",
        "inchangé dans son extension"); a cue announcing something new never is ("prise de contraste nouvelle sans
        modification du FLAIR")."""
        cs, ce = cues[k][0], cues[k][1]
        if k + 1 < len(cues) and cues[k + 1][2] == "STABLE" and cues[k + 1][0] - ce <= EXTENT_GAP:
            extent = not any_within(clauses, ce, cues[k + 1][0] + 1)
        elif k == 0 or cues[k - 1][2] != "STABLE" or cs - cues[k - 1][1] > EXTENT_GAP:
            return False
        else:
            i = bisect_left(clauses, cues[k - 1][1])
            extent = not (i < len(clauses) and clauses[i] < cs)
        return extent and doc[cs:ce].text.lower() not in self.novelty

    @staticmethod
    def _separated(cs: int, ce: int, target: list, cues: list[int]) -> bool:
        """Whether another cue stands between the cue at [cs, ce) and `target`: the target is that cue's
        ("apparition d'une hyperperfusion *sans modification* du FLAIR": the FLAIR is not new)."""
        lo, hi = (ce, target[0]) if target[0] >= ce else (target[1], cs)
        return any_within(cues, lo, hi)

    def _novel(self, doc: Doc, cs: int, ce: int) -> bool:
        """Whether the cue at [cs, ce) announces something new ("nouvelle", "interval appearance", "newly appeared")."""
        return doc[ce - 1].lower_ in self.novelty or (ce - cs > 1 and doc[cs:ce].text.lower() in self.novelty)

    def _lesion(self, doc: Doc, target: list) -> bool:
        """Whether `target` names a lesion: a tumour word, or an enhancement term ending in one ("enhancing lesion")."""
        return target[2] == "TUMOUR" or (target[2] == "ENH" and doc[target[1] - 1].lower_ in self.lesions)

    def _names(self, cs: int, ce: int, group: dict[str, Any], target: str) -> bool:
        """Whether the clause of the cue at [cs, ce) names a finding of class `target`."""
        lo, hi = self._clause(cs, ce, group)
        return any(lo <= t[0] < hi and t[2] == target for t in group["targets"])

    def _link(
        self, doc: Doc, cs: int, ce: int, negated: bool, group: dict[str, Any], check_next: bool
    ) -> tuple[str, ...] | None:
        """Target classes a cue at [cs, ce) speaks about. `("OTHER_LESION",)` when another lesion owns the change: the
        sentence's subject, before the cue whose clause holds no target ("Foyer de radionécrose ..., en régression"),
        or the lesion its part of the sentence describes (`owned`). None when it concerns unrelated findings: the
        first target right after it is unrelated (unless the cue follows a target of its own as its adjective), or
        its clause holds no target and the sentence's subject is unrelated. Targets that another cue stands in front
        of are that cue's (`_separated`)."""
        targets = group["targets"]
        lo, hi = self._clause(cs, ce, group)
        in_clause = [t for t in targets if lo < t[0] < hi and not self._separated(cs, ce, t, group["cue_starts"])]
        # "within a stable FLAIR abnormality": the cue is the adjective of what follows it, and speaks of it alone;
        # "new nodule without any change in the FLAIR": the nodule is "new"'s, not the later cue's
        after = [t for t in in_clause if t[0] >= ce]
        if after and after[0][0] == ce:
            in_clause = after
        elif after and len(after) < len(in_clause):
            in_clause = [t for t in in_clause if t[0] >= ce or not preceded(t, cs, group["cues"])]
        if not negated and any(self._lesion(doc, t) for t in in_clause) and self._novel(doc, cs, ce):
            in_clause += described(hi, group)  # a new lesion's enhancement and oedema, in the clauses after it
        if check_next:
            following = [t for t in in_clause if ce <= t[0] <= ce + self.link_window]
            # "hyperperfusion nouvelle de la berge de la cavité": the cue follows its own target
            postposed = any(0 <= cs - t[1] <= POSTPOSED_GAP and t[2] not in UNRELATED for t in in_clause)
            if following and following[0][2] in UNRELATED and not postposed:
                return ("OTHER_LESION",) if following[0][2] == "OTHER_LESION" else None
        if not in_clause and targets and targets[0][0] < cs and targets[0][2] in UNRELATED:
            return ("OTHER_LESION",) if targets[0][2] == "OTHER_LESION" else None  # the subject's change
        if not in_clause and lo >= 0 and doc[lo].lower_ in self.relatives:
            before = [t for t in targets if t[0] < lo]  # "l'infiltration FLAIR, dont l'étendue ne varie pas"
            if before:
                return None if before[-1][2] in UNRELATED else (before[-1][2],)
        if owned(doc, cs, group):
            return ("OTHER_LESION",)
        pool = in_clause or [t for t in targets if not claimed(t, cs, group)]
        if not pool:
            return ("TUMOUR",)
        usable = [t for t in pool if t[2] not in UNRELATED and (negated or not t[3])]
        # a located target is the place of a change ("new restricted diffusion within the FLAIR abnormality"),
        # unless the cue is its adjective ("au sein de l'hypersignal FLAIR frontal inchangé", "within a stable FLAIR")
        placed = [t for t in usable if not t[4] or 0 <= cs - t[1] <= POSTPOSED_GAP or t[0] == ce]
        if placed and len(placed) < len(usable):
            usable = placed
        classes = {t[2] for t in usable}
        if not classes:
            return None
        if classes & SPECIFIC:
            classes -= {"TUMOUR"}
        return tuple(classes)

    def __call__(self, doc: Doc) -> Doc:
        evidence = [0.0] * len(EVIDENCE_INDEX)
        terms = ext(doc, "gc_terms") or []
        measures = ext(doc, "gc_measures") or []
        if not any(label in CUES for _, _, label in terms) and not measures:
            set_ext(doc, "gc_evidence", evidence)
            return doc
        sent_starts = ext(doc, "gc_sentences")
        sections = ext(doc, "gc_sections") or [(0, "findings")]
        sec_starts = [s for s, _ in sections]
        by_sentence: dict[int, dict[str, Any]] = {}

        def group_of(sid: int) -> dict[str, Any]:
            if sid not in by_sentence:
                by_sentence[sid] = {key: [] for key in GROUP_LISTS} | {
                    "coords": set(),
                    "older": False,
                    "bounds": (sent_starts[sid], sent_starts[sid + 1] if sid + 1 < len(sent_starts) else len(doc)),
                }
            return by_sentence[sid]

        # only sentences with a cue or a size comparison give evidence: the terms of the others are skipped
        sids = [bisect_right(sent_starts, s) - 1 for s, _, _ in terms]
        measured = [bisect_right(sent_starts, s) - 1 for s, _, _ in measures]
        cued = {sid for sid, (_, _, label) in zip(sids, terms) if label in CUES} | set(measured)
        cue_at = {s for s, _, label in terms if label in CUES}
        year_old = (ext(doc, "gc_interval") or 0) >= YEAR_INTERVAL
        for sid, (s, e, label) in zip(sids, terms):
            if sid not in cued:
                continue
            group = by_sentence.get(sid) or group_of(sid)
            if label in CUES:
                group["cues"].append((s, e, label))
            elif label in TARGETS:
                group["targets"].append([s, e, label, False, False])
            elif label in ("TERMINATE", "CLAUSE", "COORDINATE"):
                group["clauses"].append(s)
                if label == "COORDINATE" or elaborates(doc, s, group):
                    group["coords"].add(s)
                elif label == "TERMINATE":
                    group["terms"].append(s)
                elif s > 0 and doc[s].lower_ in self.contrast and doc[s - 1].text == ",":
                    group["contrasts"].append(s)  # ", avec ...": the end of a negation's scope
                elif e in cue_at and doc[s].text == ",":
                    group["contrasts"].append(s)  # "sans reliquat, diminution du FLAIR": a new statement
            elif label in MODIFIER_KIND:
                if label == "HYPOTHETICAL_POST" and doc[s].text == "?":  # "Progression ? Non." answers the question
                    answer = answer_after(doc, e, self.answers)
                    if answer == "yes":
                        continue
                    label = "NEGATION_POST" if answer == "no" else label
                group["mods"].append((s, e, label))
            elif label == "LOCATION":
                group["locations"].append((s, e))
            elif label == "ATTRIBUTION":
                group["attributions"].append((s, e))
            elif label in ("OLDER_EXAM", "RECENT_EXAM"):
                if label == "OLDER_EXAM" and year_old and doc[s:e].text.lower() in self.year_horizons:
                    label = "RECENT_EXAM"  # "over the past year" when the comparative exam is about a year old
                group[label].append(s)
        for sid, (s, e, rel) in zip(measured, measures):
            group_of(sid)["cues"].append((s, e, rel))
        comparative = ext(doc, "gc_comparative")
        verdict = Verdict()
        for sid, group in by_sentence.items():
            if not group["cues"]:
                continue
            group["older"] = horizon.horizon(self.dates, doc, group, comparative)
            mods, stops, clauses, targets = group["mods"], group["terms"], group["clauses"], group["targets"]
            group["cue_starts"] = sorted(c[0] for c in group["cues"])  # terms and measurements interleave
            group["target_starts"] = [t[0] for t in group["targets"]]
            scope_stops = sorted(stops + group["contrasts"])  # where negation and other unbounded scopes stop
            complements(targets, group["cue_starts"], clauses, group["attributions"])
            qualified(targets, group["cue_starts"], clauses)
            for k, target in enumerate(targets):
                target[3] = "negated" in self.scopes.kinds(target[0], target[1], mods, scope_stops, clauses)
                # "within the known region of FLAIR hyperintensity": the words of one finding share its place
                joined = k > 0 and targets[k - 1][1] == target[0] and targets[k - 1][2] == target[2]
                target[4] = (joined and targets[k - 1][4]) or self._located(target, group["locations"], clauses)
            previous: tuple[int, int, str, bool] | None = None  # the sentence's last cue (start, end, label, negated)
            cues = sorted(group["cues"], key=lambda c: c[0])
            for k, (cs, ce, label) in enumerate(cues):
                if label in CHANGES and self._extent(doc, k, cues, clauses):
                    continue  # "d'extension identique", "inchangé dans son extension": the extent, not a change of it
                section = sections[bisect_right(sec_starts, cs) - 1][1]
                if section not in SECTIONS:
                    continue
                if isinstance(label, float):
                    polarity, weight = self._measure(label)
                    classes = self._link(doc, cs, ce, False, group, check_next=False)
                else:
                    kinds = self.scopes.kinds(cs, ce, mods, scope_stops, clauses)
                    if "historical" in kinds or "hypothetical" in kinds:
                        continue
                    negated = "negated" in kinds
                    if label == "STABLE" and negated:  # "sans nodule, identique": the negation stays in its clause;
                        # "absence of enhancement … unchanged": a finding between them is what it denies
                        stops = sorted(clauses + [t[0] for t in targets])
                        negated = "negated" in self.scopes.kinds(cs, ce, mods, stops, stops)
                    if label == "STABLE" and negated and self.denials.denies(doc, cs, ce):
                        negated = False  # "ne montre pas de signe de progression": one negation, ne ... pas
                    if label != "STABLE" and not negated and previous is not None:
                        negated = self._coordinated(doc, previous, cs, group)
                    previous = (cs, ce, label, negated)
                    stable = (label == "STABLE") != negated
                    polarity = "stable" if stable else "change"
                    weight = self.weights["negated_stable"] if label == "STABLE" and negated else self.weights[label]
                    if polarity == "change" and interprets(cs, group):
                        continue
                    if polarity == "change" and (
                        ("uncertain" in kinds and explained(cs, group)) or technical(doc, cs, group, self.technique)
                    ):
                        continue  # "l'impression d'extension est liée au passage du FLAIR 2D au 3D": an apparent change
                    if "uncertain" in kinds:
                        weight *= self.weights["uncertain"]
                    elif "degree" in kinds:
                        weight *= self.weights["degree"]
                    classes = self._link(doc, cs, ce, negated, group, check_next=True)
                if classes == ("OTHER_LESION",):
                    verdict.other = verdict.other or (section == "conclusion" and polarity == "change")
                    continue
                if (
                    classes is None
                    or weight == 0.0
                    or (
                        polarity == "change"
                        and horizon.silenced(group["older"], bisect_right(stops, cs))
                        and not horizon.measured_from_comparative(self.dates, doc, cs, group, comparative)
                    )
                ):
                    continue
                if comparative is not None and (
                    (polarity == "change" and horizon.changed_before(self.dates, doc, cs, group["bounds"], comparative))
                    or (
                        label == "STABLE"
                        and polarity == "stable"
                        and horizon.held_before(self.dates, doc, (cs, ce), group, comparative)
                    )
                ):
                    continue  # a change before the comparative exam; a stability that ended by it
                if section == "conclusion" and isinstance(label, str):
                    generic = polarity == "stable" and classes == ("TUMOUR",)
                    denial = generic and self.denials.of_increase(doc, cs, ce, label, negated)
                    part = (
                        generic
                        and not denial
                        and (self._names(cs, ce, group, "TUMOUR") or self.denials.category(doc, cs, ce))
                    )
                    novel = denial and label == "INCREASE" and doc[cs:ce].text.lower() in self.novelty
                    verdict.add(label, polarity, classes, weight, denial, part, novel, sid)
                for cls in classes:
                    evidence[EVIDENCE_INDEX[(section, cls, polarity)]] += weight
        verdict.lift(evidence)
        set_ext(doc, "gc_evidence", evidence)
        return doc

    def _coordinated(self, doc: Doc, previous: tuple[int, int, str, bool], cs: int, group: dict[str, Any]) -> bool:
        """Whether the change cue at `cs` is governed by a denial just before it ("no recurrence *or*
        progression", "pas d'argument pour une récidive *ou une* progression"): the previous cue denies a
        change (a negated change cue, or a stability phrase that starts with a negation), and a `COORDINATE`
        term, no `TERMINATE` term, stands within the `COORDINATED_GAP` tokens between them."""
        start, end, label, negated = previous
        if cs - end > COORDINATED_GAP:
            return False
        between = range(end, cs)
        if not any(c in between for c in group["coords"]) or any(t in between for t in group["terms"]):
            return False
        return self.denials.denies(doc, start, end) if label == "STABLE" else negated

    def _measure(self, rel: float) -> tuple[str, float]:
        """Polarity and weight of a size comparison (relative change of the linear size)."""
        if abs(rel) >= self.change_rel:
            return "change", self.weights["measurement_change"]
        if abs(rel) <= self.stable_rel:
            return "stable", self.weights["measurement_stable"]
        return "change", self.weights["measurement_small_change"]


@Language.factory(
    "glioma_context",
    default_config={"lexicon_dir": ""},
    assigns=[EVIDENCE],
    requires=[SENTENCES, SECTION_BOUNDS, TERMS, MEASURES],
)
def make_context(nlp: Language, name: str, lexicon_dir: str) -> ContextLinker:
    """Negation, uncertainty, historical and hypothetical scopes; cue→target links; evidence sums."""
    return ContextLinker(lexicon_of(nlp, lexicon_dir))
