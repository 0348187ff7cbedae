"""`glioma-change synth`: generate the synthetic longitudinal glioma dataset."""

from __future__ import annotations

from pathlib import Path

import typer

from glioma_change.cli.common import SEED
from glioma_change.errors import ConfigError


def _range(text: str, name: str, cast: type = float) -> tuple:
    """`a..b` or a single value `a` as the pair (a, b)."""
    parts = text.split("..")
    try:
        values = tuple(cast(p) for p in parts)
    except ValueError:
        raise ConfigError(f"{name}: expected a number or a range a..b, got {text!r}") from None
    if len(values) == 1:
        values = values * 2
    if len(values) != 2 or values[0] > values[1]:
        raise ConfigError(f"{name}: expected a number or a range a..b with a <= b, got {text!r}")
    return values


def register(app: typer.Typer) -> None:
    @app.command("synth")
    def synth(
        patients: int = typer.Option(..., "--patients", min=1, help="Number of patients to generate."),
        out: Path = typer.Option(..., "--out", "-o", help="Output directory (BIDS-like tree plus CSV tables)."),
        seed: int = SEED,
        sessions: str = typer.Option("3..5", "--sessions-per-patient", help="Sessions per patient: N or MIN..MAX."),
        spacing: str = typer.Option(
            "",
            "--spacing",
            help="Voxel spacing in mm as IN_PLANE,SLICE, each N or MIN..MAX (e.g. 2,4 for small test images); "
            "default: the site's clinical spacing.",
        ),
        threshold: float = typer.Option(0.2, "--threshold", help="Relative T2 volume change of an unstable pair."),
        english_fraction: float = typer.Option(
            0.5, "--english-fraction", help="Share of patients reported in English (rest French)."
        ),
        human_fraction: float = typer.Option(
            0.2, "--human-fraction", help="Share of patients written to human_labels.csv."
        ),
        missing_date_fraction: float = typer.Option(
            0.15, "--missing-date-fraction", help="Share of reports whose comparative date is only in the text."
        ),
        report_fidelity: float = typer.Option(
            0.85,
            "--report-fidelity",
            help="Share of reports that describe the T2 change as the images show it (0.5-1); the others miss, "
            "over-call or misattribute a change, often in hedged words. 1: every report follows the truth.",
        ),
        rater_noise: float = typer.Option(
            0.0, "--rater-noise", help="Share of human T2 labels flipped (0-0.5); 0: human labels are the image truth."
        ),
        site: str = typer.Option(
            "default", "--site", help="Acquisition profile and id prefix: default (S0001...) or external (E0001...)."
        ),
        profile: str = typer.Option(
            "standard",
            "--profile",
            help="Acquisition variability: standard (the site's protocol) or clinical (head motion up to 15 deg / 15 mm, "
            "thick slices along any axis, a scanner change per session, strong bias field, cut vertex, subtler changes).",
        ),
        masks: bool = typer.Option(False, "--masks", help="Also write the brain mask beside each image."),
        no_images: bool = typer.Option(False, "--no-images", help="Write only reports and tables (fast)."),
        jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Parallel worker processes for the images."),
        export_style: str = typer.Option(
            "structured",
            "--export-style",
            help="reports.csv as written (structured) or as a hospital PDF/EHR export (flat: one line a report, "
            "invented identifying header and footer, headings without colons).",
        ),
        export_encoding: str = typer.Option(
            "utf-8", "--export-encoding", help="Encoding of reports.csv: utf-8 or cp1252."
        ),
        export_sep: str = typer.Option(",", "--export-sep", help="Separator of reports.csv: ',', ';' or 'tab'."),
    ) -> None:
        """Generate a synthetic longitudinal glioma MRI dataset: T2w images with evolving lesions and head
        motion, lesion masks, English/French radiology reports, truth and human-label tables."""
        from glioma_change.synth import generate_dataset

        options: dict = {
            "sessions": _range(sessions, "--sessions-per-patient", int),
            "threshold": threshold,
            "english_fraction": english_fraction,
            "human_fraction": human_fraction,
            "missing_date_fraction": missing_date_fraction,
            "report_fidelity": report_fidelity,
            "rater_noise": rater_noise,
            "site": site,
            "acquisition": profile,
            "masks": masks,
            "images": not no_images,
            "export_style": export_style,
            "export_encoding": export_encoding,
            "export_sep": "\t" if export_sep == "tab" else export_sep,
        }
        if spacing:
            parts = spacing.split(",")
            if len(parts) != 2:
                raise ConfigError(f"--spacing: expected IN_PLANE,SLICE, got {spacing!r}")
            options["inplane_mm"] = _range(parts[0], "--spacing in-plane")
            options["slice_mm"] = _range(parts[1], "--spacing slice")
        result = generate_dataset(out, patients, seed, jobs=jobs, **options)
        typer.echo(
            f"{patients} patients, {len(result.tables.sessions)} sessions, {len(result.tables.truth)} pairs, "
            f"{result.n_images} images -> {result.out_dir}"
            + (f" ({result.n_errors} failed, see {result.errors_path})" if result.n_errors else "")
        )
