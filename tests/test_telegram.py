"""End to end: the real python-telegram-bot Application, over real HTTP, against the fake Bot API."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from cyberhygiene import payloads
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.logsafety import configure_logging
from tests.tg_harness import buttons, running_bot, text_of

ALICE, BETO = 1001, 1002
GROUP = -100500


async def test_english_conversation_with_buttons(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        sent = await bot.say(ALICE, "how do I make a strong password?", language_code="en")
        assert len(sent) == 1
        call = sent[0]
        assert call.params["parse_mode"] == "HTML"
        assert "16 characters" in call.params["text"]
        assert '<a href="https://' in call.params["text"]  # sources as links
        datas = [b.get("callback_data") for b in buttons(call)]
        assert payloads.make(payloads.ANSWER, "password_manager") in datas
        assert payloads.make(payloads.QUIZ_START, "passwords_mfa") in datas

        # pressing a related-topic button answers the callback and shows that topic
        after = await bot.press(ALICE, payloads.make(payloads.ANSWER, "mfa"))
        assert bot.fake.calls("answerCallbackQuery")
        assert "authenticator" in text_of(after).lower()


async def test_spanish_conversation(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        sent = await bot.say(BETO, "me hackearon el face, que hago", language_code="es")
        text = text_of(sent)
        assert kb.answers["hacked_account"].title["es"] in text or "contraseña" in text
        assert "Fuentes oficiales" in text
        # an unclear message falls back with "did you mean" buttons and the menu, in Spanish
        sent = await bot.say(BETO, "asdkjh qwe zzz", language_code="es")
        assert "no te entendí" in text_of(sent).lower() or "quisiste decir" in text_of(sent).lower()
        assert payloads.make(payloads.MENU) in [b.get("callback_data") for b in buttons(sent[-1])]


async def test_start_and_deep_links(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        welcome = text_of(await bot.say(ALICE, "/start"))
        assert "Cyber Hygiene Bot" in welcome
        topic = text_of(await bot.say(ALICE, "/start topic_mfa"))
        assert "authenticator" in topic.lower()
        for bad in ("/start topic_nope", "/start %%%", "/start " + "x" * 64, "/start s_unknowncode"):
            assert text_of(await bot.say(ALICE, bad)) == welcome


async def test_commands_menus_and_topics(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        default = [c["command"] for c in bot.fake.commands()]
        spanish = [c["command"] for c in bot.fake.commands(language_code="es")]
        assert "language" in default and "idioma" in spanish
        assert {"start", "help", "topics", "privacy", "forget", "cancel"} <= set(default)
        menu = await bot.say(ALICE, "/topics")
        groups = [b["callback_data"] for b in buttons(menu[0])]
        assert payloads.make(payloads.GROUP, "accounts") in groups
        sub = await bot.press(ALICE, groups[0])
        assert any(b["callback_data"].startswith("1:a:") for b in buttons(sub[0]))
        privacy = await bot.say(ALICE, "/privacy")
        assert "/forget" in text_of(privacy)
        # the retention period is one tap away, behind "More"
        more = payloads.make(payloads.MORE, "bot_privacy")
        assert more in [b.get("callback_data") for b in buttons(privacy[0])]
        assert "180" in text_of(await bot.press(ALICE, more))


async def test_language_switch_and_forget(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        prompt = await bot.say(ALICE, "/idioma", language_code="en")
        assert payloads.make(payloads.LANGUAGE, "es") in [b["callback_data"] for b in buttons(prompt[0])]
        await bot.press(ALICE, payloads.make(payloads.LANGUAGE, "es"))
        # "ok" says nothing about its language: the pinned Spanish preference decides
        spanish = text_of(await bot.say(ALICE, "ok", language_code="en"))
        english = text_of(await bot.say(BETO, "ok", language_code="en"))
        assert spanish and english and spanish != english
        assert bot.store.get_prefs(str(ALICE)).lang == "es"
        confirm = await bot.say(ALICE, "/forget")
        yes = payloads.make(payloads.FORGET, "y")
        assert yes in [b["callback_data"] for b in buttons(confirm[0])]
        await bot.press(ALICE, yes)
        assert bot.store.user_footprint(str(ALICE)) == 0


async def test_inline_mode(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        bot.fake.inline_query(ALICE, "contraseña segura", language_code="es")
        calls = await bot.fake.wait_for("answerInlineQuery", ok=True)
        results = calls[0].params["results"]
        assert results and results[0]["id"] == "passwords"
        assert "Contraseñas" in results[0]["title"] or "contraseña" in results[0]["title"].lower()
        content = results[0]["input_message_content"]
        assert content["parse_mode"] == "HTML" and "16" in content["message_text"]


async def test_group_messages_need_a_mention_or_reply(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        assert await bot.say(ALICE, "what is phishing", chat_id=GROUP) == []
        assert await bot.say(ALICE, "/help@SomeOtherBot", chat_id=GROUP) == []
        mentioned = await bot.say(ALICE, "@CyberHygieneTestBot what is phishing", chat_id=GROUP)
        assert "phishing" in text_of(mentioned).lower()
        reply_to = mentioned[-1].result["message_id"]
        replied = await bot.say(ALICE, "and smishing?", chat_id=GROUP, reply_to_message_id=reply_to)
        assert replied, "a reply to the bot's message is addressed to the bot"
        assert await bot.say(ALICE, "/help", chat_id=GROUP)
        assert await bot.say(ALICE, "/help@CyberHygieneTestBot", chat_id=GROUP)


async def test_forged_and_stale_callbacks_are_answered(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        await bot.say(ALICE, "/start")
        for data in ("1:qa:999:0:0", "garbage", "9:a:passwords", "1:a:not_an_intent", "1:sj:nope12"):
            before = len(bot.fake.calls("answerCallbackQuery"))
            sent = await bot.press(ALICE, data, check_buttons=False)
            assert len(bot.fake.calls("answerCallbackQuery")) == before + 1
            assert sent, f"no reply to forged data {data!r}"
            assert "no longer valid" in text_of(sent)


async def test_non_text_and_edits(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        for i, kind in enumerate(("sticker", "photo", "location", "contact", "voice", "document")):
            bot.fake.non_text_message(ALICE + 100 + i, kind)
        await bot.fake.wait_idle(quiet=0.4)
        for i in range(6):
            assert text_of(bot.fake.sent_messages(ALICE + 100 + i)) == kb.ui["non_text"]["en"]
        bot.fake.non_text_message(ALICE, "photo", chat_id=GROUP)  # group chatter is ignored
        await bot.fake.wait_idle(quiet=0.4)
        assert not bot.fake.sent_messages(GROUP)
        bot.fake.channel_post(-100777, "hello channel")
        await bot.fake.wait_idle(quiet=0.4)
        assert not bot.fake.sent_messages(-100777)
        answered = await bot.say(ALICE, "what is phishing")
        assert answered
        # an edit of an already answered message is not answered twice (documented choice)
        bot.fake.edited_message(ALICE, "what is smishing")
        await bot.fake.wait_idle(quiet=0.4)
        assert bot.fake.sent_messages(ALICE)[-1].params["text"] == answered[-1].params["text"]


async def test_rate_limit_is_waited_out(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        bot.fake.fail_next("sendMessage", status=429, retry_after=1)
        bot.fake.message(ALICE, "what is phishing")
        ok = await bot.fake.wait_for("sendMessage", ok=True, timeout=15)
        failed = bot.fake.calls("sendMessage")
        assert failed[0].status == 429
        assert len(ok) == 1, "the reply arrives exactly once"


async def test_server_errors_are_retried_and_blocked_chats_are_not(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        # an answer that does not differ by country: one message, no country question
        bot.fake.fail_next("sendMessage", status=502, times=2)
        bot.fake.message(ALICE, "how do I make a strong password")
        await bot.fake.wait_for("sendMessage", ok=True, timeout=15)
        await bot.fake.wait_idle(quiet=0.5)
        assert len([c for c in bot.fake.calls("sendMessage") if c.ok]) == 1
        bot.fake.blocked_chats.add(BETO)
        bot.fake.message(BETO, "how do I make a strong password")
        await bot.fake.wait_idle(quiet=0.5)
        assert (
            len(
                bot.fake.calls(
                    "sendMessage",
                )
            )
            == 4
        )  # 2 failed + 1 ok + 1 refused, no retry
        # the bot keeps answering others
        assert await bot.say(ALICE, "thanks")


async def test_token_never_logged(kb: KnowledgeBase, tmp_path: Path) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        async with running_bot(kb, tmp_path) as bot:
            configure_logging("DEBUG", [bot.fake.token], stream)
            logging.getLogger("httpx").setLevel(logging.DEBUG)  # even if someone turns it up
            await bot.say(ALICE, "hola")
            bot.fake.fail_next("sendMessage", status=500, times=SEND_FAILS)
            bot.fake.message(ALICE, "what is phishing")
            await bot.fake.wait_idle(quiet=1.0, timeout=30)
            logging.getLogger("test").error("url was %s", bot.fake.api_url)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    output = stream.getvalue()
    assert "sendMessage" in output  # the log really captured the bot's traffic
    assert bot.fake.token not in output
    assert bot.fake.token.split(":")[1] not in output
    assert "[REDACTED]" in output


SEND_FAILS = 5


async def test_webhook_mode_checks_the_secret(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path, webhook=True, webhook_secret="s3cret-token") as bot:
        assert bot.fake.webhook_secret == "s3cret-token"
        update = {
            "update_id": 9001,
            "message": {
                "message_id": 1,
                "date": 1_700_000_000,
                "chat": {"id": ALICE, "type": "private", "first_name": "A"},
                "from": {"id": ALICE, "is_bot": False, "first_name": "A", "language_code": "en"},
                "text": "what is phishing",
            },
        }
        assert await bot.fake.post_to_webhook(update, "wrong") == 403
        assert await bot.fake.post_to_webhook(update, None) == 403
        await bot.fake.wait_idle(quiet=0.5)
        assert not bot.fake.sent_messages(ALICE)
        assert await bot.fake.post_to_webhook(update, "s3cret-token") == 200
        sent = await bot.fake.wait_for("sendMessage", ok=True)
        assert "phishing" in sent[0].params["text"].lower()


@pytest.mark.parametrize(
    "lang,text,needle",
    [
        ("en", "I got a text saying my package is held", "7726"),
        ("es", "me llegó un SMS de que mi paquete está retenido", "7726"),
    ],
)
async def test_smishing_both_languages(
    kb: KnowledgeBase, tmp_path: Path, lang: str, text: str, needle: str
) -> None:
    async with running_bot(kb, tmp_path) as bot:
        sent = await bot.say(ALICE, text, language_code=lang)
        assert needle in text_of(sent)


async def test_error_handler_logs_and_tells_the_user(
    kb: KnowledgeBase, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="cyberhygiene.channels.telegram")
    async with running_bot(kb, tmp_path) as bot:
        with bot.store._lock:  # the database goes away under the running bot (between two uses:
            bot.store._db.close()  # closing it while another thread uses it would crash SQLite)
        sent = await bot.say(ALICE, "what is phishing")
        assert text_of(sent) == kb.ui["error_sorry"]["en"]
        errors = [r for r in caplog.records if "error while handling update" in r.getMessage()]
        assert errors and errors[0].exc_info is not None
        # The update is named; the user (a private chat's id is the user's id) is not.
        assert "update " in errors[0].getMessage()
        assert str(ALICE) not in errors[0].getMessage()
        sqlite3 = __import__("sqlite3")  # let the harness close cleanly
        with bot.store._lock:
            bot.store._db = sqlite3.connect(bot.store.path, check_same_thread=False, isolation_level=None)


async def test_retention_purge_runs_at_start(kb: KnowledgeBase, tmp_path: Path) -> None:
    from cyberhygiene.store import open_store

    store = open_store(str(tmp_path / "bot.sqlite3"))
    old = store.start_attempt("old-user", "basics", "en")
    store.finish_attempt(old.id)
    store.log_unanswered("an old question", "en")
    store.start_attempt("fresh-user", "basics", "en")
    with store.transaction() as db:
        db.execute("UPDATE attempts SET started_at = 0, finished_at = 1 WHERE id = ?", (old.id,))
        db.execute("UPDATE unanswered SET created_at = 0")
    store.close()
    async with running_bot(kb, tmp_path, retention_days=30) as bot:
        await bot.fake.wait_idle(quiet=0.3)
        assert bot.store.get_attempt(old.id) is None
        assert bot.store.unanswered() == []
        assert bot.store.active_attempt("fresh-user") is not None
