"""The user's country: asked once, recognized from messages, changed by /country and /pais,
stored like the language, removed by /forget; answers that differ give that country's channels
first and the other country's one tap away. Engine, console and Telegram."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from cyberhygiene import payloads
from cyberhygiene import store as store_mod
from cyberhygiene.channels.console import ConsoleChat
from cyberhygiene.engine import Engine
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.messages import Incoming, Reply
from cyberhygiene.store import SCHEMA_VERSION, UserPrefs, open_store
from tests.tg_harness import buttons, running_bot, text_of

ALICE = 4242


def say(engine: Engine, text: str, user: str = "u", lang: str | None = "en") -> list[Reply]:
    """The replies, less the "next two topics" one that long messages also get (tested elsewhere)."""
    replies = engine.handle(Incoming(user, text=text, language_code=lang))
    also = {engine.kb.ui["also_relevant"][code] for code in ("en", "es")}
    return [r for r in replies if r.text not in also]


def press(engine: Engine, payload: str, user: str = "u") -> list[Reply]:
    return engine.handle(Incoming(user, payload=payload))


def part(kb: KnowledgeBase, iid: str, country: str, lang: str) -> str:
    return kb.answers[iid].country[country][lang].strip()


def test_differing_answer_asks_once_with_two_buttons(engine: Engine, kb: KnowledgeBase) -> None:
    replies = say(engine, "I got a weird email asking me to confirm my bank password")
    assert len(replies) == 2, [r.text[:60] for r in replies]
    answer, ask = replies
    # unknown country: both countries' channels, the English reader's likelier one first
    us, mx = part(kb, "phishing", "us", "en"), part(kb, "phishing", "mx", "en")
    assert us in answer.text and mx in answer.text and answer.text.index(us) < answer.text.index(mx)
    assert ask.text == kb.ui["country_ask"]["en"]
    assert [c.payload for c in ask.choices] == [
        payloads.make(payloads.COUNTRY, "us", "phishing"),
        payloads.make(payloads.COUNTRY, "mx", "phishing"),
    ]
    assert engine.store.get_prefs("u").country_asked
    # never again, even for another answer that differs
    again = say(engine, "my phone was stolen what do i do")
    assert len(again) == 1 and kb.ui["country_ask"]["en"] not in again[0].text


def test_answers_that_do_not_differ_never_ask(engine: Engine, kb: KnowledgeBase) -> None:
    replies = say(engine, "how do I make a strong password")
    assert len(replies) == 1
    assert not engine.store.get_prefs("u").country_asked


def test_pressing_a_country_stores_it_and_shows_that_countrys_view(engine: Engine, kb: KnowledgeBase) -> None:
    say(engine, "me robaron el celular", lang="es")
    replies = press(engine, payloads.make(payloads.COUNTRY, "mx", "lost_device"))
    assert engine.store.get_prefs("u").country == "mx"
    assert replies[0].text.startswith("¡Listo!") and "México" in replies[0].text
    view = replies[1].text
    assert part(kb, "lost_device", "mx", "es") in view
    assert part(kb, "lost_device", "us", "es") not in view
    # the other country is one tap away
    other = payloads.make(payloads.ANSWER_FOR, "lost_device", "us")
    assert other in [c.payload for c in replies[1].choices]
    us_view = press(engine, other)[0].text
    assert (
        part(kb, "lost_device", "us", "es") in us_view and part(kb, "lost_device", "mx", "es") not in us_view
    )
    assert engine.store.get_prefs("u").country == "mx"  # looking is not moving


def test_known_country_answers_come_with_its_channels_first(engine: Engine, kb: KnowledgeBase) -> None:
    engine.store.set_country("u", "us")
    reply = say(engine, "alguien me está extorsionando por teléfono, dicen que tienen a mi hijo", lang="es")
    assert len(reply) == 1
    text = reply[0].text
    assert part(kb, "vishing", "us", "es") in text and part(kb, "vishing", "mx", "es") not in text
    assert "`911`" in text.split("\n")[0]  # the emergency still leads


def test_unknown_country_in_spanish_orders_mexico_first(engine: Engine, kb: KnowledgeBase) -> None:
    text = engine.answer("smishing", "es").text
    assert text.index(part(kb, "smishing", "mx", "es")) < text.index(part(kb, "smishing", "us", "es"))


def test_country_recognized_from_the_message(engine: Engine, kb: KnowledgeBase) -> None:
    for user, message, lang, country in (
        ("a", "im in texas", "en", "us"),
        ("b", "aquí en cdmx", "es", "mx"),
        ("c", "vivo en Monterrey", "es", "mx"),
        ("d", "estoy en Los Angeles", "es", "us"),
        ("e", "I live in Guadalajara", "en", "mx"),
    ):
        replies = say(engine, message, user=user, lang=lang)
        assert engine.store.get_prefs(user).country == country, message
        assert len(replies) == 1 and replies[0].text.startswith("📍"), (message, replies[0].text)
    # a place said in passing, without a cue, is not where the user is
    say(engine, "my mom in texas got a scam text", user="f")
    assert engine.store.get_prefs("f").country is None
    # where someone comes from, or where a call came from, is not where they are
    say(engine, "me llamaron desde mexico diciendo que son del banco", user="g", lang="es")
    assert engine.store.get_prefs("g").country is None
    say(engine, "soy de Guadalajara pero vivo en Texas", user="h", lang="es")
    assert engine.store.get_prefs("h").country == "us"
    # recognized places are not logged as unanswered questions
    assert not any("texas" in t for t, _ in engine.store.unanswered())


def test_country_with_a_question_not_understood_still_gets_the_guesses(
    engine: Engine, kb: KnowledgeBase
) -> None:
    replies = say(engine, "vivo en Monterrey y tengo una duda rarísima sobre mi tostador", lang="es")
    assert engine.store.get_prefs("u").country == "mx"
    assert replies[0].text.startswith("📍")
    assert replies[1].text in {kb.ui[k]["es"] for k in ("fallback", "did_you_mean", "out_of_scope")}


def test_country_and_question_in_one_message(engine: Engine, kb: KnowledgeBase) -> None:
    replies = say(engine, "vivo en Guadalajara y me llegó un SMS de que mi paquete está retenido", lang="es")
    assert engine.store.get_prefs("u").country == "mx"
    assert replies[0].text.startswith("📍")
    answer = replies[1].text
    assert part(kb, "smishing", "mx", "es") in answer and part(kb, "smishing", "us", "es") not in answer
    assert len(replies) == 2  # no question: the message already said where


def test_country_commands(engine: Engine, kb: KnowledgeBase) -> None:
    prompt = say(engine, "/country")[0]
    assert prompt.text == kb.ui["country_prompt"]["en"]
    assert [c.payload for c in prompt.choices] == [
        payloads.make(payloads.COUNTRY, c) for c in ("us", "mx", "xx")
    ]
    say(engine, "/pais mx")
    assert engine.store.get_prefs("u").country == "mx"
    say(engine, "/country estados unidos")
    assert engine.store.get_prefs("u").country == "us"
    assert say(engine, "/country narnia")[0].text == kb.ui["country_prompt"]["en"]
    assert engine.store.get_prefs("u").country == "us"
    press(engine, payloads.make(payloads.COUNTRY, "xx"))
    prefs = engine.store.get_prefs("u")
    assert prefs.country is None and prefs.country_asked  # unknown, and not asked again


def test_language_is_not_country(engine: Engine, kb: KnowledgeBase) -> None:
    engine.store.set_lang("u", "es", pinned=True)
    say(engine, "/pais us")
    prefs = engine.store.get_prefs("u")
    assert prefs == UserPrefs("es", True, "us", True)
    engine.store.set_lang("u", "en", pinned=True)
    assert engine.store.get_prefs("u").country == "us"


def test_forget_removes_the_country(engine: Engine) -> None:
    say(engine, "/pais mx")
    press(engine, payloads.make(payloads.FORGET, "y"))
    assert engine.store.get_prefs("u") == UserPrefs(None, False, None, False)
    assert engine.store.user_footprint("u") == 0


def test_forged_country_payloads_are_stale(engine: Engine, kb: KnowledgeBase) -> None:
    stale = kb.ui["stale_button"]["en"]
    for forged in (
        "1:c:ca",
        "1:c:us:no such",
        "1:ac:phishing:ca",
        "1:ac:nosuch:us",
        "1:mo:nosuch",
        "1:mo:passwords",
    ):
        assert press(engine, forged)[0].text == stale, forged
    assert engine.store.get_prefs("u").country is None


def test_more_button_shows_the_more_part(engine: Engine, kb: KnowledgeBase) -> None:
    reply = engine.answer("sim_swap", "en")
    more = payloads.make(payloads.MORE, "sim_swap")
    assert more in [c.payload for c in reply.choices]
    assert kb.answers["sim_swap"].more is not None
    assert "1,611" not in reply.text  # the statistic moved out of the steps
    shown = press(engine, more)[0].text
    assert shown == kb.answers["sim_swap"].more["en"].strip() and "1,611" in shown


def test_sources_in_the_readers_language(engine: Engine, kb: KnowledgeBase) -> None:
    es = engine.answer("smishing", "es", "us").plain()
    assert "https://consumidor.ftc.gov/" in es and "(en inglés)" not in es.split("Fuentes oficiales")[1]
    en = engine.answer("smishing", "en", "us").plain()
    assert "https://consumer.ftc.gov/" in en and "(in Spanish)" not in en
    assert "(in Spanish)" in engine.answer("report_mx", "en").plain()  # Mexican pages are in Spanish
    assert "(en inglés)" in engine.answer("passwords", "es").plain()
    # a country's own source is shown only with that country's part
    assert (
        "condusef.gob.mx"
        not in engine.answer(
            "bank_fraud" if "bank_fraud" in kb.answers else "identity_theft", "en", "us"
        ).text
    )


def test_migration_adds_the_country_to_an_old_database(tmp_path: Path) -> None:
    path = str(tmp_path / "old.sqlite3")
    con = sqlite3.connect(path)
    for script in store_mod.MIGRATIONS[:2]:
        con.executescript(script)
    con.execute("INSERT INTO users(user_id, lang, lang_pinned, updated_at) VALUES ('old', 'es', 1, 1.0)")
    con.execute("PRAGMA user_version = 2")
    con.commit()
    con.close()
    s = open_store(path)
    try:
        assert s.schema_version() == SCHEMA_VERSION >= 3
        assert s.get_prefs("old") == UserPrefs("es", True, None, False)
        s.set_country("old", "mx")
        assert s.get_prefs("old") == UserPrefs("es", True, "mx", True)
    finally:
        s.close()


def test_console_country_commands(engine: Engine, kb: KnowledgeBase) -> None:
    out = io.StringIO()
    ConsoleChat(engine, io.StringIO("/pais mx\nme robaron el celular\nsalir\n"), out, lang="es").run()
    text = out.getvalue()
    assert "México" in text
    assert "IMEI" in text and "USAGov" not in text.split("me robaron el celular")[-1]
    out = io.StringIO()
    ConsoleChat(engine, io.StringIO("/country us\nmy phone was stolen\n"), out, lang="en", user_id="c2").run()
    assert "USAGov" in out.getvalue()


async def test_telegram_country_question_and_buttons(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with running_bot(kb, tmp_path) as bot:
        sent = await bot.say(ALICE, "me robaron el celular en la calle", language_code="es")
        assert len(sent) == 2
        ask = [b["callback_data"] for b in buttons(sent[1])]
        assert ask == [payloads.make(payloads.COUNTRY, c, "lost_device") for c in ("us", "mx")]
        shown = await bot.press(ALICE, ask[1])
        assert bot.store.get_prefs(str(ALICE)).country == "mx"
        assert "IMEI" in text_of(shown)
        other = payloads.make(payloads.ANSWER_FOR, "lost_device", "us")
        assert other in [b.get("callback_data") for b in buttons(shown[-1])]
        us = await bot.press(ALICE, other)
        assert "USAGov" in text_of(us)
        switched = await bot.say(ALICE, "/pais")
        assert [b["callback_data"] for b in buttons(switched[0])][-1] == payloads.make(payloads.COUNTRY, "xx")
        await bot.say(ALICE, "/country us")
        assert bot.store.get_prefs(str(ALICE)).country == "us"
        spanish = [c["command"] for c in bot.fake.commands(language_code="es")]
        assert {"pais", "temas", "examen", "ayuda", "privacidad", "olvidar"} <= set(spanish)
        assert "country" in [c["command"] for c in bot.fake.commands()]
