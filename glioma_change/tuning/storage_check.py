"""Early checks of an Optuna storage URL, before a study loads any map.

`check_storage_url` fails in one line on a URL SQLAlchemy cannot parse, an unknown dialect or a missing
driver, or an SQLite file whose folder does not exist. `wait_for_storage` connects to a database server,
logging one line per failed try (the reason, the wait before the next), and gives up with one line after
a bounded total wait. Passwords never appear in messages.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import sqlalchemy
import sqlalchemy.exc
from sqlalchemy.engine import URL, make_url

from glioma_change.errors import ConfigError

log = logging.getLogger(__name__)

EXAMPLES = "e.g. sqlite:///run/study.db, postgresql://user@host:5432/optuna or grpc://host:13000"
CONNECT_TIMEOUT_S = 10  # one connection attempt to a server


def check_storage_url(url: str) -> URL | None:
    """The parsed URL (None for `grpc://` proxies); `ConfigError` in one line when it cannot work."""
    if url.startswith("grpc://"):
        return None
    try:
        parsed = make_url(url)
    except (sqlalchemy.exc.ArgumentError, ValueError):
        raise ConfigError(f"--storage {url!r}: not a storage URL ({EXAMPLES})") from None
    shown = parsed.render_as_string(hide_password=True)
    try:
        parsed.get_dialect().import_dbapi()
    except sqlalchemy.exc.NoSuchModuleError:
        raise ConfigError(f"--storage {shown}: unknown database {parsed.drivername!r} ({EXAMPLES})") from None
    except ImportError as exc:
        hint = " (for psycopg 3: postgresql+psycopg://…)" if parsed.get_backend_name() == "postgresql" else ""
        raise ConfigError(f"--storage {shown}: its driver {exc.name or exc} is not installed{hint}") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        folder = Path(parsed.database).expanduser().resolve().parent
        if not folder.is_dir():
            raise ConfigError(f"--storage {shown}: folder {folder} does not exist")
    return parsed


def _reason(exc: BaseException) -> str:
    """The driver's own message, on one line, without SQLAlchemy's background link."""
    text = str(getattr(exc, "orig", None) or exc)
    return " ".join(text.split())[:200]


def wait_for_storage(url: str, wait_s: float = 120.0) -> None:
    """Connect once to the database server of `url` (nothing to do for SQLite and gRPC), retrying with
    doubling pauses for at most `wait_s` seconds in all; `ConfigError` with the last reason after that."""
    parsed = check_storage_url(url)
    if parsed is None or parsed.get_backend_name() == "sqlite":
        return
    shown = parsed.render_as_string(hide_password=True)
    args = {"connect_timeout": CONNECT_TIMEOUT_S} if parsed.get_backend_name() in ("postgresql", "mysql") else {}
    engine = sqlalchemy.create_engine(parsed, connect_args=args, poolclass=sqlalchemy.pool.NullPool)
    start, pause, attempt = time.monotonic(), 1.0, 0
    try:
        while True:
            attempt += 1
            try:
                with engine.connect():
                    return
            except sqlalchemy.exc.DBAPIError as exc:
                reason = _reason(exc)
            left = wait_s - (time.monotonic() - start)
            if left <= 0:
                raise ConfigError(f"--storage {shown}: unreachable after {attempt} tries in {wait_s:.0f} s: {reason}")
            pause = min(pause, left)
            log.warning("storage %s unreachable (try %d): %s; retrying in %.0f s", shown, attempt, reason, pause)
            time.sleep(pause)
            pause *= 2
    finally:
        engine.dispose()
