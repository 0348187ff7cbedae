"""Which lesion a change cue speaks about: the tumour, or another lesion (`OTHER_LESION`: radiation necrosis,
haematoma, cavernoma ...) that the sentence names as the owner of the enhancement and oedema described with it.
Read by `glioma_context`."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from spacy.tokens import Doc

from glioma_change.reports.components.extensions import any_within
from glioma_change.reports.lexicon import UNRELATED

ATTRIBUTION_GAP = 2  # tokens between an attribution and the lesion it names ("d'une", "a")
COMPLEMENT_GAP = 2  # tokens between a target and the lesion it belongs to ("de", "of the")


def complements(targets: list[list], cues: list[int], clauses: list[int]) -> None:
    """Makes a target whose complement is another lesion that lesion's (`OTHER_LESION`, in place): "œdème
    vasogénique de radionécrose", "lésion de radionécrose", "oedema of the haematoma" — the lesion at most
    `COMPLEMENT_GAP` tokens after the target, no cue or clause boundary between them."""
    for target, nxt in zip(targets, targets[1:]):
        if nxt[2] != "OTHER_LESION" or target[2] in UNRELATED or not 0 <= nxt[0] - target[1] <= COMPLEMENT_GAP:
            continue
        if not any_within(cues, target[1], nxt[0]) and not any_within(clauses, target[1], nxt[0]):
            target[2] = "OTHER_LESION"


def owned(doc: Doc, cs: int, group: dict[str, Any]) -> bool:
    """Whether the cue at `cs` describes another lesion than the tumour: the first target of its part of
    the sentence (between `TERMINATE` terms) is an `OTHER_LESION` before the cue, and no `TUMOUR` target
    stands in that part ("la radionécrose diminue, avec une prise de contraste réduite et un œdème moins
    étendu": the enhancement and the oedema are the necrosis's), or the part puts the change down to such a
    lesion after the cue (`ATTRIBUTION`: "the enlarging enhancement has the features of radiation necrosis").
    A part that a colon opens continues the part before it when that one names the lesion ("Plage de
    radionécrose : rehaussement plus étendu")."""
    stops = group["terms"]
    i = bisect_right(stops, cs)
    lo = stops[i - 1] if i > 0 else -1
    hi = stops[i] if i < len(stops) else 1 << 30
    part = [t for t in group["targets"] if lo < t[0] < hi]
    if lo >= 0 and doc[lo].text == ":":
        before = stops[i - 2] if i > 1 else -1
        named = [t for t in group["targets"] if before < t[0] < lo]
        if named and named[0][2] == "OTHER_LESION" and all(t[2] != "TUMOUR" for t in named):
            part = named + part
    if not part:
        return False
    if part[0][2] == "OTHER_LESION" and part[0][0] < cs and all(t[2] != "TUMOUR" for t in part):
        return True
    # put down to another lesion after the cue, no tumour named after that: "the enlarging enhancement has the
    # features of radiation necrosis", "enlarging lesion with imaging features of radiation necrosis"
    return any(
        cs < end < hi
        and any(t[2] == "OTHER_LESION" and 0 <= t[0] - end <= ATTRIBUTION_GAP for t in part)
        and all(t[2] != "TUMOUR" for t in part if t[0] >= end)
        for end in group["attributions"]
    )
