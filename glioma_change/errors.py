"""Exception types shared by every stage; the CLI turns them into exit status 2 and one line."""

from __future__ import annotations


class GliomaChangeError(Exception):
    """Base class for errors a user can fix (bad input, bad configuration)."""


class ConfigError(GliomaChangeError):
    """Invalid configuration: unknown key, wrong type, missing file."""


class InputError(GliomaChangeError):
    """Invalid input data; names the file and, where known, the row."""

    def __init__(self, message: str, path: object | None = None, row: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}"
            if row is not None:
                where += f", row {row}"
            where += ": "
        super().__init__(where + message)
        self.path = path
        self.row = row
