"""One pair, end to end: earlier exam A and later exam B → difference maps, transform, QC.

Every step runs with one ITK thread (`register.one_itk_thread`), whatever the caller's setting, so a
pair's files are the same bytes on every run; batches parallelise over patients instead.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import SimpleITK as sitk

from glioma_change.formats import ABSDIFF_SUFFIX, DIFF_SUFFIX, QC_SUFFIX, TRANSFORM_SUFFIX, mask_path
from glioma_change.imaging import bias, io, mask, normalise, qc, register, resample
from glioma_change.imaging.maps import build_maps
from glioma_change.imaging.register import RegistrationSettings, one_itk_thread
from glioma_change.seeding import derive_seed


@dataclass(frozen=True)
class DiffmapOptions:
    """Settings of the difference-map pipeline (shared by every pair of a batch)."""

    spacing: float = 1.0
    shape: Sequence[int] | None = None  # (D, H, W); None: `resample.default_shape(spacing)`
    normalisation: normalise.Method = "quantile"
    match_resolution: bool = True  # smooth both exams, per grid axis, to the coarser resolution of the two there
    n4_shrink_mm: float = 10.0
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
class PreparedSession:
    """One session ready for registration: bias-corrected image and brain mask in its own (LPS) space."""

    image: sitk.Image
    mask: sitk.Image


class StepTimer:
    """Wall-clock and process CPU seconds per named step (`lap` closes the current step). CPU seconds
    stay steady when other work shares the machine; wall seconds do not."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self._last, self._last_cpu = time.perf_counter(), time.process_time()

    def lap(self, step: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.seconds[step] = self.seconds.get(step, 0.0) + now - self._last
        self.cpu_seconds[step] = self.cpu_seconds.get(step, 0.0) + cpu - self._last_cpu
        self._last, self._last_cpu = now, cpu


def read_session(path: Path) -> tuple[sitk.Image, sitk.Image | None]:
    """Read and check one session's image and, when present beside it, the user's brain mask."""
    image = io.read_t2w(path)
    user = mask_path(path)
    return image, (io.read_mask(user, image) if user.is_file() else None)


def prepare_session(
    image: sitk.Image, user_mask: sitk.Image | None, options: DiffmapOptions, seed: int, timer: StepTimer
) -> PreparedSession:
    """Bias-correct and mask one session (the user's mask when given)."""
    rough = user_mask if user_mask is not None else mask.head_mask(image)
    corrected = bias.n4_correct(image, rough, shrink_mm=options.n4_shrink_mm)
    timer.lap("bias")
    brain = mask.brain_mask(corrected, user_mask, seed=seed, head=rough)
    timer.lap("mask")
    return PreparedSession(corrected, brain)


class SessionCache:
    """Prepared sessions of one patient, so an exam shared by two pairs is corrected and masked once.

    A session's result depends only on its file, the options and `seed` (never on the pair it is part
    of), so the maps are the same whether pairs run together, alone or on different machines.
    """

    def __init__(self, options: DiffmapOptions, seed: int) -> None:
        self.options, self.seed = options, seed
        self._sessions: dict[Path, PreparedSession] = {}

    def get(self, path: Path, timer: StepTimer) -> PreparedSession:
        """The prepared session of `path`, computed on first use."""
        path = Path(path).resolve()
        if path not in self._sessions:
            raw = read_session(path)
            timer.lap("read")
            self._sessions[path] = prepare_session(
                *raw, self.options, derive_seed(self.seed, "session", path.name), timer
            )
        return self._sessions[path]


def process_pair(
    a_path: Path,
    b_path: Path,
    out_dir: Path,
    pair_id: str,
    options: DiffmapOptions,
    seed: int,
    sessions: SessionCache | None = None,
) -> dict[str, object]:
    """Run every step for one pair and write its maps, transform and QC PNG (each atomically).

    `seed` drives every random step; pass the patient's `SessionCache` (built with the same options and
    seed) to reuse sessions shared with its other pairs. Returns the pair's metrics (QC values, flags,
    seconds per step). Raises `InputError` for bad input.
    """
    with one_itk_thread():
        timer = StepTimer()
        sessions = sessions or SessionCache(options, seed)
        a, b = sessions.get(Path(a_path), timer), sessions.get(Path(b_path), timer)
        seed = derive_seed(seed, "register", pair_id)

        registration = register.register_checked(
            b.image, a.image, b.mask, a.mask, seed=seed, settings=options.registration
        )
        transform = registration.transform
        timer.lap("register")

        grid = resample.brain_grid(b.image, b.mask, options.spacing, options.grid_shape())
        maps = build_maps(
            a.image, a.mask, b.image, b.mask, transform, grid, options.normalisation, options.match_resolution
        )
        timer.lap("maps")

        metrics: dict[str, object] = {
            "similarity_before": registration.similarity_before,
            "similarity_after": registration.similarity,
            "residual_rotation_deg": registration.residual_rotation_deg,
            "residual_translation_mm": registration.residual_translation_mm,
            "registration_attempts": registration.attempts,
            "start_rotation_deg": registration.start_rotation_deg,
            "registration_failure": registration.failure,
            **maps.metrics,
            "cropped_fraction": resample.cropped_fraction(b.mask, grid),
            **qc.transform_summary(transform),
        }
        pair_flags = qc.flags(metrics)
        outputs = PairOutputs.under(Path(out_dir), pair_id)
        io.write_image(maps.signed, outputs.diff)
        io.write_image(maps.absolute, outputs.absdiff)
        io.write_transform(transform, outputs.transform)
        qc.write_qc_png(
            maps.a, maps.b, maps.signed, outputs.qc_png, f"{pair_id}  flags: {', '.join(pair_flags) or 'none'}"
        )
        timer.lap("write")
        metrics["flags"] = ";".join(pair_flags)
        metrics.update({f"seconds_{k}": round(v, 3) for k, v in timer.seconds.items()})
        metrics.update({f"cpu_seconds_{k}": round(v, 3) for k, v in timer.cpu_seconds.items()})
        return metrics
