"""Which finding a change cue speaks about: the tumour, or another lesion (`OTHER_LESION`: radiation necrosis,
haematoma, cavernoma ...) that the sentence names as the owner of the enhancement and oedema described with it;
the finding that another cue announces; the parts that a bracket lists; what a new lesion's description makes
new; a change put down to the acquisition. Read by `glioma_context`."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

from spacy.tokens import Doc

from glioma_change.reports.components.extensions import SPECIFIC, any_within
from glioma_change.reports.lexicon import UNRELATED

ATTRIBUTION_GAP = 2  # tokens between an attribution and the lesion it names ("d'une", "a")
# tokens between a target and the lesion it belongs to ("de", "of the", "autour de la", "temporale droite de")
COMPLEMENT_GAP = 3
PRECEDING_GAP = 2  # tokens between a cue and the target it announces ("new small enhancing nodule")
ELABORATION_GAP = 3  # tokens between a target and the bracket that lists its parts ("foyer frontal droit (")
# tokens between a new lesion and the colon that describes it ("New lesion in the right frontal lobe:")
ANNOUNCED_GAP = 8
TARGET_GAP = 2  # tokens between a target and an attribution that names what it is ("frontal ,")
TECHNIQUE_GAP = 6  # tokens between an attribution and the word of the acquisition it names ("à la réduction de dose")
# clauses with a finding after a new lesion's that describe it ("…, à rehaussement annulaire, entourée d'un
# hypersignal FLAIR")
DESCRIBED_PARTS = 3
_ADJECTIVE_PAIRS = (("T2", "GLOBAL"), ("GLOBAL", "T2"))  # a T2/FLAIR word beside a diffusion or perfusion finding


def complements(targets: list[list], cues: list[int], clauses: list[int], attributions: list[tuple[int, int]]) -> None:
    """Makes a target whose complement is another lesion that lesion's (`OTHER_LESION`, in place): "œdème
    vasogénique de radionécrose", "lésion de radionécrose", "oedema of the haematoma" — the lesion at most
    `COMPLEMENT_GAP` tokens after the target, no cue or clause boundary between them — or that an attribution
    right after it (`TARGET_GAP` tokens at most: a comma, an adjective) names as such: "T2 hyperintensities, consistent with small
    vessel disease, have progressed"."""
    for k in range(len(targets) - 2, -1, -1):  # from the last: a run of words takes its last's
        target, nxt = targets[k], targets[k + 1]
        if nxt[2] != "OTHER_LESION" or target[2] in UNRELATED or any_within(cues, target[1], nxt[0]):
            continue
        if 0 <= nxt[0] - target[1] <= COMPLEMENT_GAP and not any_within(clauses, target[1], nxt[0]):
            target[2] = "OTHER_LESION"
        elif any(0 <= s - target[1] <= TARGET_GAP and 0 <= nxt[0] - e <= ATTRIBUTION_GAP for s, e in attributions):
            target[2] = "OTHER_LESION"


def qualified(targets: list[list], cues: list[int], clauses: list[int]) -> None:
    """Makes the words that only qualify a diffusion, perfusion or mass-effect finding (`GLOBAL`) that finding's,
    in place: a generic lesion word whose complement it is ("focus of reduced diffusion", "foyer
    d'hyperperfusion": at most `COMPLEMENT_GAP` tokens before it, no cue or clause boundary between them), and a
    T2/FLAIR word right beside it as its adjective ("non-enhancing focus of diffusion restriction", "restriction
    de diffusion non rehaussée": not a T2/FLAIR abnormality)."""
    for k in range(len(targets) - 2, -1, -1):  # from the last: "non-enhancing" → "focus" → "reduced diffusion"
        target, nxt = targets[k], targets[k + 1]
        container = nxt[2] == "GLOBAL" and target[2] == "TUMOUR" and nxt[0] - target[1] <= COMPLEMENT_GAP
        adjective = (nxt[0] == target[1] and (target[2], nxt[2]) in _ADJECTIVE_PAIRS) or (
            # "nonenhancing area of restricted diffusion": a one-word T2 adjective, the container between
            (target[2], nxt[2]) == ("T2", "GLOBAL") and target[1] - target[0] == 1 and nxt[0] - target[1] <= 2
        )
        if (container or adjective) and not any_within(cues, target[1], nxt[0]):
            if not any_within(clauses, target[1], nxt[0]):
                target[2] = nxt[2] = "GLOBAL"


def owned(doc: Doc, cs: int, group: dict[str, Any]) -> bool:
    """Whether the cue at `cs` describes another lesion than the tumour: the first target of its part of
    the sentence (between `TERMINATE` terms) is an `OTHER_LESION` before the cue, and no `TUMOUR` target
    stands in that part ("la radionécrose diminue, avec une prise de contraste réduite et un œdème moins
    étendu": the enhancement and the oedema are the necrosis's), or the part puts the change down to such a
    lesion after the cue (`ATTRIBUTION`: "the enlarging enhancement has the features of radiation necrosis"; or a
    hedge: "tiny new white matter focus, likely small vessel disease").
    A part that a colon or semicolon opens continues the part before it when that one names the lesion ("Plage de
    radionécrose : rehaussement plus étendu", "L'hématome sous-dural a diminué ; moindre effet de masse")."""
    stops = group["terms"]
    i = bisect_right(stops, cs)
    lo, hi = _part(cs, group)
    part = [t for t in group["targets"] if lo < t[0] < hi]
    if lo >= 0 and doc[lo].text in (":", ";"):
        before = stops[i - 2] if i > 1 else -1
        named = [t for t in group["targets"] if before < t[0] < lo]
        if named and named[0][2] == "OTHER_LESION" and all(t[2] != "TUMOUR" for t in named):
            part = named + part
    if not part:
        return False
    first = part[0]
    if first[2] == "UNRELATED" and len(part) > 1 and part[1][2] == "OTHER_LESION" and part[1][0] - first[1] <= 1:
        first = part[1]  # "postoperative extra-axial collection": the lesion's adjective
    if first[2] == "OTHER_LESION" and first[0] < cs and all(t[2] != "TUMOUR" or _denied(t, cs, group) for t in part):
        return True
    # put down to another lesion after the cue, no tumour named after that: "the enlarging enhancement has the
    # features of radiation necrosis", "enlarging lesion with imaging features of radiation necrosis"; or by the
    # part that a colon after it opens: "Lésion rehaussée nouvelle, hypoperfusée : aspect typique de radionécrose"
    if hi < len(doc) and doc[hi].text == ":":
        nxt = stops[i + 1] if i + 1 < len(stops) else 1 << 30
        after = [t for t in group["targets"] if hi < t[0] < nxt]
        if all(t[2] != "TUMOUR" or t[3] for t in after) and (  # a denied tumour word: "sans rapport avec la tumeur"
            any(
                0 < start - hi <= ATTRIBUTION_GAP
                and any(t[2] == "OTHER_LESION" and 0 <= t[0] - end <= ATTRIBUTION_GAP for t in after)
                for start, end in group["attributions"]
            )
            or (
                bool(after)
                and after[0][2] in UNRELATED
                and after[0][0] - hi <= ATTRIBUTION_GAP
                and not any_within(group["cue_starts"], hi, nxt)  # "… : treatment effect versus recurrence"
            )
        ):
            return True  # or the part names it at once: "Apparition d'une lésion …, non rehaussée : infarctus récent"
    return any(
        cs < end < hi
        and any(t[2] == "OTHER_LESION" and 0 <= t[0] - end <= ATTRIBUTION_GAP for t in part)
        and all(t[2] != "TUMOUR" or _rejected(t, group) for t in part if t[0] >= end)
        for _, end in group["attributions"] + [(s, e) for s, e, label in group["mods"] if label == "UNCERTAIN"]
    )


def described(hi: int, group: dict[str, Any]) -> list[list]:
    """The findings that the clauses after a new lesion's clause (ending at token `hi`) describe as its own:
    "Apparition d'une lésion cérébelleuse de 15 mm, à rehaussement annulaire, entourée d'un hypersignal FLAIR, avec
    hyperperfusion" (a new lesion's enhancement, oedema and perfusion are new). At most `DESCRIBED_PARTS` clauses
    with a finding, up to a `TERMINATE` term, a clause with a cue or a place (`LOCATION`) of its own or one that
    names anything but a T2/FLAIR, enhancement or other specific finding; none when a negation reaches one of them
    or the sentence names another lesion or finding after them."""
    clauses, stops, cues = group["clauses"], group["terms"], group["cue_starts"]
    if any(t[2] in UNRELATED and t[0] >= hi for t in group["targets"]):
        return []  # "Apparition d'une lésion …, en hypersignal FLAIR, … : infarctus récent"
    found: list[list] = []
    described_parts = 0
    for k in range(bisect_left(clauses, hi), len(clauses)):
        if clauses[k] in stops or described_parts == DESCRIBED_PARTS:
            break
        nxt = clauses[k + 1] if k + 1 < len(clauses) else group["bounds"][1]
        part = [t for t in group["targets"] if clauses[k] < t[0] < nxt]
        if any(t[3] for t in part):
            return []  # "entourée d'un hypersignal FLAIR, absente le 03/05/2023": a negation read into the description
        if any_within(cues, clauses[k], nxt) or any(t[2] not in SPECIFIC for t in part):
            break
        if any(clauses[k] <= s < nxt for s, _ in group["locations"]):
            break  # "…, au sein de l'hypersignal FLAIR connu": the place of the new lesion, not its description
        found += part
        described_parts += bool(part)
    return found


def _rejected(target: list, group: dict[str, Any]) -> bool:
    """Whether a hypothetical term right before `target` sets it aside as the alternative not retained ("features of
    radiation necrosis *rather than* tumour", "plutôt qu'une récidive")."""
    return any(label == "HYPOTHETICAL" and 0 <= target[0] - e <= 1 for _, e, label in group["mods"])


def _denied(target: list, cs: int, group: dict[str, Any]) -> bool:
    """Whether a tumour word is denied after the cue at `cs`, by a cue or a negation of its own ("Extension de la
    radionécrose, avec majoration de son œdème, sans argument pour une récidive tumorale", "… en discrète extension,
    sans composante tumorale": no tumour of the change's part)."""
    return target[3] and (
        any(cs < c < target[0] for c in group["cue_starts"])
        or any(cs < s < target[0] and label == "NEGATION" for s, _, label in group["mods"])
    )


def claimed(target: list, cs: int, group: dict[str, Any]) -> bool:
    """Whether another cue than the one at `cs` stands in the target's clause ("hypersignal FLAIR
    inchangé : progression probable": the FLAIR abnormality has its own statement, the summary is not
    about it)."""
    clauses, cues = group["clauses"], group["cue_starts"]
    i = bisect_right(clauses, target[0])
    lo = clauses[i - 1] if i > 0 else -1
    hi = clauses[i] if i < len(clauses) else 1 << 30
    return any(c != cs for c in cues[bisect_right(cues, lo) : bisect_left(cues, hi)])


def preceded(target: list, cs: int, cues: list[tuple[int, int, Any]]) -> bool:
    """Whether another cue than the one at `cs` stands right before `target` (at most `PRECEDING_GAP` tokens:
    "New small enhancing nodule"), whose target it is."""
    return any(c != cs and 0 <= target[0] - e <= PRECEDING_GAP for c, e, _ in cues)


def elaborates(doc: Doc, s: int, group: dict[str, Any]) -> bool:
    """Whether the bracket at `s` lists the parts of the target just before it, which a cue before that target
    speaks about too ("Progression du foyer frontal droit (composante rehaussée et infiltration FLAIR)"), or the
    colon at `s` describes the lesion an increase cue just announced ("New lesion in the right frontal white matter:
    FLAIR hyperintensity surrounding a ring-enhancing focus": `ANNOUNCED_GAP` tokens at most)."""
    targets, cues, mark = group["targets"], group["cues"], doc[s].text
    if mark == ":" and targets and cues and targets[-1][2] == "TUMOUR" and cues[-1][2] == "INCREASE":
        return 0 <= s - targets[-1][1] <= ANNOUNCED_GAP and cues[-1][1] <= targets[-1][0]
    if mark != "(" or not targets or not 0 <= s - targets[-1][1] <= ELABORATION_GAP:
        return False
    return not cues or cues[-1][1] <= targets[-1][0]


def explained(cs: int, group: dict[str, Any]) -> bool:
    """Whether the hedged change at `cs` is put down to something after it, in its part of the sentence (between
    `TERMINATE` terms), that names no tumour: an apparent change explained away ("l'impression d'extension est
    liée au passage du FLAIR 2D au FLAIR 3D", "the apparent increase is due to partial volume")."""
    return _put_down(cs, group) is not None


def technical(doc: Doc, cs: int, group: dict[str, Any], words: frozenset[str]) -> bool:
    """Whether the change at `cs` is put down to the acquisition by an attribution after it in its part of the
    sentence: a word of the lexicon's `technique` at most `TECHNIQUE_GAP` tokens after the attribution, no tumour named
    after it ("l'aspect un peu plus épais du rehaussement étant lié à l'acquisition tardive", "la moindre intensité
    du rehaussement est liée à la réduction de dose de gadolinium")."""
    cause = _put_down(cs, group)
    return cause is not None and any(
        doc[i].lower_ in words for i in range(cause[0], min(cause[1], cause[0] + TECHNIQUE_GAP))
    )


def _put_down(cs: int, group: dict[str, Any]) -> tuple[int, int] | None:
    """Where what the change at `cs` is put down to starts (the end of the first attribution after it, in its part of
    the sentence) and where that part ends, when no tumour is named after the attribution; else None."""
    if not group["attributions"]:
        return None
    _, hi = _part(cs, group)
    hi = min(hi, group["bounds"][1])
    ends = [e for s, e in group["attributions"] if cs < s < hi]
    if not ends or any(t[2] == "TUMOUR" for t in group["targets"] if ends[0] <= t[0] < hi):
        return None
    return ends[0], hi


def interprets(cs: int, group: dict[str, Any]) -> bool:
    """Whether the change cue at `cs` only interprets a statement before it: it follows an attribution (at most
    `ATTRIBUTION_GAP` tokens) that another cue of its part of the sentence precedes ("unchanged size and FLAIR,
    favouring response to therapy", "majoration de l'hypersignal, en faveur d'une progression")."""
    lo, _ = _part(cs, group)
    return any(
        0 <= cs - end <= ATTRIBUTION_GAP and any(lo < c[0] < start for c in group["cues"])
        for start, end in group["attributions"]
    )


def _part(cs: int, group: dict[str, Any]) -> tuple[int, int]:
    """Token bounds (exclusive) of the part of the sentence, between `TERMINATE` terms, that holds the cue at `cs`."""
    stops = group["terms"]
    i = bisect_right(stops, cs)
    return (stops[i - 1] if i > 0 else -1), (stops[i] if i < len(stops) else 1 << 30)
