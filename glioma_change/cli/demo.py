"""`glioma-change demo`: the whole pipeline on the embedded synthetic default."""

from __future__ import annotations

from pathlib import Path

import typer

from glioma_change.cli.common import SEED


def register(app: typer.Typer) -> None:
    """Add the `demo` command."""

    @app.command("demo")
    def demo(
        out: Path = typer.Option(Path("results"), "--out", "-o", help="Output directory (data, maps, study, report)."),
        size: str = typer.Option(
            "default",
            "--size",
            help="`default` (4 strategies, 2 repeats; under 15 min on 2 "
            "cores), `full` (every strategy, 3 repeats) or `tiny` (smoke test).",
        ),
        jobs: int = typer.Option(0, "--jobs", help="Parallel workers for images (0: all cores)."),
        seed: int = SEED,
    ) -> None:
        """Run the whole pipeline on freshly synthesized data and write OUT/report.html.

        Synthesizes a main site and an external site, mines weak labels from the reports, builds difference
        maps, runs a small study over baseline, mixed, finetune and teacher_student (every strategy with
        `--size full`) and both networks, then evaluates the held-out folds and the external site and prints
        the verdict (OUT/verdict.txt).
        """
        from glioma_change.demo import SIZES, run_demo
        from glioma_change.errors import InputError
        from glioma_change.evaluation.run import VERDICT_FILE

        if size not in SIZES:
            raise InputError(f"--size {size!r}: choose one of {', '.join(SIZES)}")

        report = run_demo(out, seed=seed, size=size, jobs=jobs or None)
        verdict = report.parent / VERDICT_FILE
        if verdict.is_file():
            typer.echo(verdict.read_text(encoding="utf-8").rstrip())
        typer.echo(f"report: {report.resolve()}")
