"""The database file itself: a health check at start-up and an online backup.

:func:`check` runs before the bot opens its database. A file that is not a database, damaged
pages, a database that cannot be written, or a disk nearly full each give one line naming the
file, the problem and what to do, instead of a traceback or a bot that answers "Sorry" to
everyone. :func:`backup` copies a live database consistently with SQLite's online backup API
(safe while the bot runs: it copies a snapshot, never a half-written file).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

RESTORE_HINT = (
    "restore it from a backup (README, 'Backup and restore') or move it away to start with an empty one"
)


class DatabaseProblem(Exception):
    """One line for the operator: the path, what is wrong, what to do."""


def check(path: str, min_free_mb: int = 50) -> None:
    """Raise :class:`DatabaseProblem` unless the database at ``path`` is usable and writable."""
    if path == ":memory:":
        return
    db = Path(path)
    folder = db.parent if str(db.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseProblem(
            f"database {path}: cannot create its folder ({exc.strerror}); check the path in DATABASE_URL"
        ) from None
    free_mb = shutil.disk_usage(folder).free // (1024 * 1024)
    if free_mb < min_free_mb:
        raise DatabaseProblem(
            f"database {path}: only {free_mb} MB free on its disk (at least {min_free_mb} MB needed); "
            "free some space (or lower DB_MIN_FREE_MB)"
        )
    if db.exists() and not db.is_file():
        raise DatabaseProblem(f"database {path}: is not a file; point DATABASE_URL at a database file")
    if not db.exists():
        _check_writable_folder(path, folder)
        return
    try:
        conn = sqlite3.connect(path, timeout=5)
    except sqlite3.Error as exc:
        raise DatabaseProblem(f"database {path}: cannot be opened ({exc}); check its permissions") from None
    try:
        try:
            rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            raise DatabaseProblem(
                f"database {path}: is damaged or not a SQLite database ({exc}); {RESTORE_HINT}"
            ) from None
        if rows != ["ok"]:
            first = rows[0] if rows else "no answer"
            raise DatabaseProblem(
                f"database {path}: is damaged ({len(rows)} problem(s), first: {first}); {RESTORE_HINT}"
            )
        try:
            conn.execute("BEGIN IMMEDIATE")
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            conn.execute(f"PRAGMA user_version = {version}")  # a real write, rolled back
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                return  # another process writes right now: not a problem of the file
            raise DatabaseProblem(
                f"database {path}: cannot be written ({text}); give the bot's user write access "
                "to the file and its folder (SQLite also writes -wal and -shm files next to it)"
            ) from None
    finally:
        conn.close()


def _check_writable_folder(path: str, folder: Path) -> None:
    probe = folder / f".{Path(path).name}.probe"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise DatabaseProblem(
            f"database {path}: its folder is not writable ({exc.strerror}); give the bot's user "
            "write access to it"
        ) from None


def backup(path: str, target: str) -> int:
    """Copy the live database at ``path`` to ``target`` (which must not exist); return pages."""
    if path == ":memory:":
        raise DatabaseProblem("DATABASE_URL names an in-memory database: there is nothing to back up")
    if not Path(path).is_file():
        raise DatabaseProblem(f"database {path}: does not exist; check DATABASE_URL")
    if Path(target).exists():
        raise DatabaseProblem(f"backup {target}: already exists; choose a new file name")
    if Path(target).resolve() == Path(path).resolve():
        raise DatabaseProblem(f"backup {target}: is the database itself; choose another file")
    try:
        src = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise DatabaseProblem(f"database {path}: cannot be opened ({exc})") from None
    try:
        dest = sqlite3.connect(target)
        ok = False
        try:
            src.backup(dest)
            if dest.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise DatabaseProblem(f"backup {target}: the copy does not pass quick_check; {RESTORE_HINT}")
            pages = int(dest.execute("PRAGMA page_count").fetchone()[0])
            ok = True
            return pages
        except sqlite3.DatabaseError as exc:
            raise DatabaseProblem(f"database {path}: cannot be copied ({exc}); {RESTORE_HINT}") from None
        finally:
            dest.close()
            if not ok:
                Path(target).unlink(missing_ok=True)
    finally:
        src.close()
