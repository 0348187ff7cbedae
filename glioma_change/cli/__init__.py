"""The `glioma-change` command line: a thin layer over the library, one module per command.

Each module in `COMMANDS` defines `register(app)`, adding its command(s) to the app. Heavy
libraries (torch, spaCy, SimpleITK) are imported inside the command functions so `--help` is fast.
"""

from __future__ import annotations

import importlib
import sys

import typer

from glioma_change import __version__
from glioma_change.errors import GliomaChangeError
from glioma_change.logging_setup import configure

COMMANDS: list[str] = [
    "synth", "labels", "import_brats", "diffmaps", "tune", "train", "scarcity", "predict", "evaluate", "demo",
]

app = typer.Typer(
    name="glioma-change",
    help="Longitudinal glioma MRI change detection with weak labels mined from radiology reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"glioma-change {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More logging (debug)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Warnings only; no progress bars."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Longitudinal glioma MRI change detection with weak labels mined from radiology reports."""
    configure(verbose=verbose, quiet=quiet)


for _name in COMMANDS:
    importlib.import_module(f"glioma_change.cli.{_name}").register(app)


def main() -> None:
    """Console-script entry point: user errors become one line on stderr and exit status 2.

    Typer runs in standalone mode, so usage errors (unknown command or option, bad value) are
    printed by click itself with exit status 2; library errors are caught here.
    """
    try:
        app()
    except GliomaChangeError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
