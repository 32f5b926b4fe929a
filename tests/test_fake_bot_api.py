"""Tests of the fake Telegram Bot API, driven through PTB's real HTTP stack."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import telegram
from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Poll,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.bot_api import (
    Call,
    FakeBotAPI,
    check_with_ptb,
    html_error,
    parse_telegram_html,
)

USER = 4242


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    """A running fake that must not have produced anything PTB rejects."""
    async with FakeBotAPI() as api:
        yield api
        api.assert_no_errors()


@pytest_asyncio.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[telegram.Bot]:
    """A real, initialised PTB bot talking to the fake."""
    async with telegram.Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as tg_bot:
        yield tg_bot


def retry_seconds(exc: RetryAfter) -> float:
    """``RetryAfter.retry_after`` in seconds (a timedelta when PTB_TIMEDELTA=true)."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# ------------------------------------------------------------------------- basics


@pytest.mark.asyncio
async def test_get_me(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456789
    assert me.username == "CyberHygieneTestBot"
    assert me.is_bot
    assert fake.base_url.endswith("/bot") and fake.base_url.startswith("http://127.0.0.1:")
    assert fake.calls("getMe")[-1].ok


@pytest.mark.asyncio
async def test_send_message_ok_and_recorded(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    first = await bot.send_message(USER, "hello")
    second = await bot.send_message(USER, "again")
    other = await bot.send_message(777, "elsewhere")
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.from_user is not None and first.from_user.id == fake.bot_id
    assert first.chat.id == USER and first.chat.type == "private"
    assert abs(first.date.timestamp() - time.time()) < 60

    sent = fake.sent_messages(USER)
    assert [c.params["text"] for c in sent] == ["hello", "again"]
    assert sent[0].params["chat_id"] == USER  # form value "4242" decoded to int
    assert [c.params["text"] for c in fake.sent_messages()] == ["hello", "again", "elsewhere"]
    assert fake.last_bot_message(USER) == sent[1].result


@pytest.mark.asyncio
async def test_html_message_gets_entities(bot: telegram.Bot) -> None:
    text = '<b>Bold</b> &amp; <i>it</i> <a href="https://ex.com/?a=1&amp;b=2">link</a> 🙂 <code>x</code>'
    message = await bot.send_message(USER, text, parse_mode=ParseMode.HTML)
    assert message.text == "Bold & it link 🙂 x"
    by_type = {e.type: e for e in message.entities}
    assert message.parse_entity(by_type["bold"]) == "Bold"
    assert message.parse_entity(by_type["italic"]) == "it"
    assert by_type["text_link"].url == "https://ex.com/?a=1&b=2"
    assert message.parse_entity(by_type["code"]) == "x"  # offset after the emoji (UTF-16)


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["<b>x", "a < b", "Tom & Jerry", "<br>", "<b><i>x</b></i>"])
async def test_html_parse_error(fake: FakeBotAPI, bot: telegram.Bot, text: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, text, parse_mode=ParseMode.HTML)
    call = fake.calls("sendMessage")[-1]
    assert call.status == 400 and not call.ok
    assert call.description is not None
    assert call.description.startswith("Bad Request: can't parse entities: ")
    assert fake.sent_messages() == []


@pytest.mark.asyncio
async def test_plain_text_is_not_parsed(bot: telegram.Bot) -> None:
    message = await bot.send_message(USER, "a < b & <b>")
    assert message.text == "a < b & <b>"


@pytest.mark.asyncio
async def test_too_long_message(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "x" * 4097)
    # Markup does not count: 4096 visible characters are fine.
    ok = await bot.send_message(USER, "<b>" + "y" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    assert len(ok.text or "") == 4096
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode=ParseMode.HTML)
    assert len(fake.sent_messages()) == 1


@pytest.mark.asyncio
async def test_blocked_and_unknown_chats(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    fake.blocked_chats.add(1001)
    fake.unknown_chats.add(1002)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(1001, "hi")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(1002, "hi")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_chat_action(1002, "typing")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message("@nosuchchannel", "hi")
    assert [c.status for c in fake.calls("sendMessage")] == [403, 400, 400]
    assert fake.sent_messages() == []


@pytest.mark.asyncio
async def test_send_chat_action_and_get_chat(bot: telegram.Bot) -> None:
    assert await bot.send_chat_action(USER, "typing") is True
    with pytest.raises(BadRequest, match=r"(?i)action"):
        await bot.send_chat_action(USER, "dancing")
    chat = await bot.get_chat(USER)
    assert chat.id == USER and chat.type == "private" and chat.first_name == "Test"


# ------------------------------------------------------------------------- updates


@pytest.mark.asyncio
async def test_get_updates_long_poll_and_offset(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    async def inject_later() -> None:
        await asyncio.sleep(0.2)
        fake.message(USER, "/start@CyberHygieneTestBot hello @someone_else")

    started = time.monotonic()
    injector = asyncio.create_task(inject_later())
    updates = await bot.get_updates(timeout=5)
    elapsed = time.monotonic() - started
    await injector
    assert 0.1 < elapsed < 3, elapsed
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.from_user is not None
    assert message.text == "/start@CyberHygieneTestBot hello @someone_else"
    assert message.from_user.id == USER and message.from_user.language_code == "en"
    commands = message.parse_entities(["bot_command"])
    assert list(commands.values()) == ["/start@CyberHygieneTestBot"]
    assert list(message.parse_entities(["mention"]).values()) == ["@someone_else"]

    # Not confirmed yet: returned again; confirmed with offset: gone.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    fake.message(USER, "second")
    newer = await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    assert [u.message.text for u in newer if u.message] == ["second"]
    assert newer[0].update_id == updates[0].update_id + 1
    assert [u["update_id"] for u in fake.pending_updates] == [newer[0].update_id]


@pytest.mark.asyncio
async def test_get_updates_times_out_empty(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 3


@pytest.mark.asyncio
async def test_concurrent_get_updates_conflict(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    # PTB's getUpdates pool has a single connection, so a 2nd instance plays the intruder.
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    async with telegram.Bot(fake.token, base_url=fake.base_url) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates"):
        await first


@pytest.mark.asyncio
async def test_user_profile_is_consistent(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    fake.message(USER, "hi", first_name="Alice", username="alice", language_code="de")
    fake.message(USER, "again")
    updates = await bot.get_updates()
    users = [u.message.from_user for u in updates if u.message]
    assert users[0] == users[1]
    assert all(u is not None and u.first_name == "Alice" for u in users)
    assert updates[1].message is not None
    assert updates[1].message.from_user is not None
    assert updates[1].message.from_user.language_code == "de"
    assert updates[1].message.chat.username == "alice"


@pytest.mark.asyncio
async def test_reply_to_bot_message_and_group(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    sent = await bot.send_message(USER, "question?")
    fake.message(USER, "answer", reply_to_message_id=sent.message_id)
    fake.message(USER, "/quiz@CyberHygieneTestBot", chat_id=-100123, chat_type="supergroup")
    updates = await bot.get_updates()
    reply = updates[0].message
    assert reply is not None and reply.reply_to_message is not None
    assert reply.reply_to_message.from_user is not None
    assert reply.reply_to_message.from_user.id == fake.bot_id
    assert reply.reply_to_message.text == "question?"
    group = updates[1].message
    assert group is not None and group.chat.type == "supergroup" and group.chat.id == -100123
    # the bot can reply in the group, quoting the user's message
    answer = await bot.send_message(
        -100123, "ok", reply_parameters=ReplyParameters(message_id=group.message_id)
    )
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.message_id == group.message_id
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(USER, "x", reply_parameters=ReplyParameters(message_id=999))


@pytest.mark.asyncio
async def test_callback_inline_and_poll_answer_updates(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="answer:yes")]])
    sent = await bot.send_message(USER, "Pick", reply_markup=keyboard)
    assert sent.reply_markup == keyboard
    query_id = fake.callback_query(USER, "answer:yes")
    with pytest.raises(ValueError, match="no button"):
        fake.callback_query(USER, "answer:no")
    forged = fake.callback_query(USER, "x" * 80, check_buttons=False)
    fake.inline_query(USER, "phishing", language_code="ru")

    poll_message = await bot.send_poll(
        USER, "Q?", ["A", "B", "C"], is_anonymous=False, allows_multiple_answers=True
    )
    assert poll_message.poll is not None
    fake.poll_answer(USER, poll_message.poll.id, [0, 2], username="voter")

    updates = await bot.get_updates()
    assert [Update.de_json(u.to_dict(), None) == u for u in updates] == [True] * 4
    callback = updates[0].callback_query
    assert callback is not None and callback.id == query_id
    assert callback.data == "answer:yes" and callback.from_user.id == USER
    assert callback.message is not None and callback.message.message_id == sent.message_id
    assert callback.message.chat.id == USER
    assert updates[1].callback_query is not None and updates[1].callback_query.id == forged

    inline = updates[2].inline_query
    assert inline is not None and inline.query == "phishing"
    assert inline.from_user.language_code == "ru"

    answer = updates[3].poll_answer
    assert answer is not None and answer.poll_id == poll_message.poll.id
    assert answer.option_ids == (0, 2)
    assert answer.user is not None and answer.user.username == "voter"

    assert await bot.answer_callback_query(query_id, text="Thanks") is True
    assert fake.callback_answers[query_id]["text"] == "Thanks"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)
    assert await bot.answer_inline_query(inline.id, results=[]) is True
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("nonsense")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "kind",
    ["sticker", "photo", "location", "contact", "voice", "document", "video", "audio", "dice"],
)
async def test_non_text_messages_parse(fake: FakeBotAPI, bot: telegram.Bot, kind: Any) -> None:
    fake.non_text_message(USER, kind)
    (update,) = await bot.get_updates()
    assert update.message is not None and update.message.text is None
    assert getattr(update.message, kind)


@pytest.mark.asyncio
async def test_channel_post_and_edited_message(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    fake.channel_post(-1001234, "news", username="mychannel")
    fake.message(USER, "typo")
    fake.edited_message(USER, "fixed")
    updates = await bot.get_updates()
    assert updates[0].channel_post is not None
    assert updates[0].channel_post.chat.type == "channel"
    edited = updates[2].edited_message
    assert edited is not None and edited.text == "fixed" and edited.edit_date is not None
    assert updates[1].message is not None
    assert edited.message_id == updates[1].message.message_id
    sent = await bot.send_message("@mychannel", "posted")
    assert sent.chat.id == -1001234


@pytest.mark.asyncio
async def test_injected_updates_are_checked_with_ptb(fake: FakeBotAPI) -> None:
    with pytest.raises(ValueError, match="rejects"):
        fake.raw_update({"message": {"message_id": 1, "text": "no chat, no date"}})
    with pytest.raises(ValueError, match="unknown to PTB"):
        fake.raw_update(
            {
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": 1, "type": "private"},
                    "txet": "typo",
                }
            }
        )
    with pytest.raises(ValueError, match="allows_revoting"):
        check_with_ptb(
            Poll,
            {
                "id": "1",
                "question": "q",
                "options": [],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
                "members_only": False,
            },
        )


@pytest.mark.asyncio
async def test_results_are_checked_with_ptb(
    fake: FakeBotAPI, bot: telegram.Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulate the fake drifting from the Bot API: getMe loses required User fields.
    monkeypatch.setattr(FakeBotAPI, "bot_user", property(lambda self: {"id": 1}))
    with pytest.raises(NetworkError, match="rejected by PTB"):
        await bot.get_me()
    assert fake.calls("getMe")[-1].status == 500
    assert len(fake.errors) == 1 and "User.de_json rejected" in fake.errors[0]
    with pytest.raises(AssertionError, match="FakeBotAPI internal errors"):
        fake.assert_no_errors()
    fake.errors.clear()  # keep the fixture's teardown check green


# ------------------------------------------------------------------------- faults


@pytest.mark.asyncio
async def test_429_raises_retry_after(
    fake: FakeBotAPI, bot: telegram.Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without PTB_TIMEDELTA, PTB 22.8 emits a PTBDeprecationWarning while *constructing*
    # RetryAfter, which filterwarnings=error turns into an exception inside the request.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "x")
    assert retry_seconds(info.value) == 7
    failed = fake.calls("sendMessage")[-1]
    assert failed.status == 429
    assert failed.response["parameters"] == {"retry_after": 7}
    assert fake.sent_messages() == []
    assert (await bot.send_message(USER, "x")).text == "x"  # only the next call failed
    assert len(fake.sent_messages()) == 1


@pytest.mark.asyncio
async def test_5xx_raises_network_error(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    fake.fail_next("sendMessage", status=502, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
            await bot.send_message(USER, "x")
    assert fake.calls("sendMessage")[0].response == {
        "ok": False,
        "error_code": 502,
        "description": "Bad Gateway",
    }
    fake.drop_connection_next("getMe")
    with pytest.raises(NetworkError):
        await bot.get_me()
    assert fake.calls("getMe")[-1].status == 0
    await bot.send_message(USER, "recovered")
    assert [c.params["text"] for c in fake.sent_messages()] == ["recovered"]


@pytest.mark.asyncio
async def test_delay_and_wait_helpers(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    fake.delay_next("sendMessage", 0.3)
    task = asyncio.create_task(bot.send_message(USER, "slow"))
    await asyncio.sleep(0.05)
    assert fake.calls("sendMessage") == []
    calls = await fake.wait_for("sendMessage", lambda c: c.params["text"] == "slow", timeout=5)
    assert calls[0].ok
    await task
    await fake.wait_idle(quiet=0.1, timeout=5)
    with pytest.raises(TimeoutError, match=r"sendMessage\(.*slow"):
        await fake.wait_for("sendMessage", count=2, timeout=0.2)


# ------------------------------------------------------------------------- polls & files


@pytest.mark.asyncio
async def test_send_poll_quiz_round_trip(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    message = await bot.send_poll(
        USER,
        "Which password is strongest?",
        ["123456", "correct horse battery staple", "qwerty"],
        type=Poll.QUIZ,
        correct_option_ids=[1],
        is_anonymous=False,
        explanation="<b>Length</b> beats complexity",
        explanation_parse_mode=ParseMode.HTML,
        open_period=60,
    )
    call = fake.calls("sendPoll")[-1]
    assert call.params["type"] == "quiz"
    assert call.params["correct_option_ids"] == [1]
    assert "correct_option_id" not in call.params
    assert call.params["options"] == [
        {"text": "123456"},
        {"text": "correct horse battery staple"},
        {"text": "qwerty"},
    ]
    assert call.params["is_anonymous"] is False and call.params["open_period"] == 60

    poll = message.poll
    assert poll is not None and poll.type == Poll.QUIZ
    assert poll.correct_option_ids == (1,)
    assert poll.explanation == "Length beats complexity"
    assert poll.explanation_entities[0].type == "bold"
    assert not poll.is_closed and not poll.is_anonymous
    assert fake.sent_messages()[-1].method == "sendPoll"

    fake.poll_answer(USER, poll.id, [1])
    fake.poll_answer(USER + 1, poll.id, [0])
    with pytest.raises(ValueError, match="already answered"):
        fake.poll_answer(USER, poll.id, [2])
    answers = [u.poll_answer for u in await bot.get_updates()]
    assert [(a.user.id, a.option_ids) for a in answers if a and a.user] == [
        (USER, (1,)),
        (USER + 1, (0,)),
    ]

    stopped = await bot.stop_poll(USER, message.message_id)
    assert stopped.is_closed and stopped.total_voter_count == 2
    assert [o.voter_count for o in stopped.options] == [1, 1, 0]
    with pytest.raises(BadRequest, match=r"(?i)already been closed"):
        await bot.stop_poll(USER, message.message_id)
    with pytest.raises(ValueError, match="closed"):
        fake.poll_answer(USER + 2, poll.id, [1])


@pytest.mark.asyncio
async def test_send_poll_validation(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)correct_option_ids"):
        await bot.send_poll(USER, "Q", ["a", "b"], type=Poll.QUIZ)
    with pytest.raises(BadRequest, match=r"(?i)poll options length"):
        await bot.send_poll(USER, "Q", ["a", "b" * 101])
    with pytest.raises(BadRequest, match=r"(?i)explanation is too long"):
        await bot.send_poll(
            USER, "Q", ["a", "b"], type=Poll.QUIZ, correct_option_ids=[0], explanation="e" * 201
        )
    anonymous = await bot.send_poll(USER, "Q", ["a", "b"])
    assert anonymous.poll is not None and anonymous.poll.is_anonymous
    with pytest.raises(ValueError, match="anonymous"):
        fake.poll_answer(USER, anonymous.poll.id, [0])


@pytest.mark.asyncio
async def test_deprecated_correct_option_id_is_accepted(fake: FakeBotAPI) -> None:
    form = {
        "chat_id": "5",
        "question": "Q",
        "options": json.dumps(["a", "b"]),
        "type": "quiz",
        "correct_option_id": "1",
    }
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{fake.api_url}/sendPoll", data=form) as response:
            body = await response.json()
        # and a JSON body, as other clients send it
        payload = {"chat_id": 5, "text": "json body", "reply_markup": {"inline_keyboard": []}}
        async with session.post(f"{fake.api_url}/sendMessage", json=payload) as response:
            assert (await response.json())["result"]["text"] == "json body"
    assert body["ok"], body
    assert body["result"]["poll"]["correct_option_ids"] == [1]


@pytest.mark.asyncio
async def test_send_document_and_photo_uploads(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    payload = b"%PDF-1.4 checklist"
    message = await bot.send_document(
        USER,
        InputFile(payload, filename="checklist.pdf"),
        caption="<i>Your</i> checklist",
        parse_mode=ParseMode.HTML,
    )
    call = fake.calls("sendDocument")[-1]
    upload = call.files["document"]
    assert (upload.data, upload.filename) == (payload, "checklist.pdf")
    assert message.document is not None and message.document.file_name == "checklist.pdf"
    assert message.caption == "Your checklist"

    photo_bytes = b"\x89PNG\r\n\x1a\nfake"
    photo_message = await bot.send_photo(USER, photo_bytes, caption="pic")
    photo_call = fake.calls("sendPhoto")[-1]
    assert photo_call.files["photo"].data == photo_bytes
    assert photo_message.photo and photo_message.caption == "pic"
    assert [c.method for c in fake.sent_messages(USER)] == ["sendDocument", "sendPhoto"]

    # Files can be re-sent by file_id and downloaded through base_file_url.
    again = await bot.send_document(USER, message.document.file_id)
    assert again.document is not None
    assert again.document.file_unique_id == message.document.file_unique_id
    tg_file = await bot.get_file(message.document.file_id)
    assert bytes(await tg_file.download_as_bytearray()) == payload
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(USER, "not-a-file-id")
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_photo(USER, photo_bytes, caption="c" * 1025)


# ------------------------------------------------------------------------- edits & markup


@pytest.mark.asyncio
async def test_edit_delete_and_markup(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    sent = await bot.send_message(USER, "v1", reply_markup=keyboard)
    edited = await bot.edit_message_text("<b>v2</b>", USER, sent.message_id, parse_mode="HTML")
    assert isinstance(edited, telegram.Message)
    assert edited.text == "v2" and edited.edit_date is not None
    assert edited.reply_markup is None  # editMessageText without markup drops the keyboard
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<b>v2</b>", USER, sent.message_id, parse_mode="HTML")
    marked = await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard)
    assert isinstance(marked, telegram.Message) and marked.reply_markup == keyboard
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", USER, 999)
    assert await bot.delete_message(USER, sent.message_id) is True
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(USER, sent.message_id)
    too_long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=too_long_data)
    assert [c.method for c in fake.sent_messages()] == ["sendMessage", "editMessageText"]


# ------------------------------------------------------------------------- bot settings


@pytest.mark.asyncio
async def test_set_my_commands_per_language(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    assert await bot.set_my_commands([BotCommand("start", "Start")]) is True
    ru_commands = [BotCommand("start", "Начать"), BotCommand("quiz", "Викторина")]
    assert await bot.set_my_commands(ru_commands, scope=BotCommandScopeAllPrivateChats(), language_code="ru")
    call = fake.calls("setMyCommands")[-1]
    assert call.params["language_code"] == "ru"
    assert call.params["scope"] == {"type": "all_private_chats"}
    assert fake.commands() == [{"command": "start", "description": "Start"}]
    assert [c["command"] for c in fake.commands({"type": "all_private_chats"}, "ru")] == [
        "start",
        "quiz",
    ]
    got = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ru")
    assert got == tuple(ru_commands)
    assert await bot.get_my_commands(language_code="de") == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Command", "x")])
    assert await bot.delete_my_commands() is True
    assert fake.commands() == []
    assert await bot.set_my_description("Long description", language_code="en")
    assert await bot.set_my_short_description("Short")
    assert fake.descriptions == {"en": "Long description"}
    assert fake.short_descriptions == {"": "Short"}
    assert (await bot.get_my_short_description()).short_description == "Short"
    assert await bot.log_out() is True and await bot.close() is True


@pytest.mark.asyncio
async def test_webhook_set_info_and_delivery(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []

    async def receive(request: web.Request) -> web.Response:
        received.append((await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        assert await bot.set_webhook(url, secret_token="s3cr3t-TOKEN_1", max_connections=5)
        assert (fake.webhook_url, fake.webhook_secret) == (url, "s3cr3t-TOKEN_1")
        info = await bot.get_webhook_info()
        assert info.url == url and info.max_connections == 5
        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await bot.get_updates()
        with pytest.raises(BadRequest, match=r"(?i)secret token"):
            await bot.set_webhook(url, secret_token="no spaces allowed")

        fake.deliver_to_webhook = True
        update = fake.message(USER, "via webhook")
        deliveries = await fake.wait_for_webhook_deliveries(1, timeout=5)
        assert deliveries[0].status == 200
        assert received == [(update, "s3cr3t-TOKEN_1")]

        assert await fake.post_to_webhook({"update_id": 1}, None) == 200
        assert received[-1] == ({"update_id": 1}, None)

        assert await bot.delete_webhook(drop_pending_updates=True)
        assert fake.webhook_url is None and (await bot.get_webhook_info()).url == ""
        assert await bot.get_updates() == ()
    finally:
        await runner.cleanup()


# ------------------------------------------------------------------------- HTTP level


@pytest.mark.asyncio
async def test_unknown_method_and_wrong_token(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("fooBarBaz")
    call = fake.calls("fooBarBaz")[-1]
    assert call.status == 404
    assert call.response == {"ok": False, "error_code": 404, "description": "Not Found"}

    wrong = telegram.Bot("987654321:WRONG-token", base_url=fake.base_url)
    with pytest.raises(InvalidToken):
        async with wrong:  # initialize() calls getMe; __aenter__ shuts down on failure
            pass
    assert fake.calls("getMe")[-1].status == 401
    assert fake.calls("getMe")[-1].description == "Unauthorized"

    # Method names are case-insensitive, like Telegram's.
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.api_url}/GETME") as response,
    ):
        assert (await response.json())["result"]["id"] == fake.bot_id


@pytest.mark.asyncio
async def test_recorded_call_fields(fake: FakeBotAPI, bot: telegram.Bot) -> None:
    await bot.send_message(USER, "x", disable_notification=True)
    call = fake.calls("sendMessage")[0]
    assert isinstance(call, Call)
    assert call.params["disable_notification"] is True
    assert call.response["ok"] is True and call.result["message_id"] == 1
    assert call.time <= time.monotonic()


# ------------------------------------------------------------------------- HTML validator

VALID_HTML = [
    "plain text",
    "<b>bold</b> <strong>strong</strong> <i>i</i> <em>em</em> <u>u</u> <ins>ins</ins>",
    "<s>s</s> <strike>strike</strike> <del>del</del>",
    '<a href="https://example.com/?a=1&b=2">link</a>',
    "<a href='tg://user?id=1'>mention</a>",
    "<code>x &lt; y</code>",
    '<pre><code class="language-python">print(1)</code></pre>',
    "<pre>pre</pre>",
    "<blockquote>quote</blockquote>",
    "<blockquote expandable>long quote</blockquote>",
    "<tg-spoiler>secret</tg-spoiler>",
    '<span class="tg-spoiler">secret</span>',
    "<b>bold <i>bold italic <u>all three</u></i></b>",
    "&lt;b&gt; is escaped &amp; fine &quot;quoted&quot; &#65; &#x1F600;",
    "a > b",
    "<B>upper-case tag names</B>",
    "",
]
INVALID_HTML = [
    ("<b>unclosed", "Can't find end tag"),
    ("a < b", "Unsupported start tag"),
    ("1<2", "Unsupported start tag"),
    ("Tom & Jerry", "&"),
    ("&nbsp;", "&"),
    ("&amp", "&"),
    ("&#0;", "&"),
    ("<b><i>x</b></i>", "Unmatched end tag"),
    ("x</b>", "Unexpected end tag"),
    ("<br>", 'Unsupported start tag "br"'),
    ("<div>x</div>", 'Unsupported start tag "div"'),
    ('<span class="red">x</span>', 'must have class "tg-spoiler"'),
    ("<span>x</span>", 'must have class "tg-spoiler"'),
    ("<b", "Unclosed start tag"),
    ('<a href="x>y</a>', "Unclosed start tag"),
    ("<b/>", "Empty attribute name"),
    ("</b", "Unclosed end tag"),
    ("<tg-emoji emoji-id='1'>x</tg-emoji>", "Unsupported start tag"),
]


@pytest.mark.parametrize("source", VALID_HTML)
def test_html_validator_accepts(source: str) -> None:
    assert html_error(source) is None


@pytest.mark.parametrize(("source", "detail"), INVALID_HTML)
def test_html_validator_rejects(source: str, detail: str) -> None:
    error = html_error(source)
    assert error is not None and detail in error


def test_html_parser_entities() -> None:
    parsed = parse_telegram_html(
        '  <b>😀 <i>x</i></b> <pre><code class="language-py">y</code></pre>'
        " <blockquote expandable>q</blockquote>\n"
    )
    assert parsed.text == "😀 x y q"
    assert parsed.entities == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 3, "length": 1},
        {"type": "pre", "offset": 5, "length": 1, "language": "py"},
        {"type": "expandable_blockquote", "offset": 7, "length": 1},
    ]


# ------------------------------------------------------------------------- a real Application


@pytest.mark.asyncio
async def test_application_polling_round_trip(fake: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Tip", callback_data="tip")]])
        await context.bot.send_message(
            update.effective_chat.id, "<b>Welcome!</b>", parse_mode="HTML", reply_markup=keyboard
        )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text.upper())

    async def tip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text("Use a password manager.")

    app = (
        Application.builder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(tip))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            fake.message(USER, "/start")
            await fake.wait_for("sendMessage", ok=True)
            fake.callback_query(USER, "tip")
            fake.message(USER, "hello")
            await fake.wait_for("answerCallbackQuery")
            await fake.wait_for("sendMessage", count=2, ok=True)
            await fake.wait_idle(quiet=0.2)
        finally:
            await app.updater.stop()
            await app.stop()
    texts = [c.params["text"] for c in fake.sent_messages(USER)]
    assert texts == ["<b>Welcome!</b>", "Use a password manager.", "HELLO"] or texts == [
        "<b>Welcome!</b>",
        "HELLO",
        "Use a password manager.",
    ]
    assert all(c.ok for c in fake.calls()), [c.summary() for c in fake.calls() if not c.ok]
    assert fake.pending_updates == []  # PTB confirmed everything on shutdown


@pytest.mark.asyncio
async def test_application_webhook_round_trip(fake: FakeBotAPI) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text("got " + update.message.text)

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = Application.builder().token(fake.token).base_url(fake.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    fake.deliver_to_webhook = True
    async with app:
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="tg-hook",
            webhook_url=f"http://127.0.0.1:{port}/tg-hook",
            secret_token="hook-secret",
        )
        await app.start()
        try:
            assert fake.webhook_url == f"http://127.0.0.1:{port}/tg-hook"
            assert fake.webhook_secret == "hook-secret"
            fake.message(USER, "ping")
            await fake.wait_for("sendMessage", ok=True)
            assert [d.status for d in fake.webhook_deliveries] == [200]
            forged = {"update_id": 1, "message": {"text": "no secret"}}
            assert await fake.post_to_webhook(forged, None) == 403
            assert await fake.post_to_webhook(forged, "wrong") == 403
        finally:
            await app.updater.stop()
            await app.stop()
    assert [c.params["text"] for c in fake.sent_messages(USER)] == ["got ping"]
