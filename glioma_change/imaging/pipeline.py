"""One pair, end to end: earlier exam A and later exam B → difference maps, transform, QC."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import SimpleITK as sitk

from glioma_change.formats import ABSDIFF_SUFFIX, DIFF_SUFFIX, QC_SUFFIX, TRANSFORM_SUFFIX, mask_path
from glioma_change.imaging import bias, io, mask, normalise, qc, register, resample, subtract
from glioma_change.imaging.register import RegistrationSettings
from glioma_change.seeding import derive_seed


@dataclass(frozen=True)
class DiffmapOptions:
    """Settings of the difference-map pipeline (shared by every pair of a batch)."""

    spacing: float = 1.0
    shape: Sequence[int] | None = None  # (D, H, W); None: `resample.default_shape(spacing)`
    normalisation: normalise.Method = "zscore"
    match_resolution: bool = True  # smooth both exams to the coarsest voxel size of the pair before subtraction
    n4_shrink_mm: float = 8.0
    registration: RegistrationSettings = field(default_factory=RegistrationSettings)

    def grid_shape(self) -> tuple[int, int, int]:
        shape = tuple(int(s) for s in self.shape) if self.shape else resample.default_shape(self.spacing)
        if len(shape) != 3 or min(shape) < 8:
            raise ValueError(f"grid shape must be three sizes ≥ 8, got {shape}")
        return shape  # type: ignore[return-value]


@dataclass
class PairOutputs:
    """Final paths of one pair's files."""

    diff: Path
    absdiff: Path
    qc_png: Path
    transform: Path

    @classmethod
    def under(cls, directory: Path, pair_id: str) -> PairOutputs:
        return cls(
            diff=directory / f"{pair_id}{DIFF_SUFFIX}",
            absdiff=directory / f"{pair_id}{ABSDIFF_SUFFIX}",
            qc_png=directory / f"{pair_id}{QC_SUFFIX}",
            transform=directory / f"{pair_id}{TRANSFORM_SUFFIX}",
        )

    def all_exist(self) -> bool:
        return all(p.is_file() for p in (self.diff, self.absdiff, self.qc_png, self.transform))


@dataclass
class Session:
    """One preprocessed session: bias-corrected image and brain mask in its own (LPS) space."""

    image: sitk.Image
    mask: sitk.Image


class StepTimer:
    """Wall-clock seconds per named step (`lap` closes the current step)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.seconds[step] = self.seconds.get(step, 0.0) + now - self._last
        self._last = now


def read_session(path: Path) -> tuple[sitk.Image, sitk.Image | None]:
    """Read and check one session's image and, when present beside it, the user's brain mask."""
    image = io.read_t2w(path)
    user = mask_path(path)
    return image, (io.read_mask(user, image) if user.is_file() else None)


def prepare_session(image: sitk.Image, user_mask: sitk.Image | None, options: DiffmapOptions, seed: int,
                    timer: StepTimer) -> Session:
    """Bias-correct and mask one session (the user's mask when given)."""
    rough = user_mask if user_mask is not None else mask.head_mask(image)
    corrected = bias.n4_correct(image, rough, shrink_mm=options.n4_shrink_mm)
    timer.lap("bias")
    brain = mask.brain_mask(corrected, user_mask, seed=seed)
    timer.lap("mask")
    return Session(corrected, brain)


class SessionCache:
    """Prepared sessions of one patient, so an exam shared by two pairs is corrected and masked once.

    A session's result depends only on its file, the options and `seed` (never on the pair it is part
    of), so the maps are the same whether pairs run together, alone or on different machines.
    """

    def __init__(self, options: DiffmapOptions, seed: int) -> None:
        self.options, self.seed = options, seed
        self._sessions: dict[Path, Session] = {}

    def get(self, path: Path, timer: StepTimer) -> Session:
        """The prepared session of `path`, computed on first use."""
        path = Path(path).resolve()
        if path not in self._sessions:
            raw = read_session(path)
            timer.lap("read")
            self._sessions[path] = prepare_session(*raw, self.options, derive_seed(self.seed, "session", path.name),
                                                   timer)
        return self._sessions[path]


def process_pair(
    a_path: Path, b_path: Path, out_dir: Path, pair_id: str, options: DiffmapOptions, seed: int,
    sessions: SessionCache | None = None,
) -> dict[str, object]:
    """Run every step for one pair and write its maps, transform and QC PNG (each atomically).

    `seed` drives every random step; pass the patient's `SessionCache` (built with the same options and
    seed) to reuse sessions shared with its other pairs. Returns the pair's metrics (QC values, flags,
    seconds per step). Raises `InputError` for bad input.
    """
    timer = StepTimer()
    sessions = sessions or SessionCache(options, seed)
    a, b = sessions.get(Path(a_path), timer), sessions.get(Path(b_path), timer)
    seed = derive_seed(seed, "register", pair_id)

    transform = register.register(b.image, a.image, b.mask, a.mask, seed=seed, settings=options.registration)
    timer.lap("register")

    grid = resample.brain_grid(b.image, b.mask, options.spacing, options.grid_shape())
    resolution = max(*a.image.GetSpacing(), *b.image.GetSpacing()) if options.match_resolution else None
    a_grid = resample.resample_image(a.image, grid, transform, resolution)
    b_grid = resample.resample_image(b.image, grid, None, resolution)
    a_unreg = resample.resample_image(a.image, grid, None, resolution)
    mask_b = resample.resample_mask(b.mask, grid)
    mask_a = resample.resample_mask(a.mask, grid, transform)
    timer.lap("resample")

    a_norm = normalise.normalise(a_grid, mask_b, options.normalisation)
    b_norm = normalise.normalise(b_grid, mask_b, options.normalisation)
    a_unreg_norm = normalise.normalise(a_unreg, mask_b, options.normalisation)
    timer.lap("normalise")

    both = mask_b & mask_a  # brain in both exams: no map where one of them is background
    signed, absolute = subtract.difference_maps(a_norm, b_norm, both)
    unregistered, _ = subtract.difference_maps(a_unreg_norm, b_norm, mask_b & resample.resample_mask(a.mask, grid))
    timer.lap("subtract")

    metrics: dict[str, object] = {
        "mattes_mi": register.final_metric(b.image, a.image, transform, b.mask),
        "correlation_before": qc.correlation(a_unreg_norm, b_norm, mask_b),
        "correlation_after": qc.correlation(a_norm, b_norm, mask_b),
        "mean_absdiff_before": qc.mean_abs_inside(unregistered, mask_b),
        "mean_absdiff_after": qc.mean_abs_inside(signed, mask_b),
        "brain_voxels": int(sitk.GetArrayViewFromImage(both).sum()),
        "dice": qc.dice(mask_a, mask_b),
        "cropped_fraction": resample.cropped_fraction(b.mask, grid),
        **qc.transform_summary(transform),
    }
    pair_flags = qc.flags(metrics)  # type: ignore[arg-type]
    outputs = PairOutputs.under(Path(out_dir), pair_id)
    io.write_image(signed, outputs.diff)
    io.write_image(absolute, outputs.absdiff)
    io.write_transform(transform, outputs.transform)
    qc.write_qc_png(a_norm, b_norm, signed, outputs.qc_png, f"{pair_id}  flags: {', '.join(pair_flags) or 'none'}")
    timer.lap("write")
    metrics["flags"] = ";".join(pair_flags)
    metrics.update({f"seconds_{k}": round(v, 3) for k, v in timer.seconds.items()})
    return metrics
