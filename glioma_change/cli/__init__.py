"""The `glioma-change` command line: a thin layer over the library, one module per command.

The module of each command in `COMMANDS` (`import-brats` → `cli/import_brats.py`) defines `register(app)`,
adding its command(s) to the app. Heavy
libraries (torch, spaCy, SimpleITK) are imported inside the command functions so `--help` is fast.
One dialect: `-o/--out` for every output, global `-v/-q` before or after the subcommand, and an
unknown command answered with the closest known one.
"""

from __future__ import annotations

import difflib
import importlib
import re
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from glioma_change import __version__
from glioma_change.errors import GliomaChangeError
from glioma_change.logging_setup import configure

COMMANDS: list[str] = [
    "synth",
    "labels",
    "import-brats",
    "diffmaps",
    "tune",
    "train",
    "scarcity",
    "predict",
    "evaluate",
    "demo",
]

_GLOBAL_FLAG = re.compile(r"^(-v+|-q|--verbose|--quiet)$")


class _Root(TyperGroup):
    """The root group: global flags may follow the subcommand; unknown commands get a did-you-mean.

    `ctx` is typed Any: it is the Context of the click that typer runs on (its own copy in typer >= 0.2x).
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        end = args.index("--") if "--" in args else len(args)
        flags = [a for a in args[:end] if _GLOBAL_FLAG.match(a)]
        rest = [a for a in args[:end] if not _GLOBAL_FLAG.match(a)]
        return super().parse_args(ctx, [*flags, *rest, *args[end:]])

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            if close:
                ctx.fail(f"No such command '{name}'. Did you mean '{close[0]}'?")
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_Root,
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
    verbose: int = typer.Option(
        0,
        "--verbose",
        "-v",
        count=True,
        help="Debug logging. A counter flag that takes no value (`-v`, `-vv`); also accepted after the command.",
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Warnings only; no progress bars. Also accepted after the command."
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Longitudinal glioma MRI change detection with weak labels mined from radiology reports."""
    configure(verbose=verbose, quiet=quiet)


for _name in COMMANDS:
    importlib.import_module(f"glioma_change.cli.{_name.replace('-', '_')}").register(app)


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
