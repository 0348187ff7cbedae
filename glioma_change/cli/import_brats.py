"""`glioma-change import-brats`: a BraTS-2015 download → the BIDS-like layout `diffmaps` reads."""

from __future__ import annotations

from pathlib import Path

import typer

LABEL_FILE = "brats2015_longitudinal_t2_labels.csv"


def register(app: typer.Typer) -> None:
    """Add the `import-brats` command."""

    @app.command("import-brats")
    def import_brats_command(
        src: Path = typer.Argument(
            ..., help="The download: BRATS2015_Training/ (HGG/ and LGG/ inside) or any folder above."
        ),
        out: Path = typer.Option(
            ..., "--out", "-o", help="BIDS-like output folder (sub-<NNN>_brats_tcia/ses-<SSSS>/anat/)."
        ),
        labels: Path | None = typer.Option(
            None, "--labels", help=f"Pair list whose patients are imported (default: the shipped {LABEL_FILE})."
        ),
        all_patients: bool = typer.Option(
            False, "--all", help="Import every brats_tcia patient, not only those of the label file."
        ),
    ) -> None:
        """Convert the T2 volumes (.mha, either grade folder) of a BraTS-2015 download into
        sub-<NNN>_brats_tcia/ses-<SSSS>/anat/sub-<NNN>_brats_tcia_ses-<SSSS>_T2w.nii.gz (geometry kept) and write
        brats_import.csv (source path, patient, day, grade; sessions of the label file absent from the download
        as `missing`). Then: `glioma-change diffmaps OUT -o MAPS --pairs <label file>`."""
        from glioma_change.errors import InputError
        from glioma_change.imaging.brats import PROVENANCE_FILE, import_brats
        from glioma_change.resources import bundled_data

        label_file = None if all_patients else (labels or bundled_data(LABEL_FILE))
        table = import_brats(src, out, label_file)
        counts = table["status"].value_counts().to_dict()
        if not counts.get("ok", 0):
            scope = "any brats_tcia patient" if label_file is None else f"a patient of {label_file}"
            pattern = "brats_tcia_pat<NNN>_<SSSS>/VSD.Brain.XX.O.MR_T2.<ID>/*.mha"
            raise InputError(f"nothing imported: no T2 volume ({pattern}) of {scope}", src)
        typer.echo(
            f"{counts.get('ok', 0)} volume(s) imported, {counts.get('failed', 0)} failed, "
            f"{counts.get('missing', 0)} labelled session(s) not in the download → {out / PROVENANCE_FILE}"
        )
