"""Options shared by several commands."""

from __future__ import annotations

import typer

SEED = typer.Option(0, "--seed", help="Seed for every random source of this command.")
SET = typer.Option([], "--set", help="Configuration override `key.sub=value` (YAML value); repeatable.")
