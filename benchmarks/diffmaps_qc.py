"""The registration failure check against known registration error, for `bench_diffmaps.py`.

Cases per pair: the pipeline's own registration, the true transform composed with known offsets
(`OFFSETS`, seeded axes and directions), and a weak-start registration (moments only, no rotation
search, one attempt). A case is bad when its true residual exceeds 2° or 2 mm.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import SimpleITK as sitk

from glioma_change.imaging import validation
from glioma_change.imaging.check import perturbed
from glioma_change.imaging.pipeline import DiffmapOptions, PreparedSession
from glioma_change.imaging.register import check_transform, register_checked

BAD_ROTATION_DEG, BAD_TRANSLATION_MM = 2.0, 2.0
# (rotation °, shift mm) composed with the true transform, each about / along a seeded random direction
OFFSETS = [(0, 0), (0.5, 0.5), (1, 1), (1.5, 0.5), (0.5, 1.5), (2.5, 0.5), (0.5, 2.5), (3, 1), (1, 3), (4, 2), (6, 0)]
THRESHOLDS = (1.0, 1.5, 2.0, 2.5, 3.0)  # swept: estimated residual (° and mm) above which a case is flagged
OLD_MIN_SIMILARITY = 0.75


def qc_cases(
    a: PreparedSession,
    b: PreparedSession,
    truth: sitk.AffineTransform,
    centre: np.ndarray,
    options: DiffmapOptions,
    seed: int,
    row: dict[str, object],
) -> list[dict[str, object]]:
    """The failure check against the true error: the pipeline's registration, the truth with known offsets,
    a weak-start registration (no rotation search, one attempt)."""
    base = {"pair_id": row["pair_id"], "t2_label": row["t2_label"]}
    cases = [
        {
            **base,
            "source": "pipeline",
            "true_rot_deg": row["ours_rot_err_deg"],
            "true_trans_mm": row["ours_trans_err_mm"],
            "similarity": row["similarity_after"],
            "est_rot_deg": row["residual_rotation_deg"],
            "est_trans_mm": row["residual_translation_mm"],
            "flagged": bool(row["ours_registration_flag"]),
        }
    ]
    rng = np.random.default_rng(seed)
    transforms = []
    for rotation, shift in OFFSETS:
        axis, direction = (v / np.linalg.norm(v) for v in rng.normal(size=(2, 3)))
        offset = sitk.VersorRigid3DTransform()
        offset.SetCenter(centre.tolist())
        offset.SetRotation(axis.tolist(), float(np.radians(rotation)))
        offset.SetTranslation((direction * shift).tolist())
        transforms.append(("offset", perturbed(truth, offset)))
    weak = replace(options.registration, search_steps=0, max_attempts=1)
    transforms.append(("weak start", register_checked(b.image, a.image, b.mask, a.mask, seed, weak).transform))
    for source, transform in transforms:
        err = validation.transform_error(transform, truth, centre)
        result = check_transform(b.image, a.image, transform, b.mask, a.mask, options.registration)
        cases.append(
            {
                **base,
                "source": source,
                "true_rot_deg": err.rotation_deg,
                "true_trans_mm": err.translation_mm,
                "similarity": result.similarity,
                "est_rot_deg": result.rotation_deg,
                "est_trans_mm": result.translation_mm,
                "flagged": bool(result.failure),
            }
        )
    return cases


def precision_recall(bad: pd.Series, flagged: pd.Series) -> dict[str, float]:
    both = int((bad & flagged).sum())
    return {
        "cases": len(bad),
        "bad": int(bad.sum()),
        "flagged": int(flagged.sum()),
        "both": both,
        "precision": both / flagged.sum() if flagged.any() else float("nan"),
        "recall": both / bad.sum() if bad.any() else float("nan"),
    }


def qc_summary(cases: pd.DataFrame, options: DiffmapOptions) -> dict[str, object]:
    """Precision / recall of the check (as run, per source and over all), of a threshold sweep and of the
    similarity-only check, against a true residual > 2° or 2 mm; false flags on well-registered
    (< 1°, < 1 mm) changed pairs."""
    bad = (cases["true_rot_deg"] > BAD_ROTATION_DEG) | (cases["true_trans_mm"] > BAD_TRANSLATION_MM)
    good = (cases["true_rot_deg"] < 1.0) & (cases["true_trans_mm"] < 1.0)
    settings = options.registration.check
    low = cases["similarity"] < settings.min_similarity
    out: dict[str, object] = {
        "bad_if_over": [BAD_ROTATION_DEG, BAD_TRANSLATION_MM],
        "check": {
            "min_similarity": settings.min_similarity,
            "max_rotation_deg": settings.max_rotation_deg,
            "max_translation_mm": settings.max_translation_mm,
        },
        "all": precision_recall(bad, cases["flagged"]),
        "by_source": {
            k: precision_recall(bad[i], cases["flagged"][i]) for k, i in cases.groupby("source").groups.items()
        },
        "sweep": {
            f"{t:.1f}": precision_recall(bad, low | (cases["est_rot_deg"] > t) | (cases["est_trans_mm"] > t))
            for t in THRESHOLDS
        },
        "similarity_only": precision_recall(bad, cases["similarity"] < OLD_MIN_SIMILARITY),
    }
    for label, kind in (("changed", 1), ("stable", 0)):
        rows = good & (cases["t2_label"] == kind)
        out[f"false_flags_well_registered_{label}"] = [int(cases["flagged"][rows].sum()), int(rows.sum())]
    out["cases"] = cases.to_dict(orient="records")
    return out


def qc_row(label: str, v: dict[str, float]) -> str:
    return (
        f"| {label} | {v['cases']} | {v['bad']} | {v['flagged']} | {v['both']} | {v['precision']:.2f} | "
        f"{v['recall']:.2f} |"
    )
