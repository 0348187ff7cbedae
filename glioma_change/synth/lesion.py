"""A glioma-like lesion in head space: one irregular potential field whose level sets grow and shrink.

The field is an oriented ellipsoid distance roughened by smooth noise, lowered in white matter
(gliomas infiltrate along it) and infinite outside the brain and in ventricles. A session's lesion
is the set of its `n` lowest-field voxels, so lesions of successive sessions are nested and their
volumes are exact voxel counts: label 2 (necrotic core or cavity) first, then label 1 (T2/FLAIR
hyperintensity) up to the planned T2 volume.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial.transform import Rotation

from glioma_change.seeding import rng
from glioma_change.synth.anatomy import Tissues
from glioma_change.synth.plan import LesionPlan

BOX_HALF_MM = 52


@dataclass(frozen=True)
class LesionField:
    """The lesion potential in a box of the head grid (arrays z, y, x)."""

    box: tuple[slice, slice, slice]
    order: np.ndarray  # flat indices of the box, lowest potential first (finite values only)
    field: np.ndarray  # potential, inf where no tumour can grow
    texture: np.ndarray  # smooth heterogeneity of the tumour signal, around 1
    core_voxels: int
    cavity: bool  # the core is a post-surgical cavity (CSF signal) rather than necrosis

    def labels(self, t2_voxels: int) -> np.ndarray:
        """uint8 labels in the box: 2 core, 1 T2 hyperintensity of exactly `t2_voxels` voxels."""
        out = np.zeros(self.field.size, np.uint8)
        total = self.core_voxels + t2_voxels
        if total > self.order.size:
            raise ValueError(f"lesion of {total} voxels does not fit in its region ({self.order.size})")
        out[self.order[self.core_voxels : total]] = 1
        out[self.order[: self.core_voxels]] = 2
        return out.reshape(self.field.shape)

    def infiltration(self, t2_voxels: int) -> np.ndarray:
        """Weight in [0.35, 1] of the tumour signal inside the lesion: soft, infiltrating border."""
        total = self.core_voxels + t2_voxels
        edge = self.field.flat[self.order[total - 1]]
        centre = self.field.flat[self.order[0]]
        depth = np.clip((edge - self.field) / max(0.35 * (edge - centre), 1e-6), 0.0, 1.0)
        return 0.35 + 0.65 * np.sqrt(depth)


def _centre_index(tissues: Tissues, centre_ras: tuple[float, float, float]) -> np.ndarray:
    """(z, y, x) voxel nearest to the planned centre, moved to the most white-matter voxel nearby."""
    x, y, z = centre_ras
    idx = tissues.reference.TransformPhysicalPointToIndex((-x, -y, z))  # RAS -> LPS
    zyx = np.array(idx[::-1])
    r = 6
    lo = np.maximum(zyx - r, 0)
    patch = tissues.wm[lo[0] : zyx[0] + r + 1, lo[1] : zyx[1] + r + 1, lo[2] : zyx[2] + r + 1]
    return lo + np.array(np.unravel_index(int(np.argmax(patch)), patch.shape))


def build_lesion(tissues: Tissues, plan: LesionPlan, seed: int, patient_id: str) -> LesionField:
    """The lesion field of one patient (deterministic in `seed` and `patient_id`)."""
    g = rng(seed, "synth-lesion", patient_id)
    spacing = np.array(tissues.reference.GetSpacing()[::-1])
    centre = _centre_index(tissues, plan.centre_ras)
    half = np.ceil(BOX_HALF_MM / spacing).astype(int)
    shape = np.array(tissues.wm.shape)
    lo, hi = np.maximum(centre - half, 0), np.minimum(centre + half + 1, shape)
    bz, by, bx = (slice(int(a), int(b)) for a, b in zip(lo, hi))
    box = (bz, by, bx)
    grids = np.meshgrid(*((np.arange(a, b) - c) * s for a, b, c, s in zip(lo, hi, centre, spacing)), indexing="ij")
    coords = np.stack([gr.ravel() for gr in grids], axis=1)
    rotated = Rotation.from_euler("zyx", plan.orientation_deg, degrees=True).apply(coords)
    dist = np.sqrt(((rotated / np.array(plan.axes_ratio)) ** 2).sum(axis=1)).reshape(grids[0].shape)
    noise = ndimage.gaussian_filter(g.standard_normal(dist.shape), sigma=6.0 / spacing)
    noise /= noise.std() + 1e-9
    wm, csf = tissues.wm[box], tissues.csf[box]
    field = dist * np.exp(plan.irregularity * noise) * (1.3 - 0.45 * wm)
    field[(~tissues.brain[box]) | (csf > 0.6)] = np.inf
    texture = 1.0 + 0.08 * ndimage.gaussian_filter(g.standard_normal(dist.shape), sigma=1.5 / spacing) / 0.1
    flat = field.ravel()
    finite = np.flatnonzero(np.isfinite(flat))
    order = finite[np.argsort(flat[finite], kind="stable")]
    core = int(round(plan.core_ml / tissues.voxel_ml))
    return LesionField(box, order, field.astype(np.float32), texture.astype(np.float32), core, plan.core == "cavity")
