"""Telegram conventions on the fake Bot API: descriptions, menus per scope, inline mode,
chat actions, one retry layer, and .env."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cyberhygiene.config import load_settings
from cyberhygiene.knowledge import KnowledgeBase
from tests.tg_harness import buttons, running_bot, text_of

ANA, BETO = 4001, 4002


async def test_descriptions_and_menus_per_scope_and_language(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        for lang, code in (("en", ""), ("es", "es")):
            assert bot.fake.descriptions[code] == kb.ui["bot_description"][lang]
            assert bot.fake.short_descriptions[code] == kb.ui["bot_short_description"][lang]

        def names(scope: str, language_code: str = "") -> list[str]:
            return [c["command"] for c in bot.fake.commands({"type": scope}, language_code=language_code)]

        private, private_es = names("all_private_chats"), names("all_private_chats", "es")
        assert {"newsession", "sessions", "results", "export", "close", "join", "forget"} <= set(private)
        assert {"nuevasesion", "sesiones", "resultados", "exportar", "cerrar", "idioma", "ayuda"} <= set(
            private_es
        )
        assert not {"results", "language", "help"} & set(private_es), "Spanish menus show Spanish names"
        groups, admins = names("all_group_chats"), names("all_chat_administrators")
        assert "quiz" in groups and not {"newsession", "forget", "stopquiz"} & set(groups)
        assert "stopquiz" in admins and "detenerquiz" in names("all_chat_administrators", "es")
        # every Spanish name in a menu is understood
        for command in private_es:
            reply = text_of(await bot.say(ANA, f"/{command}", language_code="es"))
            assert kb.ui["unknown_command"]["es"] not in reply, command


async def test_inline_offers_only_topics_with_a_way_back(kb: KnowledgeBase, tmp_path: Path) -> None:
    topics = {i for g in kb.topics if g.shareable for i in g.intents}
    assert not {"help", "about_bot", "bot_privacy", "quiz", "greeting"} & topics
    async with running_bot(kb, tmp_path) as bot:
        for query in (
            "quiz",
            "help",
            "hola",
            "contraseña segura",
            "phishing",
            "what can you do",
            "privacidad del bot",
        ):
            bot.fake.inline_query(ANA, query, language_code="es")
            await bot.fake.wait_idle(quiet=0.4)
        answers = list(bot.fake.inline_answers.values())
        assert len(answers) == 7
        for params in answers:
            button = params.get("button")
            assert button and button["start_parameter"] == "inline"
            for result in params["results"]:
                assert result["id"] in topics, result["id"]
                (row,) = result["reply_markup"]["inline_keyboard"]
                assert row[0]["url"] == f"https://t.me/CyberHygieneTestBot?start=topic_{result['id']}"
        assert any(p["results"] for p in answers), "real topics still come up"


async def test_answers_can_be_sent_to_a_friend_through_inline_mode(kb: KnowledgeBase, tmp_path: Path) -> None:
    """A topic's answer carries a switch_inline_query button typing the topic's title; that query
    offers the topic first, in the title's language. Quizzes and help have no such button."""
    async with running_bot(kb, tmp_path) as bot:
        for user, lang, question, code in (
            (ANA, "en", "how do I make a strong password", ""),
            (BETO, "es", "como hago una contraseña segura", "es"),
        ):
            await bot.say(user, "/country us", language_code=code)
            sent = await bot.say(user, question, language_code=code)
            shares = [b for call in sent for b in buttons(call) if "switch_inline_query" in b]
            assert [b["switch_inline_query"] for b in shares] == [kb.answers["passwords"].title[lang]]
            assert shares[0]["text"] == kb.ui["share_button"][lang]
            bot.fake.inline_query(user, shares[0]["switch_inline_query"])  # the title decides the language
            await bot.fake.wait_idle(quiet=0.4)
            results = list(bot.fake.inline_answers.values())[-1]["results"]
            assert results[0]["id"] == "passwords"
            assert results[0]["title"] == kb.answers["passwords"].title[lang]
        # an answer with a full row of buttons (7) gets no eighth
        full = await bot.say(ANA, "what is phishing")
        assert len([b for call in full for b in buttons(call)]) == 7
        assert not [b for call in full for b in buttons(call) if "switch_inline_query" in b]
        help_reply = await bot.say(ANA, "/help")
        assert not [b for call in help_reply for b in buttons(call) if "switch_inline_query" in b]


async def test_chat_actions_before_charts_and_exports(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        await bot.say(ANA, "/newsession basics")
        ((info, _, _),) = bot.store.sessions_of(str(ANA))
        await bot.say_until(ANA, f"/export {info.code}", "sendDocument", count=2)
        actions = [c.params.get("action") for c in bot.fake.calls("sendChatAction")]
        assert "upload_photo" in actions, "before the QR code"
        assert actions.count("upload_document") == 2
        order = [c.method for c in bot.fake.calls() if c.method in {"sendChatAction", "sendDocument"}]
        assert order[-4:] == ["sendChatAction", "sendDocument", "sendChatAction", "sendDocument"]


async def test_one_retry_layer_for_rate_limits(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        await bot.say(ANA, "/country us")  # so the answer is one message (no country question)
        before = len(bot.fake.calls("sendMessage"))
        bot.fake.fail_next("sendMessage", status=429, retry_after=1, times=10)
        bot.fake.message(ANA, "what is phishing")
        await bot.fake.wait_idle(quiet=2.5, timeout=30)
        tries = bot.fake.calls("sendMessage")[before:]
        assert all(c.status == 429 for c in tries)
        assert len(tries) == 4, "AIORateLimiter: the request and 3 retries, nothing more"
        bot.fake.clear_faults()


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("BOT_USERNAME=FromDotenvBot\nGROUP_QUIZ_SECONDS=45\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOT_USERNAME", raising=False)
    monkeypatch.setenv("GROUP_QUIZ_SECONDS", "20")
    settings = load_settings()
    assert settings.bot_username == "FromDotenvBot"
    assert settings.group_quiz_seconds == 20
    os.remove(tmp_path / ".env")
    assert load_settings().bot_username == "CyberHygieneBot"


async def test_only_the_update_types_the_bot_handles_are_fetched(kb: KnowledgeBase, tmp_path: Path) -> None:
    handled = {"message", "callback_query", "inline_query", "poll_answer", "my_chat_member"}
    async with running_bot(kb, tmp_path / "polling") as bot:
        assert text_of(await bot.say(ANA, "/start"))
        fetches = bot.fake.calls("getUpdates")
        assert fetches and all(set(c.params.get("allowed_updates") or ()) == handled for c in fetches)
        stored = bot.store.journal_ids()
        bot.fake.edited_message(ANA, "what is smishing")  # an edit's new text is never fetched…
        bot.fake.channel_post(-100555, "hello channel")
        await bot.fake.wait_idle(quiet=0.5)
        assert bot.store.journal_ids() == stored, "…so it is never stored, not even briefly"
    async with running_bot(kb, tmp_path / "webhook", webhook=True) as bot:
        assert set(bot.fake.webhook_allowed_updates or ()) == handled
