"""Trainers' live view, a group game's forum topic and the PIN throttle across restarts.

Through python-telegram-bot's real HTTP stack against tests/fakes/bot_api.py. Live views tick
every 0.2 s here; the tests wait for what they expect with generous timeouts (never a fixed
sleep), and "nothing happened" is checked after the channel counted ticks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from cyberhygiene import payloads
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.sessions import PIN_TRIES
from tests.fakes.bot_api import Call, FakeBotAPI
from tests.test_trainers_telegram import kinds, play_to_end, tap
from tests.tg_harness import Running, running_bot, text_of

TRAINER, ANA, LUIS, ZOE, GUESSER = 4001, 4002, 4003, 4004, 4005
FORUM, TOPIC = -100888, 88
TICK = 0.2


def live_edits(bot: Running, message_id: int) -> list[Call]:
    """Every editMessageText of the trainer's message ``message_id`` (failed ones too)."""
    return [
        c
        for c in bot.fake.calls("editMessageText")
        if c.params.get("chat_id") == TRAINER and c.params.get("message_id") == message_id
    ]


async def edit_saying(bot: Running, message_id: int, *needles: str) -> Call:
    """Wait (up to 30 s) for an edit of ``message_id`` whose text has all of ``needles``."""

    def match(c: Call) -> bool:
        text = str(c.params.get("text", ""))
        same = c.params.get("chat_id") == TRAINER and c.params.get("message_id") == message_id
        return same and all(n in text for n in needles)

    return (await bot.fake.wait_for("editMessageText", match, ok=True, timeout=30))[-1]


async def until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def join(bot: Running, user: int, pin: str, name: str) -> list[Call]:
    intro = await bot.say(user, pin, first_name=name, language_code="es")
    return await tap(bot, user, intro[0], payloads.SESSION_JOIN)


async def test_live_view_counts_rise_then_stop_when_the_session_closes(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    right = [q.answer for q in kb.quizzes["basics"].questions]
    async with running_bot(kb, tmp_path, live_view_seconds=TICK) as bot:
        created = await bot.say(TRAINER, "/newsession basics Taller Norte", language_code="es")
        live = created[0].result["message_id"]
        first = created[0].params["text"]
        assert "0 se unieron, 0 terminaron" in first and "se actualiza solo" in first
        ((info, _, _),) = bot.store.sessions_of(str(TRAINER))
        assert info.pin is not None and bot.store.live_view(info.code) is not None

        started = await join(bot, ANA, info.pin, "Ana")
        joined = await edit_saying(bot, live, "1 se unieron, 0 terminaron", "Ana")
        assert kinds(joined) == [payloads.SESSION_RESULTS, payloads.SESSION_EXPORT, payloads.SESSION_CLOSE]
        await play_to_end(bot, ANA, started, right)
        await edit_saying(bot, live, "1 se unieron, 1 terminaron")
        luis = await join(bot, LUIS, info.pin, "<b>Luis</b>")  # a name is text, never markup
        shown = await edit_saying(bot, live, "2 se unieron, 1 terminaron")
        assert "Ana, &lt;b&gt;Luis&lt;/b&gt;" in shown.params["text"]

        # nothing changes: the engine is asked, Telegram is not (no edit, so no "not modified")
        edits, ticks = len(live_edits(bot, live)), bot.channel.live_ticks
        await until(lambda: bot.channel.live_ticks >= ticks + 5)
        assert len(live_edits(bot, live)) == edits
        assert all(c.ok for c in bot.fake.calls("editMessageText")), "no edit Telegram refused"

        # closed: one last edit with the final numbers, then the view ends
        closed = await tap(bot, TRAINER, created[0], payloads.SESSION_CLOSE)
        assert "cerrada" in text_of(closed)
        final = await edit_saying(bot, live, "2 se unieron, 1 terminaron", "cifras finales")
        assert payloads.SESSION_CLOSE not in kinds(final), "no Close button on a closed session"
        assert f"<b>{info.pin}</b>" in first and info.pin not in final.params["text"], "no PIN once closed"
        await until(lambda: bot.store.live_view(info.code) is None and not bot.channel._live_tasks)
        edits = len(live_edits(bot, live))
        await play_to_end(bot, LUIS, luis, right)  # finishing now changes the counts…
        assert bot.store.session_counts(info.code) == (2, 2)
        assert len(live_edits(bot, live)) == edits, "…but the closed session's message stays as it was"


async def test_live_view_resumes_after_a_restart(kb: KnowledgeBase, tmp_path: Path) -> None:
    fake = FakeBotAPI()
    await fake.start()
    try:
        async with running_bot(kb, tmp_path, fake=fake, live_view_seconds=TICK) as bot:
            created = await bot.say(TRAINER, "/newsession basics", language_code="en")
            live = created[0].result["message_id"]
            ((info, _, _),) = bot.store.sessions_of(str(TRAINER))
            assert info.pin is not None
        # the bot is stopped; a trainee joins as it comes back, on the same database
        async with running_bot(kb, tmp_path, fake=fake, live_view_seconds=TICK) as bot:
            assert bot.store.live_view(info.code) is not None
            await join(bot, ANA, info.pin, "Ana")
            edited = await edit_saying(bot, live, "1 joined, 0 finished", "Ana")
            assert "updates itself" in edited.params["text"], "the same message, in the trainer's language"
            message = fake.get_message(TRAINER, live)
            assert message is not None and "1 joined, 0 finished" in message["text"]
    finally:
        await fake.stop()


async def test_live_view_stops_when_the_trainer_blocks_the_bot(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path, live_view_seconds=TICK) as bot:
        created = await bot.say(TRAINER, "/newsession basics")
        live = created[0].result["message_id"]
        ((info, _, _),) = bot.store.sessions_of(str(TRAINER))
        assert info.pin is not None
        bot.fake.blocked_chats.add(TRAINER)
        await join(bot, ANA, info.pin, "Ana")
        refused = await bot.fake.wait_for("editMessageText", ok=False, timeout=30)
        assert refused[0].status == 403 and refused[0].params["message_id"] == live
        await until(lambda: bot.store.live_view(info.code) is None and not bot.channel._live_tasks)
        await join(bot, LUIS, info.pin, "Luis")
        await bot.fake.wait_idle(quiet=4 * TICK)
        assert len(live_edits(bot, live)) == 1, "one refused edit, never retried"


async def test_a_group_game_keeps_its_forum_topic_across_a_restart(kb: KnowledgeBase, tmp_path: Path) -> None:
    fake = FakeBotAPI()
    await fake.start()
    try:
        async with running_bot(kb, tmp_path, fake=fake, group_quiz_seconds=5) as bot:
            await bot.say(ANA, "/quiz basics", chat_id=FORUM, message_thread_id=TOPIC, chat_title="Taller")
            (first,) = await fake.wait_for("sendPoll", ok=True, timeout=20)
            assert first.params.get("message_thread_id") == TOPIC
            game = bot.store.group_game(str(FORUM))
            assert game is not None and game.thread_id == TOPIC
        # restarted before the first poll's time is up: the game goes on, in its topic
        async with running_bot(kb, tmp_path, fake=fake, group_quiz_seconds=5) as bot:
            polls = await fake.wait_for("sendPoll", ok=True, count=2, timeout=30)
            assert polls[1].params.get("message_thread_id") == TOPIC
            await bot.say(ANA, "/stopquiz", chat_id=FORUM, message_thread_id=TOPIC)
            board = [
                c for c in fake.sent_messages(FORUM) if "stopped" in str(c.params.get("text", "")).lower()
            ]
            assert board and board[-1].params.get("message_thread_id") == TOPIC
    finally:
        await fake.stop()


async def test_pin_guessing_stays_throttled_after_a_restart(kb: KnowledgeBase, tmp_path: Path) -> None:
    fake = FakeBotAPI()
    await fake.start()
    try:
        async with running_bot(kb, tmp_path, fake=fake) as bot:
            await bot.say(TRAINER, "/newsession basics")
            ((info, _, _),) = bot.store.sessions_of(str(TRAINER))
            assert info.pin is not None
            for k in range(1, PIN_TRIES + 1):
                wrong = f"{(int(info.pin) + k) % 1_000_000:06d}"
                assert "I don't know an open session" in text_of(await bot.say(GUESSER, wrong))
        async with running_bot(kb, tmp_path, fake=fake) as bot:
            assert "Too many PINs" in text_of(await bot.say(GUESSER, info.pin))
            assert "shared with the trainer" in text_of(await bot.say(ZOE, info.pin))
    finally:
        await fake.stop()


async def test_live_view_stops_after_its_maximum_time(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path, live_view_seconds=TICK, live_view_max_seconds=1.0) as bot:
        created = await bot.say(TRAINER, "/newsession basics")
        live = created[0].result["message_id"]
        ((info, _, _),) = bot.store.sessions_of(str(TRAINER))
        assert info.pin is not None
        last = await edit_saying(bot, live, "0 joined, 0 finished", "stopped updating")
        assert "updates itself" not in last.params["text"]
        assert kinds(last)[-1] == payloads.SESSION_CLOSE, "the session itself stays open"
        await until(lambda: bot.store.live_view(info.code) is None and not bot.channel._live_tasks)
        edits = len(live_edits(bot, live))
        await join(bot, ANA, info.pin, "Ana")
        await bot.fake.wait_idle(quiet=4 * TICK)
        assert len(live_edits(bot, live)) == edits
        # /sessions starts a fresh live view on a new card
        cards = [c for c in await bot.say(TRAINER, "/sessions") if c.method == "sendMessage"]
        assert "1 joined, 0 finished" in cards[0].params["text"]
        await edit_saying(bot, cards[0].result["message_id"], "1 joined, 0 finished", "stopped updating")
