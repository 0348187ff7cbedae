"""`glioma-change diffmaps`: difference maps for exam pairs of a BIDS-like T2w dataset."""

from __future__ import annotations

from pathlib import Path

import typer

from glioma_change.cli.common import SEED
from glioma_change.errors import ConfigError


def register(app: typer.Typer) -> None:
    @app.command("diffmaps")
    def diffmaps(
        bids_dir: Path = typer.Argument(
            ..., help="BIDS-like folder: sub-<id>/ses-<YYYYMMDD or day number>/anat/*_T2w.nii.gz."
        ),
        out: Path = typer.Option(..., "--out", "-o", help="Output folder for maps, QC PNGs and manifest.csv."),
        pairs: Path | None = typer.Option(
            None,
            "--pairs",
            help="Table whose rows name the pairs to process (comparative → exam): a label CSV, the BraTS-2015 "
            "label file (sub, ses_diff) or a plain list (patient_id, comparative_date|comparative_session, "
            "exam_date|exam_session).",
        ),
        consecutive: bool = typer.Option(
            False, "--consecutive", help="Process every pair of consecutive sessions of every subject."
        ),
        jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Pairs processed in parallel (worker processes)."),
        spacing: float = typer.Option(1.0, "--spacing", min=0.25, help="Isotropic voxel size of the maps (mm)."),
        shape: tuple[int, int, int] | None = typer.Option(
            None, "--shape", help="Map shape D H W in voxels (default: a 160×192×160 mm field of view)."
        ),
        normalisation: str = typer.Option(
            "quantile",
            "--normalisation",
            help="Intensity normalisation inside the brain: quantile (the earlier exam histogram-matched onto the "
            "later, then z-scored; survives a change of scanner), zscore or percentile.",
        ),
        shard: str | None = typer.Option(
            None,
            "--shard",
            metavar="K/N",
            help="Build only job K of N (1 ≤ K ≤ N; e.g. a scheduler's array index) into the shared output folder.",
        ),
        seed: int = SEED,
    ) -> None:
        """Register each pair of T2-weighted exams (earlier onto later) and write signed and absolute
        difference maps on a fixed isotropic grid, QC images, transforms and manifest.csv. Resumable:
        finished pairs are skipped on rerun; failed pairs are recorded with their error. With --shard K/N,
        N jobs build disjoint sets of pairs into one folder; each merges manifest.csv when it ends."""
        from glioma_change.errors import InputError
        from glioma_change.imaging.batch import (
            consecutive_pairs,
            nothing_to_do,
            pairs_from_labels,
            parse_shard,
            run_batch,
        )
        from glioma_change.imaging.normalise import METHODS
        from glioma_change.imaging.pipeline import DiffmapOptions

        if (pairs is None) == (not consecutive):
            raise ConfigError("give exactly one of --pairs LABELS.csv or --consecutive")
        shard_kn = parse_shard(shard) if shard is not None else None
        if normalisation not in METHODS:
            raise ConfigError(f"--normalisation must be one of {', '.join(METHODS)}")
        options = DiffmapOptions(spacing=spacing, shape=shape, normalisation=normalisation)  # type: ignore[arg-type]
        try:
            options.grid_shape()
        except ValueError as exc:
            raise ConfigError(f"--shape: {exc}") from None
        if not bids_dir.is_dir():
            raise InputError("BIDS directory not found", bids_dir)
        tasks = pairs_from_labels(pairs) if pairs is not None else consecutive_pairs(bids_dir)
        if not tasks:
            why = f"{pairs} names no pair" if pairs is not None else nothing_to_do(bids_dir)
            raise InputError(f"nothing to do: {why}")
        manifest = run_batch(bids_dir, out, tasks, options, jobs=jobs, seed=seed, shard=shard_kn)
        counts = manifest["status"].value_counts().to_dict() if len(manifest) else {}
        typer.echo(
            f"{len(manifest)} pair(s): {counts.get('ok', 0)} ok, {counts.get('flagged', 0)} flagged, "
            f"{counts.get('failed', 0)} failed → {out / 'manifest.csv'}"
        )
        if counts.get("failed", 0):
            typer.echo(f"failed pairs and why: {out / 'diffmaps.errors.csv'}", err=True)
        if len(manifest) and counts.get("failed", 0) == len(manifest):
            raise typer.Exit(1)
