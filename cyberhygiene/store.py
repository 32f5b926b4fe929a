"""State in SQLite (stdlib ``sqlite3``): a real file, WAL mode, a versioned schema.

Every write commits at once, so a crash or ``kill -9`` right after a call returns loses nothing
(WAL + ``synchronous=FULL``). The schema is upgraded by the numbered :data:`MIGRATIONS`, keyed on
``PRAGMA user_version``. Writes go through one connection guarded by a lock; reads use one
connection per thread, so a write waiting on a locked database (another process holding it,
up to ``busy_timeout`` seconds) never makes a read wait: in WAL mode readers are not blocked by
a writer. One user step (e.g. the last answer of a quiz and the end of the attempt) is one
transaction.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

MIGRATIONS: tuple[str, ...] = (
    # 1: users and their language preference
    """
    CREATE TABLE users (
        user_id     TEXT PRIMARY KEY,
        lang        TEXT,
        lang_pinned INTEGER NOT NULL DEFAULT 0,
        updated_at  REAL NOT NULL
    );
    """,
    # 2: quizzes, trainer sessions, live group quizzes, anonymous unanswered-question log
    """
    CREATE TABLE attempts (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id      TEXT NOT NULL,
        quiz_id      TEXT NOT NULL,
        lang         TEXT NOT NULL,
        session_code TEXT,
        started_at   REAL NOT NULL,
        finished_at  REAL,
        position     INTEGER NOT NULL DEFAULT 0,
        active       INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX attempts_user ON attempts(user_id, active);
    CREATE INDEX attempts_session ON attempts(session_code);
    CREATE TABLE answers (
        attempt_id  INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
        question    INTEGER NOT NULL,
        chosen      INTEGER NOT NULL,
        correct     INTEGER NOT NULL,
        answered_at REAL NOT NULL,
        PRIMARY KEY (attempt_id, question)
    );
    CREATE TABLE sessions (
        code       TEXT PRIMARY KEY,
        owner_id   TEXT NOT NULL,
        quiz_id    TEXT NOT NULL,
        title      TEXT NOT NULL,
        created_at REAL NOT NULL,
        closed_at  REAL
    );
    CREATE INDEX sessions_owner ON sessions(owner_id);
    CREATE TABLE participants (
        session_code TEXT NOT NULL REFERENCES sessions(code) ON DELETE CASCADE,
        user_id      TEXT NOT NULL,
        first_name   TEXT NOT NULL DEFAULT '',
        username     TEXT NOT NULL DEFAULT '',
        joined_at    REAL NOT NULL,
        PRIMARY KEY (session_code, user_id)
    );
    CREATE TABLE group_games (
        chat_id    TEXT PRIMARY KEY,
        quiz_id    TEXT NOT NULL,
        lang       TEXT NOT NULL,
        position   INTEGER NOT NULL DEFAULT 0,
        poll_id    TEXT,
        started_by TEXT NOT NULL,
        started_at REAL NOT NULL
    );
    CREATE TABLE group_scores (
        chat_id  TEXT NOT NULL,
        user_id  TEXT NOT NULL,
        name     TEXT NOT NULL,
        correct  INTEGER NOT NULL DEFAULT 0,
        answered INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (chat_id, user_id)
    );
    CREATE TABLE group_votes (
        poll_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        PRIMARY KEY (poll_id, user_id)
    );
    CREATE TABLE unanswered (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        text       TEXT NOT NULL,
        lang       TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    """,
    # 3: the user's country (us, mx or NULL = unknown) and whether the bot already asked it
    """
    ALTER TABLE users ADD COLUMN country TEXT;
    ALTER TABLE users ADD COLUMN country_asked INTEGER NOT NULL DEFAULT 0;
    """,
    # 4: what kind of miss an unanswered question was; aggregate usage counts (no ids, no text)
    """
    ALTER TABLE unanswered ADD COLUMN kind TEXT NOT NULL DEFAULT 'fallback';
    CREATE INDEX unanswered_time ON unanswered(created_at);
    CREATE TABLE usage (
        day   TEXT NOT NULL,
        key   TEXT NOT NULL,
        n     INTEGER NOT NULL DEFAULT 0,
        total REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (day, key)
    );
    """,
    # 5: the intake journal: every update from Telegram, stored before Telegram is told it was
    # received; ``body`` (the raw update) is erased as soon as the update has been handled, the
    # row (id and times only) is kept a little longer so a re-delivered update is recognised.
    """
    CREATE TABLE updates (
        update_id   INTEGER PRIMARY KEY,
        body        TEXT,
        received_at REAL NOT NULL,
        done_at     REAL
    );
    CREATE INDEX updates_pending ON updates(done_at, update_id);
    """,
    # 6: a short numeric PIN a room can type to join an open trainer session; a group's language
    """
    ALTER TABLE sessions ADD COLUMN pin TEXT;
    CREATE INDEX sessions_pin ON sessions(pin);
    CREATE TABLE chat_prefs (
        chat_id    TEXT PRIMARY KEY,
        lang       TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    """,
    # 7: the forum topic a live group game plays in (NULL: the chat itself, or General)
    """
    ALTER TABLE group_games ADD COLUMN thread_id INTEGER;
    """,
    # 8: a trainer's session message kept up to date (its live view): where it is, in which
    # form and language, since when, and a digest of what it shows now
    """
    CREATE TABLE live_views (
        session_code TEXT PRIMARY KEY REFERENCES sessions(code) ON DELETE CASCADE,
        chat_id      TEXT NOT NULL,
        message_id   INTEGER NOT NULL,
        kind         TEXT NOT NULL,
        lang         TEXT NOT NULL,
        started_at   REAL NOT NULL,
        shown        TEXT NOT NULL DEFAULT ''
    );
    """,
    # 9: wrong session PINs (when, per user), so the guessing throttle survives a restart
    """
    CREATE TABLE pin_failures (
        user_id   TEXT NOT NULL,
        failed_at REAL NOT NULL
    );
    CREATE INDEX pin_failures_user ON pin_failures(user_id, failed_at);
    CREATE INDEX pin_failures_time ON pin_failures(failed_at);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
# Seconds a write waits for another connection's lock before failing. Long on purpose: a
# database locked for a while (a backup, a maintenance script) delays writes; it must not fail
# them. Only the updates that write wait (reads never do, see Store).
DEFAULT_BUSY_TIMEOUT = 90.0
# Usage counts are kept in memory and written this often by a background thread (and at close),
# so that counting costs no disk write per message.
USAGE_FLUSH_SECONDS = 30.0
PIN_DIGITS = 6


@dataclass(frozen=True)
class UserPrefs:
    lang: str | None
    pinned: bool
    country: str | None = None  # "us", "mx" or None (unknown)
    country_asked: bool = False  # the bot asks once, the first time an answer differs


@dataclass(frozen=True)
class Attempt:
    id: int
    user_id: str
    quiz_id: str
    lang: str
    session_code: str | None
    started_at: float
    finished_at: float | None
    position: int
    active: bool


@dataclass(frozen=True)
class SessionInfo:
    code: str
    owner_id: str
    quiz_id: str
    title: str
    created_at: float
    closed_at: float | None
    pin: str | None = None  # 6 digits while open; sessions made before schema 4 have none


@dataclass(frozen=True)
class GroupGame:
    chat_id: str
    quiz_id: str
    lang: str
    position: int
    poll_id: str | None
    started_by: str
    thread_id: int | None = None  # the forum topic the game plays in (None: the chat itself)


@dataclass(frozen=True)
class LiveView:
    """A trainer's session message the bot keeps up to date (see :mod:`cyberhygiene.live`)."""

    session_code: str
    chat_id: str
    message_id: int
    kind: str  # which text the message has: "created" (with the how-to) or "card" (/sessions)
    lang: str
    started_at: float  # Unix time
    shown: str  # a digest of the text and buttons it shows now ("" before the first edit)


@dataclass(frozen=True)
class UnansweredRow:
    text: str
    lang: str
    kind: str  # "fallback" (did not understand) or "declined" (out of scope)
    created_at: float


class Store:
    """The bot's state. Open with :func:`open_store`; close with :meth:`close`."""

    def __init__(self, path: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        # Usage counts: kept in memory under their own lock (never the database's, which a write
        # may hold while it waits for SQLite), written by a background thread every
        # USAGE_FLUSH_SECONDS and at close, so counting never makes a reply wait for the disk.
        self._usage: dict[tuple[str, str], list[float]] = {}
        self._usage_lock = threading.Lock()
        self._usage_stop = threading.Event()
        self._usage_flusher: threading.Thread | None = None
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._local = threading.local()
        self._closed = False
        self._db = self._connect()
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=self.busy_timeout
        )
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys=ON")
        return db

    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        """This thread's read connection (the write connection for ``:memory:``)."""
        if self.path == ":memory:":
            with self._lock:
                yield self._db
            return
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._connect()
            self._local.db = db
            with self._readers_lock:  # not self._lock: a blocked writer holds that one
                self._readers.append(db)
        yield db

    # -- plumbing -------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self._lock:
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"database {self.path} has schema version {version}, newer than this bot "
                    f"({SCHEMA_VERSION}); upgrade the bot"
                )
            for number in range(version, SCHEMA_VERSION):
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _split_sql(MIGRATIONS[number]):
                        self._db.execute(statement)
                    self._db.execute(f"PRAGMA user_version = {number + 1}")
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                logger.info("database migrated to schema version %d", number + 1)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, committed on success, rolled back on error."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, sql: str, args: tuple[object, ...] = ()) -> sqlite3.Row | None:
        rows = self._all(sql, args)
        return rows[0] if rows else None

    def _all(self, sql: str, args: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        with self._reader() as db:
            return list(db.execute(sql, args).fetchall())

    def schema_version(self) -> int:
        row = self._one("PRAGMA user_version")
        return int(row[0]) if row else 0

    def journal_mode(self) -> str:
        row = self._one("PRAGMA journal_mode")
        return str(row[0]) if row else ""

    def close(self) -> None:
        self._usage_stop.set()
        if self._usage_flusher is not None:
            self._usage_flusher.join(timeout=1.0)
        with contextlib.suppress(sqlite3.Error):  # counts are best effort, never worth a crash
            self.flush_usage()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            with self._readers_lock:
                readers = list(self._readers)
            for reader in readers:
                with contextlib.suppress(sqlite3.Error):
                    reader.close()
            self._readers.clear()
            with contextlib.suppress(sqlite3.Error):  # best effort: the WAL is replayed anyway
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()

    # -- users ----------------------------------------------------------------------------
    def get_prefs(self, user_id: str) -> UserPrefs:
        row = self._one(
            "SELECT lang, lang_pinned, country, country_asked FROM users WHERE user_id = ?", (user_id,)
        )
        if row is None:
            return UserPrefs(None, False)
        return UserPrefs(row["lang"], bool(row["lang_pinned"]), row["country"], bool(row["country_asked"]))

    def set_lang(self, user_id: str, lang: str, *, pinned: bool) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO users(user_id, lang, lang_pinned, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET lang = excluded.lang, "
                "lang_pinned = MAX(users.lang_pinned * ?, excluded.lang_pinned), "
                "updated_at = excluded.updated_at",
                (user_id, lang, int(pinned), time.time(), 0 if pinned else 1),
            )

    def set_country(self, user_id: str, country: str | None) -> None:
        """Store the user's country (None = unknown); the question counts as asked."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO users(user_id, country, country_asked, updated_at) VALUES (?, ?, 1, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET country = excluded.country, country_asked = 1, "
                "updated_at = excluded.updated_at",
                (user_id, country, time.time()),
            )
        self.count(f"country.{country or 'unknown'}")  # for `stats`: how often each was chosen

    def mark_country_asked(self, user_id: str) -> None:
        """Remember that the bot asked for the country, so it never asks again."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO users(user_id, country_asked, updated_at) VALUES (?, 1, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET country_asked = 1, updated_at = excluded.updated_at",
                (user_id, time.time()),
            )

    def chat_lang(self, chat_id: str) -> str | None:
        """The language a group's admin chose for the group, if any."""
        row = self._one("SELECT lang FROM chat_prefs WHERE chat_id = ?", (chat_id,))
        return str(row["lang"]) if row else None

    def set_chat_lang(self, chat_id: str, lang: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO chat_prefs(chat_id, lang, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(chat_id) DO UPDATE SET lang = excluded.lang, updated_at = excluded.updated_at",
                (chat_id, lang, time.time()),
            )

    def forget_user(self, user_id: str) -> None:
        """Delete everything stored about ``user_id``, trainer-session entries included."""
        with self.transaction() as db:
            db.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
            db.execute("DELETE FROM attempts WHERE user_id = ?", (user_id,))
            db.execute("DELETE FROM participants WHERE user_id = ?", (user_id,))
            db.execute("DELETE FROM group_scores WHERE user_id = ?", (user_id,))
            db.execute("DELETE FROM group_votes WHERE user_id = ?", (user_id,))
            db.execute("DELETE FROM live_views WHERE chat_id = ?", (user_id,))
            # Wrong PINs stay until they expire (PIN_WINDOW, minutes): /forget must not reset the
            # guessing throttle. The privacy answer says so.
            # A group's game belongs to the group: it goes on, without saying who started it.
            db.execute("UPDATE group_games SET started_by = '' WHERE started_by = ?", (user_id,))
            owned = [r[0] for r in db.execute("SELECT code FROM sessions WHERE owner_id = ?", (user_id,))]
            for code in owned:
                db.execute("DELETE FROM attempts WHERE session_code = ?", (code,))
            db.execute("DELETE FROM sessions WHERE owner_id = ?", (user_id,))

    def user_footprint(self, user_id: str) -> int:
        """How many rows anywhere mention ``user_id`` (used by tests of /forget)."""
        total = 0
        for table, column in (
            ("users", "user_id"),
            ("attempts", "user_id"),
            ("participants", "user_id"),
            ("group_scores", "user_id"),
            ("group_votes", "user_id"),
            ("sessions", "owner_id"),
            ("group_games", "started_by"),
            ("live_views", "chat_id"),
            ("pin_failures", "user_id"),
        ):
            row = self._one(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (user_id,))
            total += int(row[0]) if row else 0
        return total

    # -- intake journal (see cyberhygiene/intake.py) ---------------------------------------------
    def journal(self, received: Sequence[tuple[int, str]], done: Sequence[int]) -> None:
        """In one transaction: store new updates (raw JSON) and mark handled ones done. A done
        update keeps only its id and times: its body (which holds the message) is erased."""
        now = time.time()
        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO updates(update_id, body, received_at) VALUES (?, ?, ?)",
                [(uid, body, now) for uid, body in received],
            )
            db.executemany(
                "INSERT INTO updates(update_id, body, received_at, done_at) VALUES (?, NULL, ?, ?) "
                "ON CONFLICT(update_id) DO UPDATE SET body = NULL, done_at = excluded.done_at",
                [(uid, now, now) for uid in done],
            )

    def journal_pending(self) -> list[tuple[int, str]]:
        """Stored updates not handled yet (a crash stopped them), oldest first."""
        rows = self._all(
            "SELECT update_id, body FROM updates WHERE done_at IS NULL AND body IS NOT NULL "
            "ORDER BY update_id"
        )
        return [(int(r["update_id"]), str(r["body"])) for r in rows]

    def journal_ids(self) -> set[int]:
        return {int(r[0]) for r in self._all("SELECT update_id FROM updates")}

    def journal_done(self) -> set[int]:
        return {int(r[0]) for r in self._all("SELECT update_id FROM updates WHERE done_at IS NOT NULL")}

    def journal_prune(self, before: float) -> int:
        """Forget handled updates done before ``before`` (Telegram re-sends for 24 h at most)."""
        with self.transaction() as db:
            return int(
                db.execute(
                    "DELETE FROM updates WHERE done_at IS NOT NULL AND done_at < ?", (before,)
                ).rowcount
            )

    # -- unanswered questions (no user identifier, by design) -------------------------------
    def log_unanswered(self, text: str, lang: str, kind: str = "fallback") -> None:
        """Keep a question the bot could not answer (``fallback``) or declined (``declined``)."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO unanswered(text, lang, kind, created_at) VALUES (?, ?, ?, ?)",
                (text[:500], lang, kind, time.time()),
            )

    def unanswered(self, limit: int = 100) -> list[tuple[str, str]]:
        rows = self._all("SELECT text, lang FROM unanswered ORDER BY id DESC LIMIT ?", (limit,))
        return [(r["text"], r["lang"]) for r in rows]

    def unanswered_since(self, cutoff: float, lang: str | None = None) -> list[UnansweredRow]:
        """Every logged question newer than ``cutoff`` (a Unix time), oldest first."""
        sql = "SELECT text, lang, kind, created_at FROM unanswered WHERE created_at >= ?"
        args: tuple[object, ...] = (cutoff,)
        if lang is not None:
            sql += " AND lang = ?"
            args += (lang,)
        rows = self._all(sql + " ORDER BY created_at, id", args)
        return [UnansweredRow(r["text"], r["lang"], r["kind"], r["created_at"]) for r in rows]

    # -- aggregate usage (per day and key; never an id or a message text) -------------------
    def count(self, key: str, value: float = 0.0, *, now: float | None = None) -> None:
        """Add one to today's ``key`` (and ``value`` to its total, for averages)."""
        day = time.strftime("%Y-%m-%d", time.gmtime(time.time() if now is None else now))
        with self._usage_lock:
            cell = self._usage.setdefault((day, key), [0, 0.0])
            cell[0] += 1
            cell[1] += value
            if self._usage_flusher is None and not self._usage_stop.is_set():
                self._usage_flusher = threading.Thread(
                    target=self._flush_usage_forever, name="usage-counts", daemon=True
                )
                self._usage_flusher.start()

    def _flush_usage_forever(self) -> None:
        while not self._usage_stop.wait(USAGE_FLUSH_SECONDS):
            try:
                self.flush_usage()
            except sqlite3.Error as exc:  # busy or read-only: the counts wait for the next round
                logger.warning("usage counts not saved yet (%s); will retry", type(exc).__name__)

    def flush_usage(self) -> None:
        """Write the counts kept in memory; on failure they stay in memory for the next try."""
        with self._usage_lock:
            pending, self._usage = self._usage, {}
        if not pending:
            return
        try:
            with self.transaction() as db:
                db.executemany(
                    "INSERT INTO usage(day, key, n, total) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(day, key) DO UPDATE SET n = usage.n + excluded.n, "
                    "total = usage.total + excluded.total",
                    [(day, key, int(n), total) for (day, key), (n, total) in pending.items()],
                )
        except BaseException:
            with self._usage_lock:
                for k, (n, total) in pending.items():
                    cell = self._usage.setdefault(k, [0, 0.0])
                    cell[0] += n
                    cell[1] += total
            raise

    def usage_since(self, first_day: str) -> list[tuple[str, str, int, float]]:
        """``(day, key, count, total)`` rows from ``first_day`` (``YYYY-MM-DD``) on."""
        self.flush_usage()
        rows = self._all(
            "SELECT day, key, n, total FROM usage WHERE day >= ? ORDER BY day, key", (first_day,)
        )
        return [(r["day"], r["key"], int(r["n"]), float(r["total"])) for r in rows]

    def purge(self, retention_days: int, now: float | None = None) -> int:
        """Delete logs and finished attempts older than the retention period."""
        cutoff = (now if now is not None else time.time()) - retention_days * 86400
        with self.transaction() as db:
            n = db.execute("DELETE FROM unanswered WHERE created_at < ?", (cutoff,)).rowcount
            n += db.execute(
                "DELETE FROM attempts WHERE finished_at IS NOT NULL AND finished_at < ?", (cutoff,)
            ).rowcount
            n += db.execute(
                "DELETE FROM attempts WHERE finished_at IS NULL AND started_at < ?", (cutoff,)
            ).rowcount
        return n

    # -- quiz attempts ----------------------------------------------------------------------
    def _attempt(self, row: sqlite3.Row | None) -> Attempt | None:
        if row is None:
            return None
        return Attempt(
            row["id"],
            row["user_id"],
            row["quiz_id"],
            row["lang"],
            row["session_code"],
            row["started_at"],
            row["finished_at"],
            row["position"],
            bool(row["active"]),
        )

    def start_attempt(
        self, user_id: str, quiz_id: str, lang: str, session_code: str | None = None
    ) -> Attempt:
        """Start a new attempt; any other active attempt of the user is left (not deleted)."""
        with self.transaction() as db:
            db.execute("UPDATE attempts SET active = 0 WHERE user_id = ? AND active = 1", (user_id,))
            cur = db.execute(
                "INSERT INTO attempts(user_id, quiz_id, lang, session_code, started_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (user_id, quiz_id, lang, session_code, time.time()),
            )
            attempt_id = int(cur.lastrowid or 0)
        attempt = self.get_attempt(attempt_id)
        assert attempt is not None
        return attempt

    def get_attempt(self, attempt_id: int) -> Attempt | None:
        return self._attempt(self._one("SELECT * FROM attempts WHERE id = ?", (attempt_id,)))

    def active_attempt(self, user_id: str) -> Attempt | None:
        return self._attempt(
            self._one(
                "SELECT * FROM attempts WHERE user_id = ? AND active = 1 AND finished_at IS NULL "
                "ORDER BY id DESC LIMIT 1",
                (user_id,),
            )
        )

    def record_answer(
        self, attempt_id: int, question: int, chosen: int, correct: bool, *, finish: bool = False
    ) -> bool:
        """Save one answer and advance; False if that question was already answered.

        With ``finish`` (the quiz's last question) the attempt ends in the same transaction, so
        no crash can leave every question answered and the attempt still open."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT position, finished_at FROM attempts WHERE id = ?", (attempt_id,)
            ).fetchone()
            if row is None or row["finished_at"] is not None or row["position"] != question:
                return False
            db.execute(
                "INSERT INTO answers(attempt_id, question, chosen, correct, answered_at) VALUES (?, ?, ?, ?, ?)",
                (attempt_id, question, chosen, int(correct), time.time()),
            )
            db.execute("UPDATE attempts SET position = position + 1 WHERE id = ?", (attempt_id,))
            if finish:
                db.execute(
                    "UPDATE attempts SET finished_at = ?, active = 0 WHERE id = ?", (time.time(), attempt_id)
                )
        return True

    def finish_complete_attempts(self, quiz_id: str, total: int, session_code: str | None = None) -> int:
        """Heal attempts of ``quiz_id`` with every question answered but never finished (a crash
        between two writes of an older version did that): finish them. Returns how many."""
        where = "quiz_id = ? AND finished_at IS NULL AND position >= ?"
        args: tuple[object, ...] = (quiz_id, total)
        if session_code is not None:
            where += " AND session_code = ?"
            args += (session_code,)
        if self._one(f"SELECT 1 FROM attempts WHERE {where} LIMIT 1", args) is None:
            return 0  # the usual case: a read, no write
        with self.transaction() as db:
            n = db.execute(
                "UPDATE attempts SET finished_at = COALESCE((SELECT MAX(answered_at) FROM answers "
                f"WHERE attempt_id = attempts.id), started_at), active = 0 WHERE {where}",
                args,
            ).rowcount
        logger.info("finished %d quiz attempt(s) left complete but open", n)
        return n

    def finish_attempt(self, attempt_id: int) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE attempts SET finished_at = ?, active = 0 WHERE id = ? AND finished_at IS NULL",
                (time.time(), attempt_id),
            )

    def deactivate_attempts(self, user_id: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE attempts SET active = 0 WHERE user_id = ? AND active = 1", (user_id,))

    def attempt_answers(self, attempt_id: int) -> list[tuple[int, int, bool]]:
        rows = self._all(
            "SELECT question, chosen, correct FROM answers WHERE attempt_id = ? ORDER BY question",
            (attempt_id,),
        )
        return [(r["question"], r["chosen"], bool(r["correct"])) for r in rows]

    # -- trainer sessions -------------------------------------------------------------------
    def create_session(self, owner_id: str, quiz_id: str, title: str) -> SessionInfo:
        """A new open session with a random code and a PIN no other open session has."""
        with self.transaction() as db:
            while True:
                code = secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")
                if db.execute("SELECT 1 FROM sessions WHERE code = ?", (code,)).fetchone() is None:
                    break
            while True:
                pin = f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"
                taken = db.execute(
                    "SELECT 1 FROM sessions WHERE pin = ? AND closed_at IS NULL", (pin,)
                ).fetchone()
                if taken is None:
                    break
            db.execute(
                "INSERT INTO sessions(code, owner_id, quiz_id, title, created_at, pin) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (code, owner_id, quiz_id, title, time.time(), pin),
            )
        info = self.get_session(code)
        assert info is not None
        return info

    @staticmethod
    def _session_info(row: sqlite3.Row) -> SessionInfo:
        return SessionInfo(
            row["code"],
            row["owner_id"],
            row["quiz_id"],
            row["title"],
            row["created_at"],
            row["closed_at"],
            row["pin"],
        )

    def get_session(self, code: str) -> SessionInfo | None:
        row = self._one("SELECT * FROM sessions WHERE code = ?", (code,))
        return None if row is None else self._session_info(row)

    def session_by_pin(self, pin: str) -> SessionInfo | None:
        """The open session with this PIN (a closed session's PIN no longer works)."""
        row = self._one(
            "SELECT * FROM sessions WHERE pin = ? AND closed_at IS NULL ORDER BY created_at DESC LIMIT 1",
            (pin,),
        )
        return None if row is None else self._session_info(row)

    def owned_session(self, code: str, owner_id: str) -> SessionInfo | None:
        """The session only if ``owner_id`` created it: anyone else sees nothing."""
        info = self.get_session(code)
        return info if info is not None and info.owner_id == owner_id else None

    def sessions_of(self, owner_id: str) -> list[tuple[SessionInfo, int, int]]:
        """The owner's sessions, newest first, with participant and completed counts."""
        rows = self._all(
            "SELECT s.*, "
            " (SELECT COUNT(*) FROM participants p WHERE p.session_code = s.code) AS n_people, "
            " (SELECT COUNT(DISTINCT a.user_id) FROM attempts a WHERE a.session_code = s.code "
            "  AND a.finished_at IS NOT NULL) AS n_done "
            "FROM sessions s WHERE owner_id = ? ORDER BY created_at DESC",
            (owner_id,),
        )
        return [
            (
                self._session_info(r),
                int(r["n_people"]),
                int(r["n_done"]),
            )
            for r in rows
        ]

    def close_session(self, code: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE sessions SET closed_at = ? WHERE code = ? AND closed_at IS NULL", (time.time(), code)
            )

    def join_session(self, code: str, user_id: str, first_name: str, username: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO participants(session_code, user_id, first_name, username, joined_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(session_code, user_id) DO UPDATE SET "
                "first_name = excluded.first_name, username = excluded.username",
                (code, user_id, first_name[:200], username[:100], time.time()),
            )

    def session_participants(self, code: str) -> list[sqlite3.Row]:
        return self._all(
            "SELECT user_id, first_name, username, joined_at FROM participants "
            "WHERE session_code = ? ORDER BY joined_at, user_id",
            (code,),
        )

    def session_counts(self, code: str) -> tuple[int, int]:
        """``(joined, finished)``: participants, and those with a finished attempt (as /sessions)."""
        row = self._one(
            "SELECT (SELECT COUNT(*) FROM participants WHERE session_code = ?) AS joined, "
            " (SELECT COUNT(DISTINCT user_id) FROM attempts WHERE session_code = ? "
            "  AND finished_at IS NOT NULL) AS finished",
            (code, code),
        )
        return (int(row["joined"]), int(row["finished"])) if row else (0, 0)

    def latest_participants(self, code: str, limit: int) -> list[tuple[str, str]]:
        """``(first_name, username)`` of the last ``limit`` trainees to join, oldest of them first."""
        rows = self._all(
            "SELECT first_name, username FROM participants WHERE session_code = ? "
            "ORDER BY joined_at DESC, user_id DESC LIMIT ?",
            (code, limit),
        )
        return [(r["first_name"], r["username"]) for r in reversed(rows)]

    def session_attempts(self, code: str) -> list[Attempt]:
        rows = self._all("SELECT * FROM attempts WHERE session_code = ? ORDER BY id", (code,))
        return [a for a in (self._attempt(r) for r in rows) if a is not None]

    # -- live views of trainer sessions ------------------------------------------------------
    @staticmethod
    def _live_view(row: sqlite3.Row) -> LiveView:
        return LiveView(
            row["session_code"],
            row["chat_id"],
            int(row["message_id"]),
            row["kind"],
            row["lang"],
            float(row["started_at"]),
            row["shown"],
        )

    def start_live_view(
        self,
        code: str,
        chat_id: str,
        message_id: int,
        kind: str,
        lang: str,
        shown: str = "",
        now: float | None = None,
    ) -> LiveView | None:
        """Keep message ``message_id`` up to date for session ``code`` from ``now`` (Unix time):
        one message per session, so a newer one replaces the earlier, which is returned (None if
        there was none)."""
        now = time.time() if now is None else now
        with self.transaction() as db:
            row = db.execute("SELECT * FROM live_views WHERE session_code = ?", (code,)).fetchone()
            db.execute(
                "INSERT INTO live_views(session_code, chat_id, message_id, kind, lang, started_at, shown) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(session_code) DO UPDATE SET "
                "chat_id = excluded.chat_id, message_id = excluded.message_id, kind = excluded.kind, "
                "lang = excluded.lang, started_at = excluded.started_at, shown = excluded.shown",
                (code, chat_id, message_id, kind, lang, now, shown),
            )
        if row is None:
            return None
        old = self._live_view(row)
        return None if (old.chat_id, old.message_id) == (chat_id, message_id) else old

    def live_view(self, code: str) -> LiveView | None:
        row = self._one("SELECT * FROM live_views WHERE session_code = ?", (code,))
        return None if row is None else self._live_view(row)

    def live_views(self) -> list[LiveView]:
        return [self._live_view(r) for r in self._all("SELECT * FROM live_views ORDER BY started_at")]

    def set_live_view_shown(self, code: str, message_id: int, shown: str) -> None:
        """What message ``message_id`` shows now (no effect once another message replaced it)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE live_views SET shown = ? WHERE session_code = ? AND message_id = ?",
                (shown, code, message_id),
            )

    def end_live_view(self, code: str, message_id: int | None = None) -> None:
        """Stop the live view of ``code`` (only if it is still on ``message_id``, when given)."""
        with self.transaction() as db:
            if message_id is None:
                db.execute("DELETE FROM live_views WHERE session_code = ?", (code,))
            else:
                db.execute(
                    "DELETE FROM live_views WHERE session_code = ? AND message_id = ?", (code, message_id)
                )

    def end_live_views_in_chat(self, chat_id: str) -> int:
        with self.transaction() as db:
            return int(db.execute("DELETE FROM live_views WHERE chat_id = ?", (chat_id,)).rowcount)

    # -- wrong session PINs (the guessing throttle) -------------------------------------------
    def pin_failures_since(self, user_id: str, since: float) -> int:
        row = self._one(
            "SELECT COUNT(*) FROM pin_failures WHERE user_id = ? AND failed_at > ?", (user_id, since)
        )
        return int(row[0]) if row else 0

    def record_pin_failure(self, user_id: str, window: float, now: float | None = None) -> None:
        """Note a wrong PIN; rows older than ``window`` seconds (everyone's) are deleted, so the
        table only ever holds the last window's failures."""
        now = time.time() if now is None else now
        with self.transaction() as db:
            db.execute("DELETE FROM pin_failures WHERE failed_at <= ?", (now - window,))
            db.execute("INSERT INTO pin_failures(user_id, failed_at) VALUES (?, ?)", (user_id, now))

    # -- live group quizzes -----------------------------------------------------------------
    def start_group_game(self, chat_id: str, quiz_id: str, lang: str, started_by: str) -> bool:
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM group_games WHERE chat_id = ?", (chat_id,)).fetchone():
                return False
            db.execute("DELETE FROM group_scores WHERE chat_id = ?", (chat_id,))
            db.execute(
                "INSERT INTO group_games(chat_id, quiz_id, lang, started_by, started_at) VALUES (?, ?, ?, ?, ?)",
                (chat_id, quiz_id, lang, started_by, time.time()),
            )
        return True

    def group_game(self, chat_id: str) -> GroupGame | None:
        row = self._one("SELECT * FROM group_games WHERE chat_id = ?", (chat_id,))
        if row is None:
            return None
        return GroupGame(
            row["chat_id"],
            row["quiz_id"],
            row["lang"],
            row["position"],
            row["poll_id"],
            row["started_by"],
            row["thread_id"],
        )

    def group_game_by_poll(self, poll_id: str) -> GroupGame | None:
        row = self._one("SELECT chat_id FROM group_games WHERE poll_id = ?", (poll_id,))
        return self.group_game(row["chat_id"]) if row else None

    def set_group_poll(self, chat_id: str, position: int, poll_id: str, thread_id: int | None = None) -> None:
        """The poll of question ``position`` was sent (into forum topic ``thread_id``, if any)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE group_games SET position = ?, poll_id = ?, thread_id = ? WHERE chat_id = ?",
                (position, poll_id, thread_id, chat_id),
            )

    def record_group_vote(self, chat_id: str, poll_id: str, user_id: str, name: str, correct: bool) -> bool:
        with self.transaction() as db:
            if db.execute(
                "SELECT 1 FROM group_votes WHERE poll_id = ? AND user_id = ?", (poll_id, user_id)
            ).fetchone():
                return False
            db.execute("INSERT INTO group_votes(poll_id, user_id) VALUES (?, ?)", (poll_id, user_id))
            db.execute(
                "INSERT INTO group_scores(chat_id, user_id, name, correct, answered) VALUES (?, ?, ?, ?, 1) "
                "ON CONFLICT(chat_id, user_id) DO UPDATE SET name = excluded.name, "
                "correct = group_scores.correct + excluded.correct, answered = group_scores.answered + 1",
                (chat_id, user_id, name[:200], int(correct)),
            )
        return True

    def group_leaderboard(self, chat_id: str) -> list[tuple[str, int, int]]:
        rows = self._all(
            "SELECT name, correct, answered FROM group_scores WHERE chat_id = ? "
            "ORDER BY correct DESC, answered ASC, name",
            (chat_id,),
        )
        return [(r["name"], int(r["correct"]), int(r["answered"])) for r in rows]

    def group_games_in_progress(self) -> list[tuple[str, int, int | None]]:
        """``(chat_id, position, thread_id)`` of games whose poll is out."""
        rows = self._all("SELECT chat_id, position, thread_id FROM group_games WHERE poll_id IS NOT NULL")
        return [(r["chat_id"], int(r["position"]), r["thread_id"]) for r in rows]

    def end_group_game(self, chat_id: str) -> None:
        with self.transaction() as db:
            row = db.execute("SELECT poll_id FROM group_games WHERE chat_id = ?", (chat_id,)).fetchone()
            db.execute("DELETE FROM group_games WHERE chat_id = ?", (chat_id,))
            db.execute("DELETE FROM group_scores WHERE chat_id = ?", (chat_id,))
            if row is not None and row["poll_id"]:
                db.execute("DELETE FROM group_votes WHERE poll_id = ?", (row["poll_id"],))


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def open_store(path: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Store:
    return Store(path, busy_timeout)
