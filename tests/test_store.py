"""The SQLite store: file, WAL, schema migrations, and every table's behaviour."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from cyberhygiene import store as store_mod
from cyberhygiene.store import SCHEMA_VERSION, Store, UserPrefs, open_store

DAY = 86400.0


def raw(db_path: str) -> sqlite3.Connection:
    """A second, independent connection to the same file (sees only committed data)."""
    return sqlite3.connect(db_path)


def columns(db_path: str, table: str) -> list[str]:
    with raw(db_path) as con:
        return [row[1] for row in con.execute(f"PRAGMA table_info({table})")]


# -- the file itself --------------------------------------------------------------------------


def test_store_is_a_real_file_in_wal_mode(store: Store, db_path: str) -> None:
    assert Path(db_path).is_file()
    assert store.journal_mode().lower() == "wal"
    con = raw(db_path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        con.close()


def test_schema_version_matches_migrations(store: Store) -> None:
    assert SCHEMA_VERSION == len(store_mod.MIGRATIONS) >= 2
    assert store.schema_version() == SCHEMA_VERSION


def test_creates_missing_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "state.sqlite3"
    s = open_store(str(path))
    try:
        s.set_lang("u1", "es", pinned=False)
    finally:
        s.close()
    assert path.is_file()


def test_writes_are_committed_immediately(store: Store, db_path: str) -> None:
    store.set_lang("u1", "es", pinned=True)
    store.log_unanswered("que es un qr", "es")
    con = raw(db_path)  # another connection sees the rows without any close/commit call
    try:
        assert con.execute("SELECT lang, lang_pinned FROM users WHERE user_id='u1'").fetchone() == (
            "es",
            1,
        )
        assert con.execute("SELECT COUNT(*) FROM unanswered").fetchone()[0] == 1
    finally:
        con.close()


def test_reopening_keeps_data(db_path: str) -> None:
    s = open_store(db_path)
    s.set_lang("u1", "es", pinned=True)
    attempt = s.start_attempt("u1", "basics", "es")
    assert s.record_answer(attempt.id, 0, 2, True)
    info = s.create_session("teacher", "basics", "Class A")
    s.close()

    s = open_store(db_path)
    try:
        assert s.schema_version() == SCHEMA_VERSION
        assert s.get_prefs("u1") == UserPrefs("es", True)
        assert s.attempt_answers(attempt.id) == [(0, 2, True)]
        assert s.get_session(info.code) == info
    finally:
        s.close()


def test_memory_store_works() -> None:
    s = open_store(":memory:")
    try:
        s.set_lang("u", "en", pinned=False)
        assert s.get_prefs("u") == UserPrefs("en", False)
        assert s.schema_version() == SCHEMA_VERSION
    finally:
        s.close()


# -- migrations -------------------------------------------------------------------------------


def _make_v1(db_path: str) -> None:
    con = sqlite3.connect(db_path)
    try:
        con.executescript(store_mod.MIGRATIONS[0])
        con.execute("INSERT INTO users(user_id, lang, lang_pinned, updated_at) VALUES ('old', 'es', 1, 1.0)")
        con.execute("INSERT INTO users(user_id, lang, lang_pinned, updated_at) VALUES ('old2', 'en', 0, 2.0)")
        con.execute("PRAGMA user_version = 1")
        con.commit()
    finally:
        con.close()


def test_migrates_a_v1_database_keeping_rows(db_path: str) -> None:
    _make_v1(db_path)
    assert columns(db_path, "attempts") == []  # not there yet
    s = open_store(db_path)
    try:
        assert s.schema_version() == SCHEMA_VERSION
        assert s.get_prefs("old") == UserPrefs("es", True)
        assert s.get_prefs("old2") == UserPrefs("en", False)
        # the new tables work
        attempt = s.start_attempt("old", "basics", "es")
        assert s.record_answer(attempt.id, 0, 1, False)
        s.log_unanswered("hola?", "es")
    finally:
        s.close()
    assert "session_code" in columns(db_path, "attempts")
    con = raw(db_path)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        con.close()


def test_migration_is_not_rerun_on_reopen(db_path: str) -> None:
    open_store(db_path).close()
    s = open_store(db_path)  # would fail with "table users already exists" if rerun
    s.close()


def test_newer_database_is_refused(db_path: str) -> None:
    con = sqlite3.connect(db_path)
    con.execute("CREATE TABLE future (x)")
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    con.commit()
    con.close()
    with pytest.raises(RuntimeError) as info:
        open_store(db_path)
    message = str(info.value)
    assert f"schema version {SCHEMA_VERSION + 5}" in message
    assert "newer" in message and "upgrade the bot" in message
    assert db_path in message
    # the file was not touched
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 5
        assert [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["future"]
    finally:
        con.close()


def test_a_failing_migration_rolls_back(db_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _make_v1(db_path)
    broken = (store_mod.MIGRATIONS[0], "CREATE TABLE attempts (id INTEGER); CREATE TABLE oops (;")
    monkeypatch.setattr(store_mod, "MIGRATIONS", broken)
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 2)
    with pytest.raises(sqlite3.OperationalError):
        Store(db_path)
    con = raw(db_path)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 1
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "attempts" not in tables  # the half-applied migration was rolled back
        assert con.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 2
    finally:
        con.close()


# -- users ------------------------------------------------------------------------------------


def test_unknown_user_has_no_prefs(store: Store) -> None:
    assert store.get_prefs("nobody") == UserPrefs(None, False)


def test_set_lang_and_pinning(store: Store) -> None:
    store.set_lang("u", "es", pinned=False)
    assert store.get_prefs("u") == UserPrefs("es", False)
    store.set_lang("u", "en", pinned=True)
    assert store.get_prefs("u") == UserPrefs("en", True)
    # an automatic (unpinned) change of language later does not unpin
    store.set_lang("u", "es", pinned=False)
    assert store.get_prefs("u") == UserPrefs("es", True)
    store.set_lang("u", "en", pinned=True)
    assert store.get_prefs("u") == UserPrefs("en", True)
    # other users are independent
    assert store.get_prefs("v") == UserPrefs(None, False)


# -- quiz attempts ----------------------------------------------------------------------------


def test_attempt_lifecycle(store: Store) -> None:
    before = time.time()
    a = store.start_attempt("u", "basics", "en")
    assert (a.user_id, a.quiz_id, a.lang, a.session_code) == ("u", "basics", "en", None)
    assert a.position == 0 and a.active and a.finished_at is None
    assert before <= a.started_at <= time.time()
    assert store.active_attempt("u") == a

    assert store.record_answer(a.id, 0, 3, True)
    assert store.record_answer(a.id, 1, 0, False)
    assert store.get_attempt(a.id).position == 2  # type: ignore[union-attr]
    assert store.attempt_answers(a.id) == [(0, 3, True), (1, 0, False)]

    store.finish_attempt(a.id)
    done = store.get_attempt(a.id)
    assert done is not None and done.finished_at is not None and not done.active
    assert store.active_attempt("u") is None
    # finishing again does not move the finish time
    store.finish_attempt(a.id)
    assert store.get_attempt(a.id).finished_at == done.finished_at  # type: ignore[union-attr]


def test_record_answer_refuses_wrong_position_and_double_answers(store: Store) -> None:
    a = store.start_attempt("u", "basics", "en")
    assert not store.record_answer(a.id, 1, 0, True)  # question 1 before question 0
    assert store.record_answer(a.id, 0, 2, False)
    assert not store.record_answer(a.id, 0, 1, True)  # question 0 again (a double tap)
    assert store.attempt_answers(a.id) == [(0, 2, False)]
    assert store.get_attempt(a.id).position == 1  # type: ignore[union-attr]
    assert not store.record_answer(a.id + 999, 0, 0, True)  # no such attempt


def test_record_answer_refuses_after_finish(store: Store) -> None:
    a = store.start_attempt("u", "basics", "en")
    store.finish_attempt(a.id)
    assert not store.record_answer(a.id, 0, 0, True)
    assert store.attempt_answers(a.id) == []


def test_starting_an_attempt_leaves_the_previous_one(store: Store) -> None:
    first = store.start_attempt("u", "basics", "en")
    store.record_answer(first.id, 0, 1, True)
    second = store.start_attempt("u", "phishing_links", "en")
    assert store.active_attempt("u") == second
    old = store.get_attempt(first.id)
    assert old is not None and not old.active and old.finished_at is None
    assert store.attempt_answers(first.id) == [(0, 1, True)]  # not deleted
    # another user's attempt is unaffected
    other = store.start_attempt("v", "basics", "es")
    assert store.active_attempt("u") == second
    assert store.active_attempt("v") == other
    store.deactivate_attempts("u")
    assert store.active_attempt("u") is None
    assert store.active_attempt("v") == other


# -- trainer sessions -------------------------------------------------------------------------


def test_create_session(store: Store) -> None:
    info = store.create_session("teacher", "basics", "Class A")
    assert (info.owner_id, info.quiz_id, info.title, info.closed_at) == (
        "teacher",
        "basics",
        "Class A",
        None,
    )
    assert store.get_session(info.code) == info
    store.close_session(info.code)
    closed = store.get_session(info.code)
    assert closed is not None and closed.closed_at is not None


def test_session_codes_are_unguessable() -> None:
    store = open_store(":memory:")  # same code path, without 200 fsyncs
    try:
        codes = [store.create_session("teacher", "basics", f"s{i}").code for i in range(200)]
    finally:
        store.close()
    assert len(set(codes)) == 200
    assert all(len(code) >= 10 for code in codes)
    assert all(code.isalnum() and code.isascii() for code in codes)  # safe in links and `code`
    # not sequential / predictable: no shared long prefix
    assert len({code[:4] for code in codes}) > 150


def test_owned_session_is_invisible_to_others(store: Store) -> None:
    info = store.create_session("teacher", "basics", "Class A")
    assert store.owned_session(info.code, "teacher") == info
    assert store.owned_session(info.code, "student") is None
    assert store.owned_session("no-such-code", "teacher") is None


def test_sessions_of_counts_people_and_finishers(store: Store) -> None:
    s1 = store.create_session("teacher", "basics", "First")
    s2 = store.create_session("teacher", "basics", "Second")
    store.create_session("someone_else", "basics", "Not mine")
    for user in ("a", "b", "c"):
        store.join_session(s1.code, user, user.upper(), "")
    store.join_session(s1.code, "a", "Ana", "ana_x")  # re-joining updates, does not duplicate
    for user in ("a", "b"):
        attempt = store.start_attempt(user, "basics", "en", session_code=s1.code)
        store.finish_attempt(attempt.id)
    store.start_attempt("c", "basics", "en", session_code=s1.code)  # not finished
    listed = {info.code: (people, done) for info, people, done in store.sessions_of("teacher")}
    assert listed == {s1.code: (3, 2), s2.code: (0, 0)}
    names = {(r["user_id"], r["first_name"], r["username"]) for r in store.session_participants(s1.code)}
    assert ("a", "Ana", "ana_x") in names and len(names) == 3
    assert [a.user_id for a in store.session_attempts(s1.code)] == ["a", "b", "c"]


# -- forgetting a user ------------------------------------------------------------------------


def test_forget_user_removes_everything(store: Store, db_path: str) -> None:
    me, other = "me", "other"
    store.set_lang(me, "es", pinned=True)
    a = store.start_attempt(me, "basics", "es")
    store.record_answer(a.id, 0, 1, True)
    # I joined someone else's session and took its quiz
    theirs = store.create_session(other, "basics", "Their class")
    store.join_session(theirs.code, me, "Me", "me_user")
    sa = store.start_attempt(me, "basics", "es", session_code=theirs.code)
    store.record_answer(sa.id, 0, 0, False)
    # I own a session that other people joined and took
    mine = store.create_session(me, "basics", "My class")
    store.join_session(mine.code, other, "Other", "")
    oa = store.start_attempt(other, "basics", "en", session_code=mine.code)
    # I played a live group quiz
    assert store.start_group_game("chat1", "basics", "es", me)
    store.set_group_poll("chat1", 0, "poll1")
    assert store.record_group_vote("chat1", "poll1", me, "Me", True)
    assert store.user_footprint(me) > 0

    store.forget_user(me)

    assert store.user_footprint(me) == 0
    assert store.get_prefs(me) == UserPrefs(None, False)
    assert store.get_session(mine.code) is None
    assert store.get_attempt(oa.id) is None  # attempts in my session went with it
    # the answers of deleted attempts are gone too (no orphans)
    con = raw(db_path)
    try:
        attempt_ids = {r[0] for r in con.execute("SELECT id FROM attempts")}
        answer_ids = {r[0] for r in con.execute("SELECT attempt_id FROM answers")}
        assert answer_ids <= attempt_ids
        assert (
            con.execute("SELECT COUNT(*) FROM participants WHERE session_code = ?", (mine.code,)).fetchone()[
                0
            ]
            == 0
        )
        for table in ("users", "attempts", "participants", "group_scores", "group_votes"):
            assert con.execute(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (me,)).fetchone()[0] == 0, (
                table
            )
        assert con.execute("SELECT COUNT(*) FROM sessions WHERE owner_id = ?", (me,)).fetchone()[0] == 0
    finally:
        con.close()
    # the other user's own data and session survive
    assert store.get_session(theirs.code) is not None
    assert [r["user_id"] for r in store.session_participants(theirs.code)] == []
    assert store.user_footprint(other) >= 1


def test_forget_unknown_user_is_harmless(store: Store) -> None:
    store.set_lang("keep", "en", pinned=False)
    store.forget_user("nobody")
    assert store.get_prefs("keep") == UserPrefs("en", False)


# -- purge and the unanswered log ---------------------------------------------------------------


def test_unanswered_log_stores_no_user_id(store: Store, db_path: str) -> None:
    store.log_unanswered("how do I vote online", "en")
    cols = columns(db_path, "unanswered")
    assert set(cols) == {"id", "text", "lang", "kind", "created_at"}
    assert not any("user" in c or "chat" in c for c in cols)
    assert store.unanswered() == [("how do I vote online", "en")]


def test_unanswered_log_is_newest_first_and_truncated(store: Store) -> None:
    store.log_unanswered("first", "en")
    store.log_unanswered("x" * 2000, "es")
    logged = store.unanswered()
    assert logged[0] == ("x" * 500, "es")
    assert logged[1] == ("first", "en")
    assert store.unanswered(limit=1) == [("x" * 500, "es")]


def test_purge_removes_old_rows_and_keeps_recent_ones(store: Store, db_path: str) -> None:
    old_log = "old question"
    store.log_unanswered(old_log, "en")
    old_done = store.start_attempt("u1", "basics", "en")
    store.record_answer(old_done.id, 0, 0, True)
    store.finish_attempt(old_done.id)
    old_abandoned = store.start_attempt("u2", "basics", "en")
    store.deactivate_attempts("u2")

    now = time.time() + 100 * DAY  # 100 days later...
    store.log_unanswered("recent question", "en")
    # ...these happened "recently": move their timestamps close to `now`
    recent_done = store.start_attempt("u3", "basics", "en")
    store.finish_attempt(recent_done.id)
    recent_open = store.start_attempt("u4", "basics", "en")
    with store.transaction() as db:
        db.execute("UPDATE unanswered SET created_at = ? WHERE text = 'recent question'", (now - DAY,))
        db.execute(
            "UPDATE attempts SET started_at = ?, finished_at = ? WHERE id = ?",
            (now - 2 * DAY, now - DAY, recent_done.id),
        )
        db.execute("UPDATE attempts SET started_at = ? WHERE id = ?", (now - DAY, recent_open.id))

    removed = store.purge(30, now=now)

    assert removed == 3  # one log, one finished attempt, one abandoned attempt
    assert store.unanswered() == [("recent question", "en")]
    assert store.get_attempt(old_done.id) is None
    assert store.get_attempt(old_abandoned.id) is None
    assert store.get_attempt(recent_done.id) is not None
    assert store.get_attempt(recent_open.id) is not None
    con = raw(db_path)
    try:  # the old attempt's answers went with it
        assert (
            con.execute("SELECT COUNT(*) FROM answers WHERE attempt_id = ?", (old_done.id,)).fetchone()[0]
            == 0
        )
    finally:
        con.close()
    # purging again removes nothing
    assert store.purge(30, now=now) == 0


def test_purge_with_real_clock_keeps_fresh_rows(store: Store) -> None:
    store.log_unanswered("fresh", "en")
    a = store.start_attempt("u", "basics", "en")
    store.finish_attempt(a.id)
    assert store.purge(1) == 0
    assert store.unanswered() == [("fresh", "en")]
    assert store.get_attempt(a.id) is not None


# -- live group quizzes -------------------------------------------------------------------------


def test_group_game_lifecycle(store: Store) -> None:
    assert store.start_group_game("chat", "basics", "en", "starter")
    assert not store.start_group_game("chat", "basics", "en", "someone")  # one game per chat
    store.set_group_poll("chat", 0, "p0")
    game = store.group_game_by_poll("p0")
    assert game is not None and (game.chat_id, game.position, game.poll_id) == ("chat", 0, "p0")
    assert store.record_group_vote("chat", "p0", "u1", "Ana", True)
    assert not store.record_group_vote("chat", "p0", "u1", "Ana", False)  # one vote per poll
    assert store.record_group_vote("chat", "p0", "u2", "Bo", False)
    store.set_group_poll("chat", 1, "p1", thread_id=77)  # a forum topic
    assert store.record_group_vote("chat", "p1", "u2", "Bo", True)
    assert store.record_group_vote("chat", "p1", "u1", "Ana", True)
    assert store.group_leaderboard("chat") == [("Ana", 2, 2), ("Bo", 1, 2)]
    assert store.group_games_in_progress() == [("chat", 1, 77)]
    assert store.group_game("chat").thread_id == 77  # type: ignore[union-attr]
    store.end_group_game("chat")
    assert store.group_game("chat") is None
    assert store.group_leaderboard("chat") == []
    assert store.group_games_in_progress() == []
