"""Settings of a synthetic dataset and the acquisition profile of each simulated site."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, model_validator

from glioma_change.config import StrictModel

Range = tuple[float, float]


@dataclass(frozen=True)
class SiteProfile:
    """How one hospital acquires its T2 images (ranges are sampled per session)."""

    id_prefix: str
    inplane_mm: Range
    slice_mm: Range
    fov_inplane_mm: Range
    fov_slab_mm: Range
    noise_fraction: Range  # Rician sigma as a fraction of the white-matter signal
    bias_strength: float  # peak-to-peak of the log bias field
    tissue_t2: dict[str, float]  # relative T2 signal of each tissue class
    signal_scale: float  # stored intensity of white matter


SITE_PROFILES: dict[str, SiteProfile] = {
    "default": SiteProfile(
        id_prefix="S",
        inplane_mm=(0.9, 1.0),
        slice_mm=(3.5, 5.0),
        fov_inplane_mm=(205.0, 240.0),
        fov_slab_mm=(150.0, 175.0),
        noise_fraction=(0.025, 0.045),
        bias_strength=0.35,
        tissue_t2={
            "csf": 1.0,
            "gm": 0.50,
            "wm": 0.36,
            "lesion": 0.78,
            "necrosis": 0.88,
            "skull": 0.04,
            "marrow": 0.22,
            "scalp": 0.62,
        },
        signal_scale=400.0,
    ),
    "external": SiteProfile(
        id_prefix="E",
        inplane_mm=(0.95, 1.15),
        slice_mm=(5.0, 6.0),
        fov_inplane_mm=(220.0, 250.0),
        fov_slab_mm=(140.0, 165.0),
        noise_fraction=(0.05, 0.07),
        bias_strength=0.6,
        tissue_t2={
            "csf": 0.92,
            "gm": 0.55,
            "wm": 0.44,
            "lesion": 0.74,
            "necrosis": 0.84,
            "skull": 0.06,
            "marrow": 0.30,
            "scalp": 0.80,
        },
        signal_scale=1200.0,
    ),
}


@dataclass(frozen=True)
class ClinicalVariation:
    """What the `clinical` acquisition profile adds to a site: the variability of real follow-ups.

    Per session: larger head motion, slices of any direction and thickness, a scanner of its own
    (contrast curve `signal ** gamma` and intensity scale), a stronger bias field and, sometimes, a
    field of view that cuts the vertex. Per pair: subtler volume changes.
    """

    max_rotation_deg: float = 15.0
    max_translation_mm: float = 15.0
    slice_mm: Range = (2.5, 5.0)  # thickness along the slice axis (x, y or z, drawn per session)
    bias_strength: float = 0.6  # log peak-to-peak: multiplicative field about 0.74-1.35
    gamma: Range = (0.7, 1.4)  # contrast curve of the session's scanner
    intensity_scale: Range = (0.4, 2.5)  # stored intensity of the session's scanner
    vertex_cut_probability: float = 0.5
    vertex_cut_mm: Range = (3.0, 20.0)  # brain height lost at the top when the field of view is cut
    progression: Range = (1.25, 1.6)  # T2 volume factor of a progression
    response: Range = (0.55, 0.8)  # T2 volume factor of a response
    stable: float = 0.05  # largest relative T2 volume change of a stable pair


CLINICAL = ClinicalVariation()
ACQUISITION_PROFILES: tuple[str, ...] = ("standard", "clinical")


class SynthConfig(StrictModel):
    """Everything that defines a synthetic dataset; the same config and seed give the same files."""

    n_patients: int = Field(ge=1, description="number of patients")
    seed: int = Field(0, description="global seed; every random source is derived from it")
    sessions: tuple[int, int] = Field((3, 5), description="min and max sessions per patient")
    threshold: float = Field(0.2, ge=0.05, le=0.55, description="relative T2 volume change defining an unstable pair")
    english_fraction: float = Field(0.5, ge=0.0, le=1.0, description="share of patients reported in English")
    human_fraction: float = Field(0.2, ge=0.0, le=1.0, description="share of patients with human labels")
    missing_date_fraction: float = Field(
        0.15, ge=0.0, le=1.0, description="share of reports whose comparative date is only in the text"
    )
    site: Literal["default", "external"] = "default"
    acquisition: Literal["standard", "clinical"] = Field(
        "standard",
        description="standard: the site's protocol; clinical: adds `ClinicalVariation` (motion up to "
        "15 deg / 15 mm, any slice direction, scanner change, strong bias, cut vertex, subtler changes)",
    )
    inplane_mm: tuple[float, float] | None = Field(None, description="in-plane spacing range (site default)")
    slice_mm: tuple[float, float] | None = Field(None, description="slice spacing range (site default)")
    images: bool = Field(True, description="write the NIfTI images and lesion masks")
    masks: bool = Field(False, description="write the brain mask beside each image")
    report_fidelity: float = Field(
        0.85,
        ge=0.5,
        le=1.0,
        description="share of pairs whose report describes the T2 truth (the others: missed, over-called or "
        "misattributed change, worded with their own confidence)",
    )
    rater_noise: float = Field(0.0, ge=0.0, le=0.5, description="share of human T2 labels flipped (rater error)")
    export_style: Literal["structured", "flat"] = Field(
        "structured",
        description="reports.csv as written (structured) or as a PDF/EHR export leaves it (flat: one "
        "line a report, invented identifying header and footer, headings without colons); see synth/export.py",
    )
    export_encoding: Literal["utf-8", "cp1252"] = Field("utf-8", description="encoding of reports.csv")
    export_sep: Literal[",", ";", "\t"] = Field(",", description="field separator of reports.csv")

    @model_validator(mode="after")
    def _check_ranges(self) -> SynthConfig:
        lo, hi = self.sessions
        if not 2 <= lo <= hi <= 12:
            raise ValueError("sessions must satisfy 2 <= min <= max <= 12")
        for name in ("inplane_mm", "slice_mm"):
            rng = getattr(self, name)
            if rng is not None and not 0.2 <= rng[0] <= rng[1] <= 10.0:
                raise ValueError(f"{name} must satisfy 0.2 <= min <= max <= 10")
        return self

    @property
    def profile(self) -> SiteProfile:
        """The acquisition profile, with spacing overrides applied."""
        base = SITE_PROFILES[self.site]
        return SiteProfile(
            id_prefix=base.id_prefix,
            inplane_mm=self.inplane_mm or base.inplane_mm,
            slice_mm=self.slice_mm or base.slice_mm,
            fov_inplane_mm=base.fov_inplane_mm,
            fov_slab_mm=base.fov_slab_mm,
            noise_fraction=base.noise_fraction,
            bias_strength=base.bias_strength,
            tissue_t2=base.tissue_t2,
            signal_scale=base.signal_scale,
        )

    @property
    def clinical(self) -> ClinicalVariation | None:
        """The clinical variation when `acquisition == "clinical"`, else None."""
        return CLINICAL if self.acquisition == "clinical" else None

    def patient_id(self, index: int) -> str:
        """`S0001`-style identifier of the `index`-th patient (0-based)."""
        return f"{self.profile.id_prefix}{index + 1:04d}"
