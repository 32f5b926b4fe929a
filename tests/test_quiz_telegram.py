"""Quizzes end to end on the fake Telegram: deep links, trainer sessions, group polls, kill -9."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import signal
from pathlib import Path

from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.store import open_store
from tests.fakes.bot_api import Call, FakeBotAPI
from tests.tg_harness import buttons, right_and_wrong, running_bot, start_bot_process, text_of

TRAINER, ANA, LUIS, ZOE, OTHER = 2001, 2002, 2003, 2004, 2005
GROUP = -100900


def answer_buttons(calls: list[Call]) -> list[str]:
    return [
        b["callback_data"]
        for c in calls
        for b in buttons(c)
        if b.get("callback_data", "").startswith("1:qa:")
    ]


def next_button(calls: list[Call]) -> str | None:
    found = [
        b["callback_data"]
        for c in calls
        for b in buttons(c)
        if b.get("callback_data", "").startswith("1:qn:")
    ]
    return found[0] if found else None


async def play(bot, user: int, first: list[Call], picks: list[int]) -> list[Call]:  # type: ignore[no-untyped-def]
    calls = first
    for i, pick in enumerate(picks):
        options = answer_buttons(calls)
        assert options, f"no options at question {i + 1}: {text_of(calls)}"
        calls = await bot.press(user, options[pick])
        nxt = next_button(calls)
        if i + 1 < len(picks):
            assert nxt is not None
            calls = await bot.press(user, nxt)
    return calls


async def test_deep_linked_quiz_to_the_end(kb: KnowledgeBase, tmp_path: Path) -> None:
    quiz = kb.quizzes["scams_shopping"]
    async with running_bot(kb, tmp_path) as bot:
        first = await bot.say(ANA, "/start quiz_scams_shopping", language_code="es")
        assert quiz.questions[0].question["es"] in text_of(first)
        last = await play(bot, ANA, first, [q.answer for q in quiz.questions])
        n = len(quiz.questions)
        assert f"{n}/{n} correctas" in text_of(last)
        # one message per question, edited in place when answered; 8 questions, 10 messages at most
        sent = [
            c for c in bot.fake.calls() if c.ok and c.method in {"sendMessage", "sendPhoto", "sendDocument"}
        ]
        assert len([c for c in sent if c.params.get("chat_id") in (ANA, str(ANA))]) <= n + 2
        edits = bot.fake.calls("editMessageText")
        assert len(edits) == n and all(c.ok for c in edits)
        final = bot.fake.get_message(ANA, edits[0].params["message_id"])
        assert final is not None and quiz.questions[0].question["es"] in final["text"]
        assert "Tu respuesta:" in final["text"] and "✅" in final["text"]
        assert "reply_markup" not in final, "an answered question can't be answered twice"
        share = [b["url"] for c in last for b in buttons(c) if "url" in b]
        assert share and "CyberHygieneTestBot" in share[0]


async def test_trainer_session_from_link_to_csv(kb: KnowledgeBase, tmp_path: Path) -> None:
    quiz = kb.quizzes["basics"]
    n = len(quiz.questions)
    right, wrong = right_and_wrong(quiz, "en")
    async with running_bot(kb, tmp_path) as bot:
        created = await bot.say(TRAINER, "/newsession basics Taller <b>ONG</b>")
        assert [c.method for c in created] == ["sendMessage", "sendPhoto"]
        assert created[1].files and next(iter(created[1].files.values())).data.startswith(b"\x89PNG")
        ((info, _, _),) = bot.store.sessions_of(str(TRAINER))
        assert f"https://t.me/CyberHygieneTestBot?start=s_{info.code}" in created[0].params["text"]
        assert "&lt;b&gt;ONG&lt;/b&gt;" in created[0].params["text"]

        async def join(user: int, name: str) -> list[Call]:
            intro = await bot.say(user, f"/start s_{info.code}", first_name=name, username=name.lower())
            assert "shared with the trainer" in text_of(intro)
            start = [b["callback_data"] for b in buttons(intro[0]) if b["callback_data"].startswith("1:sj:")]
            return await bot.press(user, start[0])

        await play(bot, ANA, await join(ANA, "Ana"), right)
        await play(bot, LUIS, await join(LUIS, "Luis"), [wrong[0], wrong[1], *right[2:]])
        await play(bot, ZOE, await join(ZOE, "Zoe"), right[:3])  # abandons midway

        results = await bot.say_until(TRAINER, f"/results {info.code}", "sendPhoto")
        text = text_of(results)
        assert "Participants: 3" in text and "Completed: 2" in text
        assert f"Average score: {round((n + n - 2) / (2 * n) * 100)}%" in text
        passed = sum(s / n >= quiz.pass_mark for s in (n, n - 2))
        assert f"Pass rate: {round(passed / 2 * 100)}%" in text
        plain = re.sub(r"<[^>]+>", "", text)
        q_lines = [line for line in plain.splitlines() if line.startswith("Q") and " · " in line]
        assert q_lines[0].startswith("Q1 · 50% right") and q_lines[1].startswith("Q2 · 50% right")
        assert results[-1].method == "sendPhoto"

        export = await bot.say_until(TRAINER, f"/export {info.code}", "sendDocument", count=2)
        assert [c.method for c in export] == ["sendDocument", "sendDocument"]
        data = next(iter(export[1].files.values())).data.decode("utf-8-sig")
        rows = {r["name"]: r for r in csv.DictReader(io.StringIO(data))}
        assert set(rows) == {"Ana", "Luis", "Zoe"}
        assert rows["Ana"]["correct"] == str(n) and rows["Luis"]["correct"] == str(n - 2)
        q4 = next(k for k in rows["Zoe"] if k.startswith("Q4. "))
        assert rows["Zoe"]["finished (UTC)"] == "" and rows["Zoe"][q4] == ""

        refused = text_of(await bot.say(OTHER, f"/results {info.code}"))
        assert refused == text_of(await bot.say(OTHER, "/results abcdefghij"))
        assert text_of(await bot.say(OTHER, f"/export {info.code}")) == refused

        await bot.say(TRAINER, f"/close {info.code}")
        late = await bot.say(OTHER, f"/start s_{info.code}")
        assert "has closed" in text_of(late)


async def test_group_quiz_with_polls_and_leaderboard(kb: KnowledgeBase, tmp_path: Path) -> None:
    quiz = kb.quizzes["basics"]
    async with running_bot(kb, tmp_path, group_quiz_seconds=5) as bot:
        await bot.say(ANA, "/quiz basics", chat_id=GROUP, chat_title="Clase")
        polls = await bot.fake.wait_for("sendPoll", ok=True)
        params = polls[0].params
        assert params["type"] == "quiz" and params["is_anonymous"] is False
        assert params["correct_option_ids"] == [quiz.questions[0].answer]
        poll_id = polls[0].result["poll"]["id"]
        bot.fake.poll_answer(ANA, poll_id, [quiz.questions[0].answer], first_name="Ana")
        bot.fake.poll_answer(LUIS, poll_id, [(quiz.questions[0].answer + 1) % 2], first_name="Luis")
        second = await bot.fake.wait_for("sendPoll", ok=True, count=2, timeout=15)
        bot.fake.poll_answer(
            LUIS, second[1].result["poll"]["id"], [quiz.questions[1].answer], first_name="Luis"
        )
        await bot.fake.wait_idle(quiet=0.3)
        board = text_of(await bot.say(ANA, "/stopquiz", chat_id=GROUP))
        assert "Ana: 1/" in board and "Luis: 1/" in board


async def test_killed_mid_quiz_resumes(kb: KnowledgeBase, tmp_path: Path) -> None:
    quiz = kb.quizzes["passwords_mfa"]
    db = tmp_path / "killed.sqlite3"
    async with FakeBotAPI() as fake:
        proc = await start_bot_process(fake, db)
        try:
            await fake.wait_for("setMyCommands", timeout=30)
            fake.message(ANA, "/start quiz_passwords_mfa")
            first = await fake.wait_for(
                "sendMessage", lambda c: "1:qa:" in str(c.params.get("reply_markup")), ok=True, timeout=20
            )
            options = answer_buttons(first)
            fake.callback_query(ANA, options[quiz.questions[0].answer])
            feedback = await fake.wait_for(
                "editMessageText", lambda c: "1:qn:" in str(c.params.get("reply_markup")), ok=True, timeout=20
            )
            fake.callback_query(ANA, next_button(feedback) or "")
            await fake.wait_for("sendMessage", ok=True, count=2, timeout=20)
        finally:
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
        store = open_store(str(db))
        attempt = store.active_attempt(str(ANA))
        assert attempt is not None and attempt.position == 1, "the completed answer survived kill -9"
        store.close()

        proc = await start_bot_process(fake, db)
        try:
            before = len(fake.sent_messages(ANA))
            await fake.wait_for("setMyCommands", count=4, timeout=30)
            fake.message(ANA, "/quiz")
            resumed = await fake.wait_for(
                "sendMessage",
                lambda c: "1:qa:" in str(c.params.get("reply_markup")),
                ok=True,
                count=3,
                timeout=20,
            )
            assert quiz.questions[1].question["en"] in resumed[-1].params["text"]
            assert len(fake.sent_messages(ANA)) > before
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        assert proc.returncode == 0, (await proc.stderr.read()).decode() if proc.stderr else ""
