"""Trainer sessions on the fake Telegram: tap instead of type, a PIN a room can type, results.

Everything goes through python-telegram-bot's real HTTP stack against tests/fakes/bot_api.py.
"""

from __future__ import annotations

import asyncio
import csv
import datetime
import io
import re
from pathlib import Path
from typing import Any

import openpyxl
from PIL import Image

from cyberhygiene import payloads
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.sessions import PIN_TRIES
from tests.fakes.bot_api import Call
from tests.tg_harness import Running, buttons, right_and_wrong, running_bot, text_of

TRAINER, ANA, LUIS, ZOE, OTHER, GUESSER = 3001, 3002, 3003, 3004, 3005, 3006


def datas(call: Call) -> list[str]:
    return [b["callback_data"] for b in buttons(call) if "callback_data" in b]


def kinds(call: Call) -> list[str]:
    return [d.split(":")[1] for d in datas(call)]


async def tap(
    bot: Running, user: int, call: Call, kind: str, index: int = 0, *, until: str = "", count: int = 1
) -> list[Call]:
    """Press the ``index``-th button of ``kind`` on the message ``call`` sent (and, for slow
    replies, wait for ``count`` ``until`` calls)."""
    found = [d for d in datas(call) if d.split(":")[1] == kind]
    assert found, f"no {kind} button on {call.params.get('text')!r}: {datas(call)}"
    message: dict[str, Any] = call.result
    chat = int(message["chat"]["id"])
    if until:
        return await bot.press_until(user, found[index], until, count, message=message, chat_id=chat)
    return await bot.press(user, found[index], message=message, chat_id=chat)


async def play_to_end(bot: Running, user: int, first: list[Call], picks: list[int]) -> list[Call]:
    """Answer with ``picks`` (option indexes), pressing Next between questions."""
    calls = first
    for i, pick in enumerate(picks):
        question = [c for c in calls if any(d.startswith("1:qa:") for d in datas(c))][-1]
        calls = await tap(bot, user, question, payloads.QUIZ_ANSWER, pick)
        if i + 1 < len(picks):
            nxt = [c for c in [*calls, *bot.fake.sent_messages(user)[-3:]] if payloads.QUIZ_NEXT in kinds(c)]
            assert nxt, f"no Next after question {i + 1}"
            calls = await tap(bot, user, nxt[-1], payloads.QUIZ_NEXT)
    return calls


async def test_tap_to_create_share_and_follow_a_session(kb: KnowledgeBase, tmp_path: Path) -> None:
    quiz = kb.quizzes["basics"]
    right = [q.answer for q in quiz.questions]
    async with running_bot(kb, tmp_path) as bot:
        # /newsession with no argument: the quizzes by title, in the trainer's language
        pick = await bot.say(TRAINER, "/newsession", language_code="es")
        # one button per quiz, then "choose the questions" (see the adapting test below)
        assert len(pick) == 1 and kinds(pick[0]) == [payloads.SESSION_NEW] * len(kb.quizzes) + [
            payloads.SESSION_ADAPT
        ]
        labels = [b["text"] for b in buttons(pick[0])]
        assert quiz.title["es"] in labels and quiz.title["en"] not in labels
        assert len(labels) == len(kb.quizzes) + 1
        created = await tap(bot, TRAINER, pick[0], payloads.SESSION_NEW, labels.index(quiz.title["es"]))
        assert [c.method for c in created] == ["sendMessage", "sendPhoto"]
        ((info, _, _),) = bot.store.sessions_of(str(TRAINER))
        assert info.pin is not None and len(info.pin) == 6 and info.pin.isdigit()
        text = created[0].params["text"]
        # untitled: the quiz title once, not "Title (quiz: Title)"
        assert text.count(quiz.title["es"]) == 1 and "Sesión creada" in text
        assert info.pin in text and f"start=s_{info.code}" in text
        assert info.pin in created[1].params["caption"], "the PIN is shown with the QR code"
        assert kinds(created[0]) == [
            payloads.SESSION_RESULTS,
            payloads.SESSION_EXPORT,
            payloads.SESSION_CLOSE,
        ]
        share = [b["url"] for b in buttons(created[0]) if "url" in b]
        assert share and share[0].startswith("https://t.me/share/url?") and info.code in share[0]

        # a trainee in the room types the PIN (with a space, as it is read out) and takes the quiz
        intro = await bot.say(ANA, f"{info.pin[:3]} {info.pin[3:]}", first_name="Ana", language_code="es")
        assert "se compartirán" in text_of(intro)
        started = await tap(bot, ANA, intro[0], payloads.SESSION_JOIN)
        last = await play_to_end(bot, ANA, started, right)
        assert "ya le llegó a la persona a cargo" in text_of(last), "the trainee is told"
        # /join PIN works too; a bare /join explains
        assert "se compartirán" in text_of(await bot.say(LUIS, f"/join {info.pin}", language_code="es"))
        assert "PIN" in text_of(await bot.say(LUIS, "/join", language_code="es"))
        # a trainee who types the long code as text gets the session, not "did you mean"
        assert "se compartirán" in text_of(await bot.say(LUIS, info.code))

        # /sessions: one card per session, with the same buttons
        shown = await bot.say(TRAINER, "/sessions")
        cards = [c for c in shown if c.method == "sendMessage"]
        assert len(cards) == 1 and "1 se unieron, 1 terminaron" in cards[0].params["text"]
        # the card is the session's live view now: the message /newsession made stops updating
        (old,) = [c for c in shown if c.method == "editMessageText"]
        assert old.params["message_id"] == created[0].result["message_id"]
        assert "dejó de actualizarse" in old.params["text"] and "Ana" in old.params["text"]
        assert kinds(cards[0]) == kinds(created[0])
        results = await tap(bot, TRAINER, cards[0], payloads.SESSION_RESULTS, until="sendPhoto")
        assert "Participantes: 1" in text_of(results) and "Terminaron: 1" in text_of(results)

        # a bare /results and /export list the sessions as buttons
        for command, kind in (("/results", payloads.SESSION_RESULTS), ("/export", payloads.SESSION_EXPORT)):
            listing = await bot.say(TRAINER, command)
            assert datas(listing[0]) == [payloads.make(kind, info.code)]
            assert quiz.title["es"] in buttons(listing[0])[0]["text"]
        exported = await tap(bot, TRAINER, listing[0], payloads.SESSION_EXPORT, until="sendDocument", count=2)
        assert any(c.method == "sendDocument" for c in exported)

        # someone else forging the trainer's buttons learns nothing
        unknown = text_of(await bot.say(OTHER, "/results abcdefghijkl"))
        for kind in (payloads.SESSION_RESULTS, payloads.SESSION_EXPORT, payloads.SESSION_CLOSE):
            await bot.say(OTHER, "/start")
            forged = await bot.press(OTHER, payloads.make(kind, info.code), check_buttons=False)
            assert text_of(forged) == unknown
        assert bot.store.get_session(info.code).closed_at is None  # type: ignore[union-attr]

        # closing with the button: the PIN stops working, the long code still shows results
        closed = await tap(bot, TRAINER, created[0], payloads.SESSION_CLOSE)
        assert "cerrada" in text_of(closed)
        late = text_of(await bot.say(ZOE, info.pin, language_code="es"))
        assert "No conozco ninguna sesión abierta con ese PIN" in late
        assert "Participantes: 1" in text_of(
            await bot.say_until(TRAINER, f"/results {info.code}", "sendPhoto")
        )
        assert (await bot.say(TRAINER, "/close"))[0].params["text"].startswith("No tienes sesiones abiertas")


async def test_mistyped_quiz_id_gets_did_you_mean_and_keeps_the_title(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    async with running_bot(kb, tmp_path) as bot:
        guess = await bot.say(TRAINER, "/newsession basic Taller ONG Norte")
        assert "Did you mean" in text_of(guess)
        assert payloads.make(payloads.SESSION_NEW, "basics") == datas(guess[0])[0]
        created = await tap(bot, TRAINER, guess[0], payloads.SESSION_NEW)
        assert "Session created: Taller ONG Norte (quiz: The four basic steps)" in created[0].params["text"]
        nothing = await bot.say(TRAINER, "/newsession zzzzqqqq")
        assert "Pick one" in text_of(nothing) and len(datas(nothing[0])) == len(kb.quizzes)


async def test_pin_guessing_is_throttled(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        await bot.say(TRAINER, "/newsession basics")
        ((info, _, _),) = bot.store.sessions_of(str(TRAINER))
        assert info.pin is not None
        wrong = [f"{(int(info.pin) + k) % 1_000_000:06d}" for k in range(1, PIN_TRIES + 1)]
        for pin in wrong:
            assert "I don't know an open session with that PIN" in text_of(await bot.say(GUESSER, pin))
        # now even the right PIN is refused for this user, while others still join with it
        assert "Too many PINs" in text_of(await bot.say(GUESSER, info.pin))
        assert "shared with the trainer" in text_of(await bot.say(ANA, info.pin))


async def test_cancel_with_nothing_to_cancel(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        assert "nothing to cancel" in text_of(await bot.say(ANA, "/cancel"))
        await bot.say(ANA, "/quiz basics")
        assert "OK, cancelled" in text_of(await bot.say(ANA, "/cancel"))
        assert "nada que cancelar" in text_of(await bot.say(LUIS, "/cancelar", language_code="es"))


async def test_a_trainer_adapts_a_quiz_and_everything_follows_the_questions_kept(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    """/newsession → "choose the questions" → a quiz → leave two out → the session, the trainee's
    quiz, the results and the export all have the five questions kept, in their order."""
    quiz = kb.quizzes["basics"]
    total = len(quiz.questions)
    assert total == 7
    async with running_bot(kb, tmp_path) as bot:
        pick = await bot.say(TRAINER, "/newsession", language_code="es")
        menu = await tap(bot, TRAINER, pick[0], payloads.SESSION_ADAPT)
        assert [c.method for c in menu] == ["editMessageText"], "the same message changes"
        assert kinds(menu[0]) == [payloads.SESSION_ADAPT] * len(kb.quizzes)
        titles = [b["text"] for b in buttons(menu[0])]
        editor = await tap(bot, TRAINER, menu[0], payloads.SESSION_ADAPT, titles.index(quiz.title["es"]))
        assert "7 de 7 preguntas elegidas" in editor[0].params["text"]
        labels = [b["text"] for b in buttons(editor[0])]
        assert labels[0].startswith("✅ 1. ") and labels[-2] == "▶️ Crear la sesión (7 preguntas)"
        # leave out questions 3 and 6
        editor = await tap(bot, TRAINER, editor[0], payloads.SESSION_ADAPT, 2)
        editor = await tap(bot, TRAINER, editor[0], payloads.SESSION_ADAPT, 5)
        assert [c.method for c in editor] == ["editMessageText"]
        assert "5 de 7 preguntas elegidas" in editor[0].params["text"]
        labels = [b["text"] for b in buttons(editor[0])]
        assert [lab[0] for lab in labels[:total]] == ["✅", "✅", "⬜", "✅", "✅", "⬜", "✅"]
        # ... put 6 back and take it out again: the buttons carry the whole choice
        editor = await tap(bot, TRAINER, editor[0], payloads.SESSION_ADAPT, 5)
        assert "6 de 7" in editor[0].params["text"]
        editor = await tap(bot, TRAINER, editor[0], payloads.SESSION_ADAPT, 5)
        created = await tap(bot, TRAINER, editor[0], payloads.SESSION_NEW)
        assert [c.method for c in created] == ["sendMessage", "sendPhoto"]
        ((info, _, _),) = bot.store.sessions_of(str(TRAINER))
        assert info.quiz_id == "basics-5b"  # bits 0,1,3,4,6
        assert info.title == f"{quiz.title['es']} (5 de 7 preguntas)"
        kept = [q for i, q in enumerate(quiz.questions) if i not in (2, 5)]

        intro = await bot.say(ANA, info.pin or "", first_name="Ana", language_code="es")
        assert "5 preguntas" in text_of(intro)
        started = await tap(bot, ANA, intro[0], payloads.SESSION_JOIN)
        assert kept[0].question["es"] in text_of(started)
        await play_to_end(bot, ANA, started, [q.answer for q in kept])
        results = await tap(bot, TRAINER, created[0], payloads.SESSION_RESULTS, until="sendPhoto")
        plain = re.sub(r"<[^>]+>", "", text_of(results[:-1]))
        assert "Calificación promedio: 100" in plain
        q_lines = [line for line in plain.splitlines() if line.startswith("P") and " · " in line]
        assert len(q_lines) == 5
        assert quiz.questions[2].question["es"] not in plain and quiz.questions[5].question["es"] not in plain

        exported = await tap(bot, TRAINER, created[0], payloads.SESSION_EXPORT, until="sendDocument", count=2)
        docs = {f.filename or n: f.data for c in exported for n, f in c.files.items()}
        book = openpyxl.load_workbook(io.BytesIO(docs[f"session-{info.code}.xlsx"]))
        questions = [r[1] for r in book["Preguntas"].iter_rows(min_row=2, values_only=True)]
        assert questions == [q.question["es"] for q in kept]
        (ana,) = book["Resultados"].iter_rows(min_row=2, values_only=True)
        assert ana[4:7] == (5, 5, 100.0)

        # leaving every question out: no "create" button, and a word on why
        menu = await tap(bot, TRAINER, editor[0], payloads.SESSION_ADAPT, -1)  # "↩️ Otro quiz"
        assert [b["text"] for b in buttons(menu[0])] == titles
        editor = await tap(bot, TRAINER, menu[0], payloads.SESSION_ADAPT, titles.index(quiz.title["es"]))
        for i in range(total):
            editor = await tap(bot, TRAINER, editor[0], payloads.SESSION_ADAPT, i)
        assert payloads.SESSION_NEW not in kinds(editor[0])
        assert "Elige al menos una pregunta" in editor[0].params["text"]

        # forged or outdated buttons: a polite "no longer valid", nothing created
        stale = "Ese botón ya no es válido"
        for data in ("1:na:basics:ff", "1:ns:basics-7f", "1:ns:basics-0", "1:na:nope:1", "1:ns:basics-zz"):
            reply = await bot.press(TRAINER, data, check_buttons=False)
            assert stale in text_of(reply), data
        assert len(bot.store.sessions_of(str(TRAINER))) == 1


async def test_workshop_results_chart_and_exports_agree(kb: KnowledgeBase, tmp_path: Path) -> None:
    """A Spanish-speaking trainer's workshop: four trainees, results, chart, xlsx and csv."""
    quiz = kb.quizzes["basics"]
    n = len(quiz.questions)
    right, wrong = right_and_wrong(quiz, "es")
    async with running_bot(kb, tmp_path) as bot:
        created = await bot.say(TRAINER, "/newsession basics Taller Norte", language_code="es")
        ((info, _, _),) = bot.store.sessions_of(str(TRAINER))
        assert info.pin is not None

        async def trainee(user: int, name: str, picks: list[int]) -> None:
            intro = await bot.say(user, info.pin or "", first_name=name, language_code="es")
            await play_to_end(bot, user, await tap(bot, user, intro[0], payloads.SESSION_JOIN), picks)

        await trainee(ANA, "Ana", right)  # 7/7
        await trainee(LUIS, "Luis", [wrong[0], wrong[1], *right[2:]])  # 5/7
        await trainee(OTHER, '=HYPERLINK("http://x")', [wrong[0], *right[1:]])  # 6/7, a hostile name
        await trainee(ZOE, "Zoe", right[:3])  # abandons after 3

        results = await tap(bot, TRAINER, created[0], payloads.SESSION_RESULTS, until="sendPhoto")
        plain = re.sub(r"<[^>]+>", "", text_of(results[:-1]))
        figures = {
            k: int(v)
            for k, v in re.findall(
                r"(Participantes|Terminaron|Calificación promedio|Aprobaron): (\d+)", plain
            )
        }
        scores = [n, n - 2, n - 1]
        average = sum(scores) / (3 * n) * 100
        pass_rate = sum(s / n >= quiz.pass_mark for s in scores) / 3 * 100
        assert figures == {
            "Participantes": 4,
            "Terminaron": 3,
            "Calificación promedio": round(average),
            "Aprobaron": round(pass_rate),
        }
        q1 = quiz.questions[0]
        q_lines = [line for line in plain.splitlines() if line.startswith("P") and " · " in line]
        assert q_lines[0].startswith("P1 · 33% correctas:") and q1.question["es"] in q_lines[0]
        assert q_lines[1].startswith("P2 · 67% correctas:"), "hardest first"
        assert f"✅ {'ABCD'[q1.answer]}. {q1.options['es'][q1.answer]}: 33% (1)" in plain
        assert f"▫️ {'ABCD'[wrong[0]]}. {q1.options['es'][wrong[0]]}: 67% (2)" in plain

        # the chart: a real PNG, readable projected and on a phone
        png = next(iter(results[-1].files.values())).data
        image = Image.open(io.BytesIO(png))
        image.load()
        assert image.format == "PNG" and image.width >= 900 and image.height >= 400
        assert "Taller Norte" in results[-1].params["caption"]

        exported = await tap(bot, TRAINER, created[0], payloads.SESSION_EXPORT, until="sendDocument", count=2)
        docs = {
            name: f.data for c in exported for name, f in c.files.items() for name in [f.filename or name]
        }
        xlsx_name, csv_name = f"session-{info.code}.xlsx", f"session-{info.code}.csv"
        assert set(docs) >= {xlsx_name, csv_name}, list(docs)
        book = openpyxl.load_workbook(io.BytesIO(docs[xlsx_name]))
        assert book.sheetnames == ["Resultados", "Preguntas", "Resumen"]
        sheet = book["Resultados"]
        header = [c.value for c in sheet[1]]
        assert header[:8] == [
            "nombre",
            "usuario",
            "inicio (UTC)",
            "fin (UTC)",
            "correctas",
            "preguntas",
            "porcentaje",
            "intentos adicionales (no cuentan)",
        ]
        assert str(header[8]).startswith("P1. ")
        rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
        assert rows["Ana"][4:7] == (n, n, 100.0)
        assert rows["Luis"][4:7] == (n - 2, n, round(100 * (n - 2) / n, 1))
        assert rows["Zoe"][4] is None and rows["Zoe"][3] is None
        assert isinstance(rows["Ana"][2], datetime.datetime), "times are real times (UTC) in xlsx"
        hostile = next(k for k in rows if isinstance(k, str) and "HYPERLINK" in k)
        assert hostile.startswith("'="), "a name never becomes a formula"
        assert rows["Luis"][8] == q1.options["es"][wrong[0]], "the chosen option's text"
        completed = [r for r in rows.values() if r[4] is not None]
        assert round(sum(r[6] for r in completed) / len(completed)) == figures["Calificación promedio"]
        summary = {r[0]: r[1] for r in book["Resumen"].iter_rows(min_row=2, values_only=True)}
        assert summary["participantes"] == figures["Participantes"]
        assert summary["terminaron"] == figures["Terminaron"]
        assert round(summary["calificación promedio (%)"]) == figures["Calificación promedio"]
        assert round(summary["aprobaron (%)"]) == figures["Aprobaron"]
        questions = list(book["Preguntas"].iter_rows(min_row=2, values_only=True))
        assert len(questions) == n and questions[0][1] == q1.question["es"]
        assert questions[0][-2] == f"{'ABCD'[q1.answer]}. {q1.options['es'][q1.answer]}"
        assert round(questions[0][-1]) == 33 and round(questions[1][-1]) == 67

        table = list(csv.reader(io.StringIO(docs[csv_name].decode("utf-8-sig"))))
        assert table[0] == header
        assert len(table) == 5 and all(len(r) == len(header) for r in table)
        by_name = {r[0]: r for r in table[1:]}
        assert by_name["Luis"][4:7] == [str(n - 2), str(n), f"{100 * (n - 2) / n:.1f}"]
        assert by_name["Ana"][2].endswith(" UTC")
        date_like = re.compile(r"^\d{1,2}[/-]\d{1,2}$")
        assert not [v for r in table for v in r if date_like.match(v)], (
            "nothing a spreadsheet reads as a date"
        )
        print(
            f"\nWORKSHOP session={info.title!r} pin={info.pin} participants={figures['Participantes']} "
            f"completed={figures['Terminaron']} average={average:.1f}% pass_rate={pass_rate:.1f}% "
            f"Q1={q_lines[0][:24]!r} chart={image.width}x{image.height}px png={len(png)}B "
            f"xlsx={len(docs[xlsx_name])}B csv={len(docs[csv_name])}B"
        )


async def test_private_quiz_is_one_edited_message_per_question(kb: KnowledgeBase, tmp_path: Path) -> None:
    quiz = kb.quizzes["passwords_mfa"]
    n = len(quiz.questions)
    assert n == 8
    picks = [
        q.answer if i % 3 else (q.answer + 1) % len(q.options["es"]) for i, q in enumerate(quiz.questions)
    ]
    async with running_bot(kb, tmp_path) as bot:
        first = await bot.say(ANA, "/start quiz_passwords_mfa", language_code="es")
        await play_to_end(bot, ANA, first, picks)
        sent = [c for c in bot.fake.calls() if c.ok and c.method in {"sendMessage", "sendPhoto"}]
        assert len(sent) <= 10, [c.summary() for c in sent]
        questions = [c for c in sent if any(d.startswith("1:qa:") for d in datas(c))]
        assert len(questions) == n
        lettered = 0
        for call, q in zip(questions, quiz.questions, strict=True):
            labels = [b["text"] for b in buttons(call)]
            final = bot.fake.get_message(ANA, call.result["message_id"])
            assert final is not None and "reply_markup" not in final, "answered: no buttons left"
            assert q.question["es"] in final["text"] and "Tu respuesta:" in final["text"]
            if any(len(o) > 30 for o in q.options["es"]):
                lettered += 1
                assert labels == list("ABCD"[: len(q.options["es"])])
                for letter, option in zip("ABCD", q.options["es"], strict=False):
                    assert f"{letter}. {option}" in call.params["text"]
            else:
                assert labels == list(q.options["es"])
        assert lettered, "this quiz has long options in Spanish"
        wrong_one = bot.fake.get_message(ANA, questions[0].result["message_id"])
        assert wrong_one is not None and "❌" in wrong_one["text"] and "Esta vez no" in wrong_one["text"]


FORUM, TOPIC = -100777, 77


async def test_group_games_stay_in_their_topic_and_only_starter_or_admin_stops(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    async with running_bot(kb, tmp_path, group_quiz_seconds=5) as bot:
        bot.fake.chat_admins[FORUM] = {ZOE}
        await bot.say(ANA, "/quiz basics", chat_id=FORUM, message_thread_id=TOPIC, chat_title="Taller")
        polls = await bot.fake.wait_for("sendPoll", ok=True, count=2, timeout=20)
        assert [p.params.get("message_thread_id") for p in polls] == [TOPIC, TOPIC], "later polls too"
        refused = await bot.say(LUIS, "/stopquiz", chat_id=FORUM, message_thread_id=TOPIC, language_code="es")
        assert "Solo quien empezó este quiz o un admin" in text_of(refused)
        assert bot.store.group_game(str(FORUM)) is not None, "the game goes on"
        assert bot.fake.calls("getChatMember"), "admin status comes from Telegram"
        board = await bot.say(ZOE, "/stopquiz", chat_id=FORUM, message_thread_id=TOPIC)
        assert "stopped" in text_of(board).lower() or "leaderboard" in text_of(board).lower()
        assert all(c.params.get("message_thread_id") == TOPIC for c in [*refused, *board])
        assert bot.store.group_game(str(FORUM)) is None


async def test_groups_get_the_live_game_not_a_private_quiz(kb: KnowledgeBase, tmp_path: Path) -> None:
    group = -100778
    async with running_bot(kb, tmp_path, group_quiz_seconds=30) as bot:
        welcome = await bot.say(ANA, "/start", chat_id=group)
        listing = await tap(bot, ANA, welcome[-1], payloads.QUIZ_LIST)
        started = await tap(bot, ANA, listing[-1], payloads.QUIZ_START)
        assert any(c.method == "sendPoll" for c in started), "a live poll game, not buttons"
        assert not any(d.startswith("1:qa:") for c in started for d in datas(c))
        await bot.say(ANA, "/stopquiz", chat_id=group)
        # trainer sessions stay private: a group gets a button to the bot's private chat
        private = await bot.say(ANA, "/newsession basics", chat_id=group)
        urls = [b["url"] for c in private for b in buttons(c) if "url" in b]
        assert urls == ["https://t.me/CyberHygieneTestBot?start=trainer"]
        assert bot.store.sessions_of(str(ANA)) == []


async def test_someone_elses_quiz_button_gets_a_toast_and_changes_nothing(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    async with running_bot(kb, tmp_path) as bot:
        first = await bot.say(ANA, "/quiz basics")
        question = [c for c in first if any(d.startswith("1:qa:") for d in datas(c))][-1]
        before = bot.fake.get_message(ANA, question.result["message_id"])
        edits = len(bot.fake.calls("editMessageText")) + len(bot.fake.calls("editMessageReplyMarkup"))
        bot.fake.message(LUIS, "/start", language_code="es")
        await bot.fake.wait_idle(quiet=0.4)
        query_id = bot.fake.callback_query(LUIS, datas(question)[0], message=question.result)
        await bot.fake.wait_idle(quiet=0.4)
        assert bot.fake.callback_answers[query_id].get("text") == kb.ui["quiz_not_yours"]["es"]
        assert len(bot.fake.calls("editMessageText")) + len(bot.fake.calls("editMessageReplyMarkup")) == edits
        assert bot.fake.get_message(ANA, question.result["message_id"]) == before
        # the owner's buttons still work
        answered = await tap(bot, ANA, question, payloads.QUIZ_ANSWER)
        assert answered and answered[0].method == "editMessageText"


async def test_added_to_a_group_language_by_admin_and_removal_stops_the_game(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    group = -100779
    async with running_bot(kb, tmp_path, group_quiz_seconds=5) as bot:
        bot.fake.chat_admins[group] = {ZOE}
        bot.fake.my_chat_member(ZOE, group, "member", chat_title="Taller")
        await bot.fake.wait_idle(quiet=0.4)
        hello = bot.fake.sent_messages(group)
        assert len(hello) == 1 and "/quiz" in hello[0].params["text"], "said once, briefly, how to play"
        # a member can't change the group's language; an admin can, and games follow it
        refused = await bot.say(LUIS, "/idioma es", chat_id=group, language_code="en")
        assert "Only a group admin" in text_of(refused)
        assert "en este grupo hablaré en español" in text_of(await bot.say(ZOE, "/idioma es", chat_id=group))
        started = await bot.say(ANA, "/quiz basics", chat_id=group, language_code="en")
        poll = next(c for c in started if c.method == "sendPoll")
        assert poll.params["question"].endswith(kb.quizzes["basics"].questions[0].question["es"])
        # removed: the game ends, its timer is cancelled, nothing more is sent or retried
        bot.fake.my_chat_member(ZOE, group, "left", old_status="member")
        await bot.fake.wait_idle(quiet=0.5)
        assert bot.store.group_game(str(group)) is None
        count = len(bot.fake.calls("sendPoll"))
        await asyncio.sleep(7)
        assert len(bot.fake.calls("sendPoll")) == count


async def test_blocked_group_stops_the_game_without_retries(kb: KnowledgeBase, tmp_path: Path) -> None:
    group = -100780
    async with running_bot(kb, tmp_path, group_quiz_seconds=5) as bot:
        await bot.say(ANA, "/quiz basics", chat_id=group)
        bot.fake.blocked_chats.add(group)
        refused = await bot.fake.wait_for("sendPoll", ok=False, timeout=20)
        await bot.fake.wait_idle(quiet=0.5)
        assert len(refused) == 1 and refused[0].status == 403
        assert bot.store.group_game(str(group)) is None
        await asyncio.sleep(7)
        assert len(bot.fake.calls("sendPoll")) == 2, "the first poll and the one refused, no retry"


async def test_play_in_a_group_link_starts_the_live_game(kb: KnowledgeBase, tmp_path: Path) -> None:
    quiz = kb.quizzes["basics"]
    group = -100781
    async with running_bot(kb, tmp_path, group_quiz_seconds=30) as bot:
        first = await bot.say(ANA, "/quiz basics")
        last = await play_to_end(bot, ANA, first, [q.answer for q in quiz.questions])
        urls = [b["url"] for c in last for b in buttons(c) if "url" in b]
        group_url = "https://t.me/CyberHygieneTestBot?startgroup=quiz_basics"
        assert group_url in urls
        # Telegram then sends "/start@bot quiz_basics" in the chosen group
        started = await bot.say(ANA, "/start@CyberHygieneTestBot quiz_basics", chat_id=group)
        assert any(c.method == "sendPoll" for c in started)
        await bot.say(ANA, "/stopquiz", chat_id=group)


async def test_replies_to_buttons_stay_in_the_forum_topic(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path, group_quiz_seconds=30) as bot:
        welcome = await bot.say(ANA, "/start", chat_id=FORUM, message_thread_id=TOPIC, chat_title="Taller")
        assert welcome and all(c.params.get("message_thread_id") == TOPIC for c in welcome)
        menu = await tap(bot, ANA, welcome[-1], payloads.MENU)
        assert menu and all(c.params.get("message_thread_id") == TOPIC for c in menu), "a new message"
        group = await tap(bot, ANA, menu[-1], payloads.GROUP)
        listing = await tap(bot, ANA, welcome[-1], payloads.QUIZ_LIST)
        started = await tap(bot, ANA, listing[-1], payloads.QUIZ_START)
        replies = [*group, *listing, *started]
        assert any(c.method == "sendPoll" for c in started)
        assert all(
            c.params.get("message_thread_id") == TOPIC for c in replies if c.method != "editMessageText"
        )
        await bot.say(ANA, "/stopquiz", chat_id=FORUM, message_thread_id=TOPIC)
