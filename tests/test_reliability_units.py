"""Issue 10, the parts below the Telegram layer: atomic quiz steps and healing, export cells,
/forget and group games, the database check and backup, the store's locks.

Each test names the issue's numbered finding it covers.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cyberhygiene import payloads
from cyberhygiene.config import Settings
from cyberhygiene.engine import Engine
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.messages import Incoming
from cyberhygiene.store import Store, open_store
from tests.test_quiz import _join, _session, choice, correct_picks, play, press

ROOT = Path(__file__).resolve().parent.parent


# -- finding 2: the last answer and the end of the attempt, one transaction; stuck states heal ---
def _left_open_by_a_crash(engine: Engine, user: str, quiz_id: str, session: str | None = None) -> int:
    """Build what a crash between the two commits of the old ``_answer`` left: every question
    answered, position past the end, the attempt neither finished nor inactive."""
    quiz = engine.kb.quizzes[quiz_id]
    attempt = engine.store.start_attempt(user, quiz_id, "en", session)
    with engine.store.transaction() as db:
        for i, q in enumerate(quiz.questions):
            db.execute(
                "INSERT INTO answers(attempt_id, question, chosen, correct, answered_at) VALUES (?, ?, ?, 1, ?)",
                (attempt.id, i, q.answer, time.time()),
            )
        db.execute("UPDATE attempts SET position = ? WHERE id = ?", (len(quiz.questions), attempt.id))
    return attempt.id


def test_attempt_left_complete_but_open_heals_on_quiz_command(engine: Engine, kb: KnowledgeBase) -> None:
    attempt_id = _left_open_by_a_crash(engine, "u1", "basics")
    replies = engine.handle(Incoming("u1", text="/quiz"))
    total = len(kb.quizzes["basics"].questions)
    assert f"{total}/{total}" in replies[-1].plain(), "the result, not 'Sorry'"
    healed = engine.store.get_attempt(attempt_id)
    assert healed is not None and healed.finished_at is not None and not healed.active
    assert engine.store.active_attempt("u1") is None


def test_old_buttons_of_a_stuck_attempt_heal(engine: Engine, kb: KnowledgeBase) -> None:
    attempt_id = _left_open_by_a_crash(engine, "u2", "basics")
    total = len(kb.quizzes["basics"].questions)
    old_answer = press(engine, "u2", payloads.make(payloads.QUIZ_ANSWER, attempt_id, total - 1, 0))
    assert f"{total}/{total}" in old_answer[-1].plain()
    attempt_id = _left_open_by_a_crash(engine, "u3", "basics")
    cont = press(engine, "u3", payloads.make(payloads.QUIZ_NEXT, attempt_id))
    assert f"{total}/{total}" in cont[-1].plain()
    hint = engine.handle(Incoming("u3", text="what is phishing"))
    assert not choice(hint, payloads.QUIZ_NEXT), "no 'continue' for a finished quiz"


def test_stuck_session_attempt_counts_in_the_trainers_results(engine: Engine) -> None:
    code = _session(engine, "trainer")
    _join(engine, "t1", code, "Ana")
    engine.store.deactivate_attempts("t1")  # the join started an attempt; replace it by a stuck one
    _left_open_by_a_crash(engine, "t1", "phishing_links", code)
    text = engine.handle(Incoming("trainer", text=f"/results {code}"))[0].plain()
    assert "Completed: 1" in text


def test_last_answer_and_end_of_attempt_commit_together(engine: Engine, kb: KnowledgeBase) -> None:
    quiz = kb.quizzes["basics"]
    first = press(engine, "u4", payloads.make(payloads.QUIZ_START, "basics"))
    picks = correct_picks(kb, "basics")
    before_last = play(engine, "u4", first, picks[:-1])
    nxt = choice(before_last, payloads.QUIZ_NEXT)
    last_question = press(engine, "u4", nxt[0].payload)
    statements: list[str] = []
    engine.store._db.set_trace_callback(statements.append)
    try:
        options = choice(last_question, payloads.QUIZ_ANSWER)
        done = press(engine, "u4", options[picks[-1]].payload)
    finally:
        engine.store._db.set_trace_callback(None)
    assert f"{len(quiz.questions)}/{len(quiz.questions)}" in done[-1].plain()
    commits = [s for s in statements if s.strip().upper() == "COMMIT"]
    assert len(commits) == 1, f"one transaction for the last step, got {len(commits)}: {statements}"


# -- finding 7: export cells ----------------------------------------------------------------------
FORMULAS = [
    "=1+1",
    " =1+1",
    "\u00a0=1+1",
    "\uff1d1+1",  # fullwidth equals sign
    "\t=1+1",
    ";=1+1",
    "|calc",
    "+1",
    "-1+2",
    "@SUM(A1)",
    'Ana;=HYPERLINK("x")',
    "\u200b=1+1",
    "\uff0b1",  # fullwidth plus
]


@pytest.mark.parametrize("name", FORMULAS)
def test_csv_export_escapes_anything_a_spreadsheet_could_evaluate(engine: Engine, name: str) -> None:
    code = _session(engine, "trainer")
    _join(engine, "t1", code, name)
    export = engine.handle(Incoming("trainer", text=f"/export {code}"))
    att = next(r.attachment for r in export if r.attachment and r.attachment.filename.endswith(".csv"))
    rows = list(csv.reader(io.StringIO(att.data.decode("utf-8-sig"))))
    cell = rows[1][0]
    assert cell.startswith("'") and cell.replace("'", "") == name, cell
    for delimiter in (";", "|", "\t"):  # a reader splitting on another separator keeps it whole
        for row in csv.reader(io.StringIO(att.data.decode("utf-8-sig")), delimiter=delimiter):
            for piece in row:
                assert not piece.strip().startswith(("=", "+", "-", "@")), (delimiter, piece)
    from cyberhygiene.exports import safe_cell  # the helper every export shares

    assert safe_cell(name) == cell


@pytest.mark.parametrize("plain", ["Ana", "María José", "O'Brien", "2026-11-28", "ana_b", ""])
def test_ordinary_cells_are_left_alone(plain: str) -> None:
    from cyberhygiene.exports import safe_cell

    assert safe_cell(plain) == plain


# -- finding 8: /forget is complete ------------------------------------------------------------------
def test_forget_removes_the_user_from_group_games(store: Store, db_path: str) -> None:
    assert store.start_group_game("-100500", "basics", "en", started_by="4242")
    store.forget_user("4242")
    with sqlite3.connect(db_path) as conn:
        left = conn.execute("SELECT COUNT(*) FROM group_games WHERE started_by = '4242'").fetchone()[0]
    assert left == 0
    assert store.group_game("-100500") is not None, "the group's game goes on"


# -- finding 3 (store part): reads never wait behind a write lock; the wait is configurable -------
def test_reads_do_not_wait_for_a_write_blocked_by_another_connection(db_path: str) -> None:
    store = open_store(db_path, busy_timeout=5.0)
    store.set_lang("reader", "es", pinned=True)
    locker = sqlite3.connect(db_path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    writer = threading.Thread(target=store.set_lang, args=("writer", "en"), kwargs={"pinned": True})
    writer.start()
    time.sleep(0.2)  # the writer now waits on SQLite's lock inside the store
    start = time.monotonic()
    prefs = store.get_prefs("reader")
    waited = time.monotonic() - start
    locker.execute("ROLLBACK")
    writer.join(10)
    locker.close()
    assert prefs.lang == "es"
    assert waited < 0.5, f"a read waited {waited:.2f}s behind a blocked write"
    assert store.get_prefs("writer").lang == "en", "the write went through once the lock was gone"
    store.close()


def test_busy_timeout_is_configurable(db_path: str) -> None:
    store = open_store(db_path, busy_timeout=0.3)
    locker = sqlite3.connect(db_path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    start = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        store.set_lang("u", "en", pinned=True)
    assert time.monotonic() - start < 3
    locker.execute("ROLLBACK")
    locker.close()
    store.close()
    assert Settings().db_busy_timeout >= 45, "a 45 s lock must delay writes, not fail them"


# -- finding 4: a damaged or read-only database: one clear line, exit 1 --------------------------------
def _run_bot(db: Path, *args: str, user: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "123456789:TEST-token-abcdefghijklmnopqrst",
        "TELEGRAM_BOT_API_URL": "http://127.0.0.1:9/bot",  # nothing listens: we must stop before
        "DATABASE_URL": f"sqlite:///{db}",
        "LOG_LEVEL": "INFO",
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), *args],
        env=env,
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        timeout=60,
        user=user,
    )


def _populated(db: Path) -> None:
    store = open_store(str(db))
    for i in range(400):
        store.set_lang(f"user-{i:04d}-" + "x" * 60, "es", pinned=True)
        store.log_unanswered(f"question {i} " + "y" * 200, "en")
    store.close()


def _assert_one_clear_line(result: subprocess.CompletedProcess[str], db: Path, *words: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert str(db) in lines[0]
    for word in words:
        assert word in lines[0], lines[0]


def test_random_bytes_instead_of_a_database(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    db.write_bytes(os.urandom(64 * 1024))
    _assert_one_clear_line(_run_bot(db, "telegram"), db, "damaged", "backup")


def test_corrupted_pages_are_caught_before_start(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    _populated(db)
    page = 4096
    with db.open("r+b") as f:  # keep the header page, scribble over a run of pages in the middle
        for n in range(10, 16):
            f.seek(n * page)
            f.write(os.urandom(page))
    _assert_one_clear_line(_run_bot(db, "telegram"), db, "damaged")


def test_read_only_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    _populated(db)
    root = os.geteuid() == 0
    if root:  # root ignores file modes: make the file immutable instead
        made = subprocess.run(["chattr", "+i", str(db)], capture_output=True, check=False)
        if made.returncode != 0:
            pytest.skip("running as root without chattr: cannot make a read-only file")
    else:
        db.chmod(0o444)
        tmp_path.chmod(0o555)
    try:
        _assert_one_clear_line(_run_bot(db, "telegram"), db, "cannot be written")
    finally:
        if root:
            subprocess.run(["chattr", "-i", str(db)], check=False)
        else:
            tmp_path.chmod(0o755)
            db.chmod(0o644)


def test_backup_is_a_consistent_copy_while_the_database_is_open(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    _populated(db)
    live = open_store(str(db))  # open and written, like a running bot
    live.set_lang("late", "en", pinned=True)
    copy = tmp_path / "copy.sqlite3"
    result = _run_bot(db, "backup", str(copy))
    live.close()
    assert result.returncode == 0, result.stderr
    assert str(copy) in result.stdout
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 401
    again = _run_bot(db, "backup", str(copy))
    assert again.returncode == 1 and "already exists" in again.stderr


# -- finding 1 (journal part): what is stored, confirmed, replayed and pruned -------------------------
async def test_intake_confirms_only_stored_updates_and_replays_unfinished_ones(db_path: str) -> None:
    from cyberhygiene.intake import Intake

    store = open_store(db_path)
    intake = Intake(store)
    assert await intake.start() == []
    assert intake.accept([(41, '{"update_id": 41}'), (42, '{"update_id": 42}')]) == [41, 42]
    assert intake.offset() in {41, 43}  # 41 while not stored yet, then past the batch
    await intake.stored([41, 42])
    assert intake.offset() == 43
    assert intake.accept([(42, '{"update_id": 42}')]) == [], "a re-delivered update is dropped"
    intake.done(41)
    await intake.close()
    with sqlite3.connect(db_path) as conn:
        rows = dict(conn.execute("SELECT update_id, body FROM updates").fetchall())
    assert rows == {41: None, 42: '{"update_id": 42}'}, "a handled update keeps no body"

    again = Intake(store, keep_done=0.0)  # a restart; handled rows are forgotten at once
    assert await again.start() == [(42, '{"update_id": 42}')], "the unfinished one comes back"
    assert again.accept([(41, "{}"), (42, "{}")]) == [], "known ids are not handled twice"
    again.done(42)
    await again.close()
    assert store.journal_ids() == set(), "pruned once done"
    store.close()
