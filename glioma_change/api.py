"""The Python API in a few calls: label reports, build one pair's maps, load a run and predict one map.

See `docs/api.md`. Maps cross this API with their geometry (`DiffMap`: array + affine); arrays are in the
map bank's order, (D, H, W) = (z, y, x) of the closest canonical (RAS+) orientation, whatever order or
orientation they came in (nibabel's `get_fdata()` is (x, y, z): give it to `DiffMap.from_nibabel`).
`Ensemble.predict` resizes a map to each checkpoint's input grid, rounds it to float16 exactly as the map
bank stored training maps, derives the absolute channel when a model needs it, and runs the models in
float32, so a user never meets a dtype, channel or axis-order mismatch.

Layer: this module sits beside `demo` (it may import evaluation and everything below).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

import nibabel as nib
import numpy as np
import pandas as pd

from glioma_change.data.mapbank import canonical_array, fit_to_shape
from glioma_change.errors import InputError
from glioma_change.evaluation.ensemble import find_checkpoints


def label_reports(
    reports_csv: str | os.PathLike[str], out_csv: str | os.PathLike[str], language: str = "auto", threshold: float = 0.5
) -> pd.DataFrame:
    """Weak labels of every readable report pair (`formats.LABEL_COLUMNS`), confident and uncertain rows together.

    Writes `out_csv` (confident rows), its `_uncertain` and `_errors` siblings, as `glioma-change labels` does.
    """
    from glioma_change.reports.labeling import label_reports as run_labels

    summary = run_labels(reports_csv, out_csv, language=language, threshold=threshold)
    parts = [pd.read_csv(p, dtype={"patient_id": str}) for p in (summary.output, summary.uncertain_output)]
    return pd.concat(parts, ignore_index=True).sort_values(["patient_id", "exam_date"], ignore_index=True)


@dataclass(frozen=True)
class PairMaps:
    """The files of one pair's difference maps and its QC metrics (registration, flags, seconds per step)."""

    diff: Path
    absdiff: Path
    qc_png: Path
    transform: Path
    metrics: dict[str, object] = field(default_factory=dict)


def build_pair_maps(
    earlier: str | os.PathLike[str],
    later: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    pair_id: str = "pair",
    spacing: float = 1.0,
    shape: tuple[int, int, int] | None = None,
    seed: int = 0,
) -> PairMaps:
    """Register `earlier` onto `later` (T2w files: NIfTI, .mha, anything SimpleITK reads) and write the signed and
    absolute difference maps, transform and QC PNG under `out_dir` as `<pair_id>_*`; a skull-stripped pair
    (zero background) uses its own brain masks."""
    from glioma_change.imaging.pipeline import DiffmapOptions, PairOutputs, process_pair

    options = DiffmapOptions(spacing=spacing, shape=shape)
    try:
        options.grid_shape()
    except ValueError as exc:
        raise InputError(f"shape: {exc}") from None
    out = Path(out_dir)
    metrics = process_pair(Path(earlier), Path(later), out, pair_id, options, seed)
    files = PairOutputs.under(out, pair_id)
    return PairMaps(files.diff, files.absdiff, files.qc_png, files.transform, metrics)


@dataclass(frozen=True)
class DiffMap:
    """A difference map: float32 `array` in (D, H, W) = (z, y, x) canonical order and its voxel size in mm."""

    array: np.ndarray
    spacing: tuple[float, float, float]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> DiffMap:
        """A `_T2wdiff.nii.gz` (or any NIfTI) file, oriented as the map bank orients it."""
        try:
            img = cast(nib.spatialimages.SpatialImage, nib.load(str(path)))  # NIfTI and the like: spatial images
        except Exception as exc:
            raise InputError(f"cannot read map ({type(exc).__name__}: {exc})", path) from None
        return cls(*canonical_array(img, path))

    @classmethod
    def from_nibabel(cls, data: np.ndarray, affine: np.ndarray) -> DiffMap:
        """An array in nibabel's (x, y, z) voxel order with its 4×4 voxel-to-world affine."""
        img = nib.Nifti1Image(np.asarray(data, dtype=np.float32), np.asarray(affine, dtype=float))
        return cls(*canonical_array(img, "array"))


class Ensemble:
    """The fold models of one model name of a run (`best`, `vgg/mixed`, …); `predict` averages their probabilities."""

    def __init__(
        self, run_dir: str | os.PathLike[str], model: str = "best", device: Literal["auto", "cpu", "cuda"] = "auto"
    ) -> None:
        import torch  # noqa: F401 - fail here, not mid-prediction, when torch is missing

        from glioma_change.models import load_checkpoint
        from glioma_change.training.runtime import Runtime

        checkpoints = [c for c in find_checkpoints(run_dir) if c.model == model]
        if not checkpoints:
            known = sorted({c.model for c in find_checkpoints(run_dir)})
            raise InputError(f"no model {model!r} (known: {', '.join(known)})", run_dir)
        self.model = model
        self.runtime = Runtime.create(device)
        self.members = []
        for ckpt in checkpoints:
            net, _, meta = load_checkpoint(ckpt.path)
            self.members.append(
                (
                    ckpt.fold,
                    self.runtime.prepare(net),
                    tuple(int(s) for s in meta["input_shape"]),
                    tuple(meta.get("channels", ["diff"])),
                )
            )

    @property
    def folds(self) -> list[int]:
        return [fold for fold, *_ in self.members]

    def predict_folds(self, diff_map: DiffMap | str | os.PathLike[str]) -> dict[int, float]:
        """P(unstable) of one map under each fold's model."""
        import torch

        from glioma_change.training.loop import predict

        m = diff_map if isinstance(diff_map, DiffMap) else DiffMap.load(diff_map)
        x = torch.from_numpy(np.ascontiguousarray(m.array, dtype=np.float32))
        out = {}
        for fold, net, shape, channels in self.members:
            resized = fit_to_shape(x, shape).to(torch.float16)  # as the map bank stores training maps
            stacked = torch.stack([resized if c == "diff" else resized.abs() for c in channels])[None]
            out[fold] = float(predict(net, stacked, self.runtime)[0])
        return out

    def predict(self, diff_map: DiffMap | str | os.PathLike[str]) -> float:
        """P(unstable) of one map: the mean over the folds' models."""
        return float(np.mean(list(self.predict_folds(diff_map).values())))


def load_run(
    run_dir: str | os.PathLike[str], model: str = "best", device: Literal["auto", "cpu", "cuda"] = "auto"
) -> Ensemble:
    """The fold ensemble of `model` in a run directory written by `tune` or `train`."""
    return Ensemble(run_dir, model, device)


def predict_maps(run_dir: str | os.PathLike[str], maps_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Fold-averaged P(unstable) of every map under `maps_dir` for every model of the run (`glioma-change predict`)."""
    from glioma_change.evaluation.predict import predict_maps as run_predict

    return run_predict(run_dir, maps_dir)
