"""Faults, ordering, floods and shutdown, end to end through the fake Bot API server."""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
from pathlib import Path

import pytest

from cyberhygiene.knowledge import KnowledgeBase
from tests.fakes.bot_api import FakeBotAPI
from tests.tg_harness import Running, running_bot, start_bot_process

ANA, BETO, CARLA = 3001, 3002, 3003


def _country_known(bot: Running) -> None:
    """These tests count replies: with the country known, the bot asks no country question."""
    for user in (ANA, BETO, CARLA):
        bot.store.set_country(str(user), "us")


async def test_dropped_connection_is_retried_and_reply_arrives_once(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    async with running_bot(kb, tmp_path) as bot:
        _country_known(bot)
        bot.fake.drop_connection_next("sendMessage")
        bot.fake.message(ANA, "what is phishing")
        await bot.fake.wait_for("sendMessage", ok=True, timeout=15)
        await bot.fake.wait_idle(quiet=0.5)
        calls = bot.fake.calls("sendMessage")
        assert [c.status for c in calls] == [0, 200]
        assert len(bot.fake.sent_messages(ANA)) == 1


async def test_slow_answer_is_waited_for_not_duplicated(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        _country_known(bot)
        bot.fake.delay_next("sendMessage", 2.0)
        bot.fake.message(ANA, "what is phishing")
        await bot.fake.wait_idle(quiet=0.5, timeout=15)
        assert len(bot.fake.sent_messages(ANA)) == 1


async def test_one_user_in_order_other_users_concurrently(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        _country_known(bot)
        bot.fake.delay_next("sendMessage", 2.0)  # Ana's first reply will be slow
        bot.fake.message(ANA, "what is phishing")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while bot.fake._inflight == 0:  # wait until that reply is in flight at the server
            assert loop.time() < deadline, "the first reply never reached the server"
            await asyncio.sleep(0.01)
        for text in ("what is smishing", "what is vishing"):
            bot.fake.message(ANA, text)
        bot.fake.message(BETO, "what is ransomware")
        await bot.fake.wait_idle(quiet=0.5, timeout=20)
        ana = bot.fake.sent_messages(ANA)
        assert len(ana) == 3
        for call, intent in zip(ana, ("phishing", "smishing", "vishing"), strict=True):
            first_word = kb.answers[intent].text["en"].replace("**", "").split()[0]
            assert first_word in call.params["text"].replace("<b>", "").replace("</b>", ""), intent
        beto = bot.fake.sent_messages(BETO)
        assert len(beto) == 1
        assert beto[0].time < ana[0].time, "Beto was answered while Ana's slow reply was in flight"


async def test_blocked_user_is_not_retried_and_logged_once(
    kb: KnowledgeBase, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="cyberhygiene.channels.telegram")
    async with running_bot(kb, tmp_path) as bot:
        _country_known(bot)
        bot.fake.blocked_chats.add(ANA)
        for text in ("hola", "what is phishing", "gracias"):
            bot.fake.message(ANA, text)
        await bot.fake.wait_idle(quiet=0.5)
        assert len(bot.fake.calls("sendMessage")) == 3, "one attempt per reply, no retries"
        refused = [r for r in caplog.records if "refused, not retrying" in r.getMessage()]
        assert len(refused) == 1
        assert await bot.say(BETO, "hola"), "the bot keeps running"


async def test_flood_of_one_user_does_not_hurt_others(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path, flood_messages=5, flood_window=60.0) as bot:
        _country_known(bot)
        for i in range(12):
            bot.fake.message(ANA, f"what is phishing {i}")
        bot.fake.message(BETO, "what is smishing")
        await bot.fake.wait_idle(quiet=0.5, timeout=20)
        ana = bot.fake.sent_messages(ANA)
        assert len(ana) == 6, "five answers and one polite notice, then silence"
        assert "very fast" in ana[-1].params["text"]
        assert len(bot.fake.sent_messages(BETO)) == 1


async def test_sigterm_finishes_in_flight_updates_and_closes_db(kb: KnowledgeBase, tmp_path: Path) -> None:
    db = tmp_path / "term.sqlite3"
    async with FakeBotAPI() as fake:
        proc = await start_bot_process(fake, db, "INFO")
        await fake.wait_for("setMyCommands", count=2, timeout=30)
        fake.delay_next("sendMessage", 2.0)
        fake.message(ANA, "/start quiz_basics")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while fake._inflight == 0:  # wait until the reply is in flight (the server holds it 2 s)
            assert loop.time() < deadline, "the reply never reached the server"
            await asyncio.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 30)
        stderr = (await proc.stderr.read()).decode() if proc.stderr else ""
        assert code == 0, stderr
        assert len(fake.sent_messages(ANA)) == 1, "the in-flight reply completed before exit"
        assert fake.token not in stderr
    wal = Path(f"{db}-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "WAL checkpointed on a clean close"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 1


def _buttons(call: object) -> list[str]:
    markup = getattr(call, "params", {}).get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


async def test_sigkill_at_random_moments_never_corrupts(kb: KnowledgeBase, tmp_path: Path) -> None:
    """Kill -9 while answering; every answer confirmed to the user must be in the database."""
    db = tmp_path / "kill.sqlite3"
    quiz = kb.quizzes["passwords_mfa"]
    confirmed = 0
    async with FakeBotAPI() as fake:
        for round_ in range(3):
            proc = await start_bot_process(fake, db, "INFO")
            try:
                await fake.wait_for("setMyCommands", count=2 * (round_ + 1), timeout=30)
                # The press killed in flight last round is stored: the restarted bot handles it
                # again (at least once). Let that settle before the next round starts.
                await fake.wait_idle(quiet=0.5, timeout=20)
                for step in range(3):
                    n = len(fake.sent_messages(ANA))
                    if step == 0:
                        fake.message(ANA, "/start quiz_passwords_mfa")
                    await fake.wait_for(
                        None,
                        lambda c, n=n: (
                            len(fake.sent_messages(ANA)) > n
                            and any(d.startswith("1:qa:") for d in _buttons(fake.sent_messages(ANA)[-1]))
                        ),
                        timeout=20,
                    )
                    answers = [d for d in _buttons(fake.sent_messages(ANA)[-1]) if d.startswith("1:qa:")]
                    qi = int(answers[0].split(":")[3])
                    n = len(fake.sent_messages(ANA))
                    fake.callback_query(ANA, answers[quiz.questions[qi].answer], check_buttons=False)
                    if step == 2:
                        await asyncio.sleep(0.02 * round_)  # kill with this answer in flight
                        break
                    await fake.wait_for(
                        None,
                        lambda c, n=n: any(
                            d.startswith("1:qn:") for m in fake.sent_messages(ANA)[n:] for d in _buttons(m)
                        ),
                        timeout=20,
                    )
                    confirmed += 1
                    nxt = [
                        d for m in fake.sent_messages(ANA)[n:] for d in _buttons(m) if d.startswith("1:qn:")
                    ]
                    fake.callback_query(ANA, nxt[0], check_buttons=False)
            finally:
                proc.send_signal(signal.SIGKILL)
                await proc.wait()
            with sqlite3.connect(db) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                saved = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
            assert saved >= confirmed, f"{confirmed} answers were confirmed to the user, {saved} saved"
    assert confirmed == 6


async def test_plain_bot_py_with_a_token_runs_telegram(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with FakeBotAPI() as fake:
        proc = await start_bot_process(fake, tmp_path / "plain.sqlite3", command=())
        try:
            await fake.wait_for("setMyCommands", count=2, timeout=30)
            fake.message(ANA, "hola")
            sent = await fake.wait_for("sendMessage", ok=True, timeout=20)
            assert "Hola" in sent[0].params["text"]
        finally:
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), 30) == 0
