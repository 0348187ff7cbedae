"""The ground truth of one synthetic patient: history, lesion, per-session volumes and acquisition.

A plan is drawn from the global seed and the patient id alone, so tables and reports are the same
whether or not images are written, and whatever the number of parallel jobs.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from glioma_change.seeding import rng
from glioma_change.synth.config import ClinicalVariation, SynthConfig

CHANGE_KINDS = ("stable", "progression", "response", "enhancement")
LOBE_CENTRES_RAS = {  # approximate white-matter centres in MNI RAS mm, right hemisphere
    "frontal": (28.0, 28.0, 22.0),
    "temporal": (40.0, -18.0, -8.0),
    "parietal": (28.0, -48.0, 34.0),
    "occipital": (24.0, -76.0, 10.0),
    "insular": (33.0, 4.0, 6.0),
}
ENH_MIN_CHANGE_ML = 0.3
ENH_MIN_REL_CHANGE = 0.4
BRAIN_TOP_MM = 72.0  # height of the vertex above the motion centre (the brain's centroid), head space
CUT_FOV_HEIGHT_MM = 190.0  # superior-inferior field of view of a session whose vertex is cut


@dataclass(frozen=True)
class Motion:
    """Rigid head motion of one session: Euler angles (degrees) and translation (mm), LPS."""

    rot_deg: tuple[float, float, float]
    trans_mm: tuple[float, float, float]


@dataclass(frozen=True)
class Acquisition:
    """Grid and artefacts of one session (sizes in voxels; thick slices along `slice_axis`, 0 x, 1 y, 2 z)."""

    spacing: tuple[float, float, float]
    size: tuple[int, int, int]
    fov_shift_mm: tuple[float, float, float]
    noise_fraction: float
    bias_coeffs: tuple[float, ...]
    slice_axis: int = 2
    gamma: float = 1.0  # scanner contrast curve: stored signal ∝ signal ** gamma
    intensity_scale: float = 1.0  # scanner intensity scale, times the site's
    bias_strength: float | None = None  # None: the site's
    vertex_cut_mm: float = 0.0  # brain height above the field of view (0: the whole brain is seen)


@dataclass(frozen=True)
class SessionPlan:
    date: dt.date
    t2_vol_ml: float  # T2/FLAIR hyperintense tumour (label 1), excluding the core
    enh_vol_ml: float  # enhancing tumour: tracked, not visible on T2
    motion: Motion
    acquisition: Acquisition


@dataclass(frozen=True)
class PairPlan:
    a: int
    b: int
    change_kind: str
    t2_rel_change: float
    t2_label: int
    global_label: int


@dataclass(frozen=True)
class LesionPlan:
    hemisphere: str  # "left" | "right"
    lobe: str
    centre_ras: tuple[float, float, float]
    axes_ratio: tuple[float, float, float]  # relative semi-axes, largest first
    orientation_deg: tuple[float, float, float]
    core: str  # "none" | "necrosis" | "cavity"
    core_ml: float
    irregularity: float


@dataclass(frozen=True)
class History:
    diagnosis: str  # "glioblastoma" | "astrocytoma" | "oligodendroglioma"
    surgery: str  # "resection" | "partial resection" | "biopsy"
    surgery_date: dt.date
    radiotherapy_end: dt.date | None
    temozolomide: bool


@dataclass(frozen=True)
class PatientPlan:
    patient_id: str
    english: bool
    history: History
    lesion: LesionPlan
    sessions: tuple[SessionPlan, ...]
    pairs: tuple[PairPlan, ...]


def enhancement_changed(vol_a: float, vol_b: float) -> bool:
    """Whether the enhancing component changed: by at least 0.3 ml and 40% of the larger volume."""
    delta = abs(vol_b - vol_a)
    return delta >= ENH_MIN_CHANGE_ML and delta >= ENH_MIN_REL_CHANGE * max(vol_a, vol_b)


def t2_label(vol_a: float, vol_b: float, threshold: float) -> int:
    """1 (unstable) iff the relative T2 volume change reaches the threshold."""
    return int(abs(vol_b - vol_a) / vol_a >= threshold)


def diameters_mm(volume_ml: float, axes_ratio: tuple[float, float, float]) -> tuple[int, int]:
    """The two largest diameters (mm) of an ellipsoid of this volume and shape, as a radiologist measures."""
    q = axes_ratio
    scale = (volume_ml * 1000.0 / (4.0 / 3.0 * math.pi * q[0] * q[1] * q[2])) ** (1.0 / 3.0)
    return round(2 * scale * q[0]), round(2 * scale * q[1])


def _choose_kind(g: np.random.Generator, volume: float) -> str:
    weights = np.array([0.42, 0.25, 0.15, 0.18])
    if volume > 90.0:
        weights[1] = 0.0
    if volume < 4.0:
        weights[2] = 0.0
    return str(g.choice(CHANGE_KINDS, p=weights / weights.sum()))


def _next_volumes(
    g: np.random.Generator, kind: str, t2: float, enh: float, thr: float, clinical: ClinicalVariation | None = None
) -> tuple[float, float]:
    if clinical is not None and kind in ("stable", "progression", "response"):
        factor = {
            "stable": (1 - clinical.stable, 1 + clinical.stable),
            "progression": clinical.progression,
            "response": clinical.response,
        }[kind]
        enh_b = enh * (
            g.uniform(0.92, 1.08)
            if kind == "stable"
            else g.uniform(1.0, 2.5)
            if kind == "progression"
            else g.uniform(0.1, 1.0)
        )
        return round(t2 * g.uniform(*factor), 3), round(enh_b, 3)
    if kind == "stable":
        t2_b = t2 * (1 + g.uniform(-0.5 * thr, 0.5 * thr))
        enh_b = enh * (1 + g.uniform(-0.08, 0.08))
    elif kind == "progression":
        t2_b = t2 * (1 + g.uniform(1.5 * thr, min(4 * thr, 1.2)))
        enh_b = enh * g.uniform(1.0, 2.5) if enh > 0 or g.random() < 0.5 else g.uniform(0.5, 2.0)
    elif kind == "response":
        t2_b = t2 * (1 - g.uniform(1.5 * thr, min(3 * thr, 0.85)))
        enh_b = enh * g.uniform(0.1, 1.0)
    else:  # enhancement only: T2 stable, enhancing component appears, vanishes or grows
        t2_b = t2 * (1 + g.uniform(-0.4 * thr, 0.4 * thr))
        if enh < ENH_MIN_CHANGE_ML:
            enh_b = g.uniform(0.8, 3.0)
        elif g.random() < 0.5:
            enh_b = 0.0
        else:
            enh_b = enh * g.uniform(2.0, 3.0)
    return round(t2_b, 3), round(enh_b, 3)


def _acquisition(g: np.random.Generator, config: SynthConfig) -> Acquisition:
    p = config.profile
    inplane = g.uniform(*p.inplane_mm)
    spacing = (inplane, inplane, g.uniform(*p.slice_mm))
    fov_xy = g.uniform(*p.fov_inplane_mm)
    fov = (fov_xy, fov_xy * g.uniform(1.0, 1.12), g.uniform(*p.fov_slab_mm))
    size = tuple(max(8, int(round(f / s))) for f, s in zip(fov, spacing))
    acquisition = Acquisition(
        spacing=tuple(round(s, 4) for s in spacing),  # type: ignore[arg-type]
        size=size,  # type: ignore[arg-type]
        fov_shift_mm=tuple(round(v, 3) for v in g.uniform(-8, 8, 3)),  # type: ignore[arg-type]
        noise_fraction=round(float(g.uniform(*p.noise_fraction)), 4),
        bias_coeffs=tuple(round(v, 4) for v in g.normal(0.0, 1.0, 9)),
    )
    return acquisition if config.clinical is None else _clinical(g, config, acquisition, config.clinical)


def _clinical(g: np.random.Generator, config: SynthConfig, acq: Acquisition, c: ClinicalVariation) -> Acquisition:
    """`acq` turned into a clinical session: slices along any axis, own scanner, maybe a cut vertex."""
    axis = int(g.integers(0, 3))
    inplane = acq.spacing[0]
    thick = g.uniform(*(config.slice_mm or c.slice_mm))
    spacing = [inplane] * 3
    spacing[axis] = thick
    fov_inplane = config.profile.fov_inplane_mm
    fov = [g.uniform(*fov_inplane), g.uniform(*fov_inplane) * 1.08, g.uniform(*fov_inplane) * 0.85]
    shift = [float(v) for v in acq.fov_shift_mm]
    cut = float(g.uniform(*c.vertex_cut_mm)) if g.random() < c.vertex_cut_probability else 0.0
    if cut > 0:  # the top of the field of view lies `cut` mm below the vertex
        fov[2] = CUT_FOV_HEIGHT_MM
        n_z = int(round(fov[2] / spacing[2]))
        shift[2] = BRAIN_TOP_MM - cut - (n_z - 1) * spacing[2] / 2.0
    size = tuple(max(8, int(round(f / s))) for f, s in zip(fov, spacing))
    return Acquisition(
        spacing=tuple(round(s, 4) for s in spacing),  # type: ignore[arg-type]
        size=size,  # type: ignore[arg-type]
        fov_shift_mm=tuple(round(v, 3) for v in shift),  # type: ignore[arg-type]
        noise_fraction=acq.noise_fraction,
        bias_coeffs=acq.bias_coeffs,
        slice_axis=axis,
        gamma=round(float(g.uniform(*c.gamma)), 4),
        intensity_scale=round(float(g.uniform(*c.intensity_scale)), 4),
        bias_strength=c.bias_strength,
        vertex_cut_mm=round(cut, 2),
    )


def _motion(g: np.random.Generator, clinical: ClinicalVariation | None = None) -> Motion:
    rot, trans = (10.0, 10.0) if clinical is None else (clinical.max_rotation_deg, clinical.max_translation_mm)
    return Motion(
        rot_deg=tuple(round(v, 3) for v in g.uniform(-rot, rot, 3)),  # type: ignore[arg-type]
        trans_mm=tuple(round(v, 3) for v in g.uniform(-trans, trans, 3)),  # type: ignore[arg-type]
    )


def _history(g: np.random.Generator, first: dt.date) -> History:
    diagnosis = str(g.choice(["glioblastoma", "astrocytoma", "oligodendroglioma"], p=[0.5, 0.3, 0.2]))
    surgery = str(g.choice(["resection", "partial resection", "biopsy"], p=[0.45, 0.3, 0.25]))
    surgery_date = first - dt.timedelta(days=int(g.integers(30, 400)))
    rt_end = None
    if diagnosis == "glioblastoma" or g.random() < 0.5:
        rt_end = surgery_date + dt.timedelta(days=int(g.integers(60, 90)))
        rt_end = min(rt_end, first - dt.timedelta(days=7))
    temozolomide = diagnosis == "glioblastoma" or g.random() < 0.4
    return History(diagnosis, surgery, surgery_date, rt_end, temozolomide)


def _lesion(g: np.random.Generator, history: History) -> LesionPlan:
    lobe = str(g.choice(list(LOBE_CENTRES_RAS)))
    hemisphere = str(g.choice(["left", "right"]))
    x, y, z = LOBE_CENTRES_RAS[lobe]
    sign = -1.0 if hemisphere == "left" else 1.0  # RAS: left is negative x
    centre = (sign * x + g.uniform(-4, 4), y + g.uniform(-6, 6), z + g.uniform(-5, 5))
    ratios = tuple(sorted(g.uniform(0.6, 1.0, 3), reverse=True))
    ratios = (1.0, ratios[1] / ratios[0], ratios[2] / ratios[0])
    if history.surgery != "biopsy" and g.random() < 0.8:
        core, core_ml = "cavity", g.uniform(2.0, 8.0)
    elif history.diagnosis == "glioblastoma" and g.random() < 0.6:
        core, core_ml = "necrosis", g.uniform(1.0, 4.0)
    else:
        core, core_ml = "none", 0.0
    return LesionPlan(
        hemisphere=hemisphere,
        lobe=lobe,
        centre_ras=tuple(round(v, 2) for v in centre),  # type: ignore[arg-type]
        axes_ratio=tuple(round(v, 3) for v in ratios),  # type: ignore[arg-type]
        orientation_deg=tuple(round(v, 1) for v in g.uniform(-40, 40, 3)),  # type: ignore[arg-type]
        core=core,
        core_ml=round(core_ml, 3),
        irregularity=round(float(g.uniform(0.2, 0.4)), 3),
    )


def plan_patient(config: SynthConfig, index: int) -> PatientPlan:
    """Draw the whole ground truth of the `index`-th patient from the global seed."""
    pid = config.patient_id(index)
    g = rng(config.seed, "synth-plan", pid)
    n_sessions = int(g.integers(config.sessions[0], config.sessions[1] + 1))
    first = dt.date(2014, 1, 1) + dt.timedelta(days=int(g.integers(0, 3000)))
    dates = [first]
    for _ in range(n_sessions - 1):
        dates.append(dates[-1] + dt.timedelta(days=int(g.integers(60, 243))))
    history = _history(g, first)
    lesion = _lesion(g, history)
    t2 = round(float(g.uniform(8.0, 45.0)), 3)
    enh = round(float(g.uniform(0.5, 4.0)), 3) if g.random() < 0.5 else 0.0
    volumes, pairs = [(t2, enh)], []
    for i in range(n_sessions - 1):
        kind = _choose_kind(g, t2)
        t2_b, enh_b = _next_volumes(g, kind, t2, enh, config.threshold, config.clinical)
        label = t2_label(t2, t2_b, config.threshold)
        global_label = int(label or enhancement_changed(enh, enh_b))
        pairs.append(PairPlan(i, i + 1, kind, round((t2_b - t2) / t2, 4), label, global_label))
        volumes.append((t2_b, enh_b))
        t2, enh = t2_b, enh_b
    sessions = tuple(
        SessionPlan(date, v[0], v[1], _motion(g, config.clinical), _acquisition(g, config))
        for date, v in zip(dates, volumes)
    )
    english = bool(rng(config.seed, "synth-language", pid).random() < config.english_fraction)
    return PatientPlan(pid, english, history, lesion, sessions, tuple(pairs))
