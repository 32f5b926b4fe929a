"""Trainer sessions on the fake Telegram: tap instead of type, a PIN a room can type, results.

Everything goes through python-telegram-bot's real HTTP stack against tests/fakes/bot_api.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cyberhygiene import payloads
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.sessions import PIN_TRIES
from tests.fakes.bot_api import Call
from tests.tg_harness import Running, buttons, running_bot, text_of

TRAINER, ANA, LUIS, ZOE, OTHER, GUESSER = 3001, 3002, 3003, 3004, 3005, 3006


def datas(call: Call) -> list[str]:
    return [b["callback_data"] for b in buttons(call) if "callback_data" in b]


def kinds(call: Call) -> list[str]:
    return [d.split(":")[1] for d in datas(call)]


async def tap(bot: Running, user: int, call: Call, kind: str, index: int = 0) -> list[Call]:
    """Press the ``index``-th button of ``kind`` on the message ``call`` sent."""
    found = [d for d in datas(call) if d.split(":")[1] == kind]
    assert found, f"no {kind} button on {call.params.get('text')!r}: {datas(call)}"
    message: dict[str, Any] = call.result
    return await bot.press(user, found[index], message=message)


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
        assert len(pick) == 1 and set(kinds(pick[0])) == {payloads.SESSION_NEW}
        labels = [b["text"] for b in buttons(pick[0])]
        assert quiz.title["es"] in labels and quiz.title["en"] not in labels
        assert len(labels) == len(kb.quizzes)
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

        # /sessions: one card per session, with the same buttons
        cards = await bot.say(TRAINER, "/sessions")
        assert len(cards) == 1 and "1 se unieron, 1 terminaron" in cards[0].params["text"]
        assert kinds(cards[0]) == kinds(created[0])
        results = await tap(bot, TRAINER, cards[0], payloads.SESSION_RESULTS)
        assert "Participantes: 1" in text_of(results) and "Terminaron: 1" in text_of(results)

        # a bare /results and /export list the sessions as buttons
        for command, kind in (("/results", payloads.SESSION_RESULTS), ("/export", payloads.SESSION_EXPORT)):
            listing = await bot.say(TRAINER, command)
            assert datas(listing[0]) == [payloads.make(kind, info.code)]
            assert quiz.title["es"] in buttons(listing[0])[0]["text"]
        exported = await tap(bot, TRAINER, listing[0], payloads.SESSION_EXPORT)
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
        assert "Participantes: 1" in text_of(await bot.say(TRAINER, f"/results {info.code}"))
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
