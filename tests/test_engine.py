"""The engine without any channel: conversations, language choice, commands, fallbacks."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cyberhygiene import payloads
from cyberhygiene.config import Settings
from cyberhygiene.engine import Engine
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.messages import Incoming
from cyberhygiene.store import open_store

ROOT = Path(__file__).resolve().parent.parent
CONVERSATIONS = yaml.safe_load((ROOT / "tests" / "data" / "conversations.yaml").read_text("utf-8"))


SCRIPTS = CONVERSATIONS


@pytest.mark.parametrize("script", SCRIPTS, ids=[s["name"] for s in CONVERSATIONS])
def test_scripted_conversations(kb: KnowledgeBase, script: dict) -> None:  # type: ignore[type-arg]
    """Each turn: what the user types → the intent answered (or null) and the reply language."""
    engine = Engine(kb, open_store(":memory:"), Settings())
    user = Incoming("scripted", language_code=script.get("language_code"))
    for turn in script["turns"]:
        replies = engine.handle(Incoming("scripted", text=turn["say"], language_code=user.language_code))
        assert replies, turn
        assert replies[0].lang == turn["lang"], turn
        expected = turn.get("intent")
        if expected:
            assert replies[0].text == engine.answer(expected, turn["lang"]).text, turn
        elif "intent" in turn:  # explicit null: the bot says it did not understand
            texts = {kb.ui[k][turn["lang"]] for k in ("fallback", "did_you_mean", "out_of_scope")}
            assert replies[0].text in texts, turn


def test_fallback_offers_guesses_and_menu(engine: Engine) -> None:
    replies = engine.handle(Incoming("u", text="security"))
    assert replies[0].text == engine.kb.ui["did_you_mean"]["en"]
    menu = payloads.make(payloads.MENU)
    assert replies[0].choices[-1].payload == menu
    assert len(replies[0].choices) <= 4


def test_out_of_scope_is_declined_not_answered(engine: Engine, kb: KnowledgeBase) -> None:
    for text in ("cual es la receta del pozole rojo", "who won the world series"):
        replies = engine.handle(Incoming("u", text=text))
        lang = replies[0].lang
        assert replies[0].text in {kb.ui[k][lang] for k in ("out_of_scope", "fallback", "did_you_mean")}
        # and the question was logged for content improvement, without the user
    assert ("who won the world series", "en") in engine.store.unanswered()


def test_language_preference_order(engine: Engine) -> None:
    # no evidence in the text, no preference, no language_code → English
    assert engine.handle(Incoming("a", text="ok"))[0].lang == "en"
    # Telegram's language_code is next
    assert engine.handle(Incoming("b", text="ok", language_code="es-MX"))[0].lang == "es"
    # a message in Spanish is answered in Spanish, and that becomes the preference
    assert engine.handle(Incoming("c", text="como hago una contraseña segura"))[0].lang == "es"
    assert engine.handle(Incoming("c", text="ok"))[0].lang == "es"
    # a pinned preference wins over language_code for ambiguous messages
    engine.handle(Incoming("d", text="/language en"))
    assert engine.handle(Incoming("d", text="ok", language_code="es"))[0].lang == "en"
    # ... and the words "español" / "english" pin too
    assert engine.handle(Incoming("d", text="español"))[0].lang == "es"
    assert engine.store.get_prefs("d").pinned and engine.store.get_prefs("d").lang == "es"
    # a clearly English question is still answered in English
    assert (
        engine.handle(Incoming("d", text="how do I set up two factor authentication on my email"))[0].lang
        == "en"
    )


def test_commands_in_both_languages(engine: Engine, kb: KnowledgeBase) -> None:
    for lang in ("en", "es"):
        engine.store.set_lang("u", lang, pinned=True)
        assert engine.handle(Incoming("u", text="/start"))[0].text == kb.ui["welcome"][lang]
        assert engine.handle(Incoming("u", text="/help"))[0].text.startswith(
            kb.answers["help"].text[lang].strip()[:20]
        )
        assert engine.handle(Incoming("u", text="/topics"))[0].text == kb.ui["topics_intro"][lang]
        assert engine.handle(Incoming("u", text="/nonsense"))[0].text == kb.ui["unknown_command"][lang]
        assert engine.handle(Incoming("u", text="/cancel"))[0].text == kb.ui["cancel_nothing"][lang]
        engine.handle(Incoming("u", text="/quiz basics"))
        assert engine.handle(Incoming("u", text="/cancel"))[0].text == kb.ui["cancelled"][lang]
        assert engine.store.active_attempt("u") is None
        assert engine.handle(Incoming("u", text="/cancel"))[0].text == kb.ui["cancel_nothing"][lang]
        assert engine.handle(Incoming("u", text=None))[0].text == kb.ui["non_text"][lang]
        assert engine.handle(Incoming("u", text="   "))[0].text == kb.ui["empty_message"][lang]


def test_every_topic_menu_entry_answers(engine: Engine, kb: KnowledgeBase) -> None:
    menu = engine.handle(Incoming("u", text="/topics"))[0]
    seen = set()
    for group_choice in menu.choices:
        group = engine.handle(Incoming("u", payload=group_choice.payload))[0]
        for c in group.choices:
            p = payloads.parse(c.payload)
            assert p is not None
            if p.kind == payloads.ANSWER:
                seen.add(p.args[0])
                assert (
                    engine.handle(Incoming("u", payload=c.payload))[0].text
                    == engine.answer(p.args[0], "en").text
                )
    catalog = {i for i in kb.intents if i not in {"greeting", "goodbye", "thanks", "quiz"}}
    assert catalog <= seen, f"topics missing from the menu: {catalog - seen}"


def test_flood_protection_notices_once_then_ignores(kb: KnowledgeBase) -> None:
    now = [0.0]
    engine = Engine(
        kb, open_store(":memory:"), Settings(flood_messages=3, flood_window=10.0), clock=lambda: now[0]
    )
    replies = [engine.handle(Incoming("spam", text="hola")) for _ in range(6)]
    assert all(r for r in replies[:3])
    assert (
        replies[3][0].text == kb.ui["flood_notice"]["en"] or replies[3][0].text == kb.ui["flood_notice"]["es"]
    )
    assert replies[4] == [] and replies[5] == []
    assert engine.handle(Incoming("someone_else", text="hola")), "other users are unaffected"
    now[0] = 25.0
    assert engine.handle(Incoming("spam", text="hola")), "after the window the user is answered again"


def test_engine_imports_nothing_from_telegram() -> None:
    package = ROOT / "cyberhygiene"
    for path in package.rglob("*.py"):
        if path.name == "telegram.py" and path.parent.name == "channels":
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            assert not any(n == "telegram" or n.startswith("telegram.") for n in names), path
    code = "import sys, cyberhygiene.engine, cyberhygiene.channels.console, cyberhygiene.cli; print('telegram' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_quizzes_and_sessions_do_not_import_the_engine() -> None:
    """No circle: the engine imports quiz, sessions, admin and live views; they get narrow things
    (a Toolkit, settings values, callables), never the Engine."""
    for name in ("quiz.py", "sessions.py", "toolkit.py", "admin.py", "live.py"):
        tree = ast.parse((ROOT / "cyberhygiene" / name).read_text("utf-8"))
        imported = {
            node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1
        }
        assert "engine" not in imported, name


def test_the_telegram_channel_uses_only_the_engines_public_entry_points() -> None:
    source = (ROOT / "cyberhygiene" / "channels" / "telegram.py").read_text("utf-8")
    for inner in ("engine.quiz", "engine.sessions", "engine.store", "engine.admin", "engine.live."):
        assert inner not in source, inner


def test_no_print_outside_console_channel() -> None:
    for path in (ROOT / "cyberhygiene").rglob("*.py"):
        if path.name in {"console.py", "cli.py"}:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        calls = [
            n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "print"
        ]
        assert not calls, f"print() in {path}"


def test_lone_surrogates_and_newline_commands(engine: Engine, kb: KnowledgeBase) -> None:
    # a console in a C locale can hand us lone surrogates; SQLite must still store the text
    assert engine.handle(Incoming("s", text="/newsession basics \ud800"))
    assert engine.handle(Incoming("s", text="/start s_\ud800"))[0].text == kb.ui["welcome"]["en"]
    # a command and its argument separated by a newline is still that command
    quiz = engine.handle(Incoming("s", text="/quiz\nbasics"))
    assert kb.quizzes["basics"].questions[0].question["en"] in quiz[0].plain()


def test_long_message_answer_offers_the_next_two_topics(engine: Engine, kb: KnowledgeBase) -> None:
    story = (
        "someone stole my phone on the bus this morning and it has my bank app and my email on it, "
        "what do I do first"
    )
    engine.store.set_country("story", "us")  # known country: no one-time country question
    replies = engine.handle(Incoming("story", text=story))
    assert replies[0].text == engine.answer("lost_device", "en", "us").text
    assert len(replies) == 2 and replies[1].text == kb.ui["also_relevant"]["en"]
    more = replies[1].choices
    assert len(more) == 2
    for choice in more:
        parsed = payloads.parse(choice.payload)
        assert parsed is not None and parsed.kind == payloads.ANSWER
        assert parsed.args[0] != "lost_device" and choice.label == kb.answers[parsed.args[0]].title["en"]
    # a short message gets the answer alone
    engine.store.set_country("short", "mx")
    assert len(engine.handle(Incoming("short", text="someone stole my phone"))) == 1


def test_unsure_message_offers_the_three_best_guesses(engine: Engine) -> None:
    replies = engine.handle(Incoming("u", text="security"))
    guesses = [c for c in replies[0].choices if c.payload != payloads.make(payloads.MENU)]
    assert replies[0].text == engine.kb.ui["did_you_mean"]["en"]
    assert len(guesses) == 3


def test_spanish_command_names_answer_in_spanish_unless_a_language_was_chosen(engine: Engine) -> None:
    # an English message first: the bot remembers English (not chosen, just seen)
    engine.handle(Incoming("cmd", text="how do I make a strong password?"))
    assert engine.store.get_prefs("cmd").lang == "en"
    for command in ("/ayuda", "/temas", "/revisar hola", "/privacidad", "/cancelar"):
        replies = engine.handle(Incoming("cmd", text=command))
        assert replies and all(r.lang == "es" for r in replies), command
    assert engine.handle(Incoming("cmd", text="/help"))[0].lang == "en"  # English names keep the preference
    # a language chosen with /language wins over the command's name
    engine.handle(Incoming("cmd", text="/language en"))
    assert engine.handle(Incoming("cmd", text="/ayuda"))[0].lang == "en"
    # and in a group, the language its admin set
    group = {"chat_id": "-100", "chat_type": "group"}
    engine.store.set_chat_lang("-100", "en")
    assert engine.handle(Incoming("other", text="/ayuda", **group))[0].lang == "en"
