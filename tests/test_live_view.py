"""The engine's side of trainers' live views, and the stored PIN throttle (no Telegram here)."""

from __future__ import annotations

import re
import time

from cyberhygiene import payloads
from cyberhygiene.config import Settings
from cyberhygiene.engine import Engine
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.messages import BOT_REMOVED, Incoming, Reply
from cyberhygiene.sessions import LIVE_NAMES, PIN_TRIES, PIN_WINDOW
from cyberhygiene.store import Store, open_store
from tests.tg_harness import right_and_wrong

TRAINER = "9001"


def new_engine(kb: KnowledgeBase, store: Store, **kw: float) -> Engine:
    return Engine(kb, store, Settings(flood_messages=10_000, flood_presses=10_000, **kw))  # type: ignore[arg-type]


def create(engine: Engine) -> tuple[str, str, Reply]:
    """A session made by TRAINER: (code, PIN, the live reply)."""
    replies = engine.handle(Incoming(TRAINER, text="/newsession basics Taller"))
    live = [r for r in replies if r.live]
    assert len(live) == 1, "the message with the link, PIN and buttons is the live one"
    ((info, _, _),) = engine.store.sessions_of(TRAINER)
    assert info.pin is not None
    return info.code, info.pin, live[0]


def join(engine: Engine, user: str, pin: str, name: str) -> None:
    intro = engine.handle(Incoming(user, text=pin, first_name=name))
    (start,) = [c for r in intro for c in r.choices if c.payload.startswith(f"1:{payloads.SESSION_JOIN}:")]
    engine.handle(Incoming(user, payload=start.payload, first_name=name))


def test_the_live_text_names_the_last_trainees_and_counts_the_rest(kb: KnowledgeBase, store: Store) -> None:
    engine = new_engine(kb, store)
    code, pin, reply = create(engine)
    started = engine.live_view_started(reply.live, TRAINER, 41)
    assert started == (code, [])
    assert engine.live_view(code) is not None and engine.live_view(code).reply is None  # type: ignore[union-attr]
    names = [f"T{i:02d}" for i in range(LIVE_NAMES + 2)]
    for i, name in enumerate(names):
        join(engine, f"80{i:02d}", pin, name)
    update = engine.live_view(code)
    assert update is not None and update.reply is not None and not update.done
    assert (update.chat_id, update.message_id) == (TRAINER, 41)
    text = update.reply.plain()
    assert f"{len(names)} joined, 0 finished" in text
    assert ", ".join(names[2:]) + " and 2 more" in text and "T01" not in text
    engine.live_view_shown(update)
    again = engine.live_view(code)
    assert again is not None and again.reply is None, "shown: nothing to edit until something changes"


def test_a_newer_message_takes_over_and_the_old_one_is_frozen(kb: KnowledgeBase, store: Store) -> None:
    engine = new_engine(kb, store)
    code, _, reply = create(engine)
    engine.live_view_started(reply.live, TRAINER, 41)
    (card,) = [r for r in engine.handle(Incoming(TRAINER, text="/sessions")) if r.live]
    key, replaced = engine.live_view_started(card.live, TRAINER, 42) or ("", [])
    assert key == code and [(u.message_id, u.done) for u in replaced] == [(41, True)]
    assert replaced[0].reply is not None and "stopped updating" in replaced[0].reply.plain()
    engine.live_view_shown(replaced[0])  # the old message's last state: the new view goes on
    update = engine.live_view(code)
    assert update is not None and update.message_id == 42 and not update.done


def test_only_the_owner_s_chat_and_real_tokens_get_a_live_view(kb: KnowledgeBase, store: Store) -> None:
    engine = new_engine(kb, store)
    code, _, reply = create(engine)
    assert engine.live_view_started(reply.live, "someone else", 5) is None
    for forged in ("", "x", f"card:en:{code}:", f"nope:en:{code}:abc", f"card:xx:{code}:abc"):
        assert engine.live_view_started(forged, TRAINER, 5) is None
    assert engine.live_view(code) is None


def test_the_view_ends_after_its_maximum_time(kb: KnowledgeBase, store: Store) -> None:
    engine = new_engine(kb, store, live_view_max_seconds=0.0)
    code, _, reply = create(engine)
    engine.live_view_started(reply.live, TRAINER, 7)
    update = engine.live_view(code)
    assert update is not None and update.done and update.reply is not None
    assert "stopped updating" in update.reply.plain() and "updates itself" not in update.reply.plain()
    engine.live_view_shown(update)
    assert engine.live_view(code) is None and engine.live_views_to_resume() == []


def test_views_end_when_the_chat_is_gone_the_edit_fails_or_the_trainer_forgets(
    kb: KnowledgeBase, store: Store
) -> None:
    engine = new_engine(kb, store)
    code, _, reply = create(engine)
    engine.live_view_started(reply.live, TRAINER, 7)
    assert engine.live_views_to_resume() == [code]
    engine.handle(Incoming(TRAINER, chat_id=TRAINER, event=BOT_REMOVED))
    assert engine.live_view(code) is None
    engine.live_view_started(reply.live, TRAINER, 8)
    engine.live_view_failed(code, 7)  # an older message's failure changes nothing
    assert engine.live_view(code) is not None
    engine.live_view_failed(code, 8)
    assert engine.live_view(code) is None
    engine.live_view_started(reply.live, TRAINER, 9)
    engine.handle(Incoming(TRAINER, payload=payloads.make(payloads.FORGET, "y")))
    assert store.user_footprint(TRAINER) == 0 and engine.live_view(code) is None


def test_wrong_pins_are_stored_and_expire(kb: KnowledgeBase, db_path: str) -> None:
    store = open_store(db_path)
    engine = new_engine(kb, store)
    _, pin, _ = create(engine)
    wrong = f"{(int(pin) + 1) % 1_000_000:06d}"
    for _ in range(PIN_TRIES):
        assert "I don't know an open session" in engine.handle(Incoming("g", text=wrong))[0].plain()
    store.close()
    store = open_store(db_path)  # a restart
    engine = new_engine(kb, store)
    assert "Too many PINs" in engine.handle(Incoming("g", text=pin))[0].plain()
    # failures older than the window no longer count, and the next failure deletes them
    old = time.time() - PIN_WINDOW - 1
    store.record_pin_failure("h", PIN_WINDOW, now=old)
    assert store.pin_failures_since("h", old - 1) == 1
    for _ in range(PIN_TRIES):
        store.record_pin_failure("old", PIN_WINDOW, now=old)
    assert "shared with the trainer" in engine.handle(Incoming("old", text=pin))[0].plain()
    engine.handle(Incoming("new", text=wrong))
    assert store.pin_failures_since("h", 0) == 0 and store.pin_failures_since("old", 0) == 0
    assert store.pin_failures_since("g", 0) == PIN_TRIES
    # /forget doesn't reset the throttle (the privacy answer says so): the rows just expire
    engine.handle(Incoming("g", payload=payloads.make(payloads.FORGET, "y")))
    assert store.user_footprint("g") == PIN_TRIES
    assert "Too many PINs" in engine.handle(Incoming("g", text=pin))[0].plain()
    privacy = kb.answers["bot_privacy"].more
    assert privacy is not None and "/forget doesn't erase this" in privacy["en"]
    store.close()


def test_the_results_chart_says_what_it_shows(kb: KnowledgeBase, store: Store) -> None:
    """Review item 9: a title with the session and quiz, n, the question text, a 0-100 % axis,
    and a 0 % bar that is still a bar (read from the chart drawn as SVG, text kept as text)."""
    from tests.test_quiz import play

    engine = new_engine(kb, store)
    quiz = kb.quizzes["basics"]
    code, pin, _ = create(engine)
    right, wrong = right_and_wrong(quiz, "es")
    for user, picks in (("t1", [*right[:-1], wrong[-1]]), ("t2", wrong)):
        intro = engine.handle(Incoming(user, text=pin, first_name=user, language_code="es"))
        (start,) = [
            c for r in intro for c in r.choices if c.payload.startswith(f"1:{payloads.SESSION_JOIN}:")
        ]
        play(engine, user, engine.handle(Incoming(user, payload=start.payload)), picks)
    info = store.get_session(code)
    assert info is not None
    stats = engine.sessions.stats(info)
    assert stats.completed == 2 and stats.per_question[0] == (len(quiz.questions) - 1, 0.0)
    svg = engine.sessions.chart(info, quiz, stats, "es", fmt="svg").decode("utf-8")
    assert f"Taller · {quiz.title['es']}" in svg
    assert "2 intentos completos" in svg and "respuestas correctas" in svg
    hardest = quiz.questions[-1].question["es"]
    assert f"P{len(quiz.questions)} {hardest[:30]}" in svg, "hardest first, with its text"
    for tick in ("0%", "25%", "50%", "75%", "100%"):
        assert f">{tick}<" in svg
    red = re.findall(r'<path d="([^"]+)"[^>]*style="fill: #c0392b"', svg)
    widths = [max(xs) - min(xs) for d in red for xs in [[float(x) for x in re.findall(r"[ML] ([\d.]+)", d)]]]
    assert widths and min(widths) > 1, "the 0 % bar is drawn (a red sliver), not an empty outline"
    png = engine.sessions.chart(info, quiz, stats, "es")
    assert png.startswith(b"\x89PNG")
