"""The message checker through the engine, the console and the real Telegram stack; its privacy."""

from __future__ import annotations

import io
import logging
import sqlite3
from pathlib import Path

import pytest

from cyberhygiene import markup, payloads
from cyberhygiene.channels.console import ConsoleChat
from cyberhygiene.channels.telegram import PRIVATE_MENU
from cyberhygiene.config import Settings
from cyberhygiene.engine import Engine
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.logsafety import configure_logging
from cyberhygiene.messages import Incoming
from cyberhygiene.signals_data import SignalsError, load_or_raise, load_signals
from cyberhygiene.store import open_store
from tests.tg_harness import buttons, running_bot, text_of

ROOT = Path(__file__).resolve().parent.parent
ALICE, BETO = 2001, 2002
SCAM_EN = "USPS: your package is on hold, pay the $1.99 redelivery fee at usps-redelivery.info today"
SCAM_ES = "BBVA: tu cuenta fue bloqueada. Valida tu identidad de inmediato en bbva-mx-seguridad.com"
# Words that appear only in the scam texts, to look for in the database file and the logs.
SECRETS = ("redelivery", "bbva-mx-seguridad", "Valida tu identidad", "1.99")


def signals_data(kb: KnowledgeBase):  # type: ignore[no-untyped-def]
    return load_or_raise(kb, ROOT / "content")


def answer_ids(reply_choices: tuple) -> list[str]:  # type: ignore[type-arg]
    return [c.payload.split(":", 2)[2] for c in reply_choices if c.payload.startswith("1:a:")]


def test_check_command_forward_and_reply_in_the_engine(engine: Engine) -> None:
    ui = engine.checker.data
    # /check with the text
    [reply] = engine.handle(Incoming("u1", text=f"/check {SCAM_EN}", language_code="en"))
    assert reply.lang == "en"
    assert ui.reply("found", "en") in reply.text
    assert "usps-redelivery[.]info" in reply.plain()
    assert "package is on hold" in reply.plain()
    ids = answer_ids(reply.choices)
    assert ids[:1] == ["smishing"] and ids[-2:] == ["report_us", "report_mx"]
    # /revisar as a reply to a message (the replied-to text is checked), in Spanish
    [reply] = engine.handle(Incoming("u2", text="/revisar", reply_to_text=SCAM_ES, language_code="es"))
    assert reply.lang == "es"
    assert ui.reply("found", "es") in reply.text
    assert "cuenta fue bloqueada" in reply.plain()
    # /check alone: how to use it
    [reply] = engine.handle(Incoming("u1", text="/check"))
    assert reply.text == ui.reply("usage", "en")
    # a forwarded message is checked whatever it says, even if it looks like a command
    [reply] = engine.handle(Incoming("u1", text="/start hello grandma", forwarded=True))
    assert ui.reply("none_found", "en") in reply.text
    [reply] = engine.handle(Incoming("u1", text=SCAM_ES, forwarded=True, language_code="en"))
    assert reply.lang == "en" and ui.reply("found", "en") in reply.text
    # "is this real?" sent as a reply to a pasted message checks that message
    [reply] = engine.handle(Incoming("u2", text="es real??", reply_to_text=SCAM_EN))
    assert reply.lang == "es" and "usps-redelivery[.]info" in reply.plain()


def test_pasted_message_link_and_questions(engine: Engine, kb: KnowledgeBase) -> None:
    found_en = engine.checker.data.reply("found", "en")
    [reply] = engine.handle(Incoming("u3", text=f"Is this legit? {SCAM_EN}"))
    assert found_en in reply.text
    [reply] = engine.handle(Incoming("u3", text="¿este link es confiable? bbva-mx-seguridad.com"))
    assert reply.lang == "es" and "BBVA" in reply.plain()
    [reply] = engine.handle(Incoming("u3", text="bit.ly/3xYzAb", language_code="en"))
    assert found_en in reply.text and "bit[.]ly" in reply.plain()
    # a question about scams is still answered as a question
    replies = engine.handle(Incoming("u3", text="how do I know if a text message is a scam"))
    assert replies[0].text == engine.answer("smishing", "en").text  # answered (plus next topics)
    assert all(found_en not in r.text for r in replies)
    assert all(engine.checker.data.reply("none_found", "en") not in r.text for r in replies)


def test_country_decides_the_report_channels(kb: KnowledgeBase, engine: Engine) -> None:
    class Prefs:  # what the store will return once it keeps a country
        lang = "es"
        pinned = True
        country = "mx"

    [reply] = engine.check(Incoming("u4"), SCAM_ES, "es", Prefs())  # type: ignore[arg-type]
    data = engine.checker.data
    assert data.reply("report_mx", "es") in reply.text
    assert data.reply("report_us", "es") not in reply.text
    assert answer_ids(reply.choices)[-1] == "report_mx" and "report_us" not in answer_ids(reply.choices)


def test_checked_messages_are_never_stored_or_logged(
    kb: KnowledgeBase, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "state.sqlite3"
    store = open_store(str(db))
    engine = Engine(kb, store, Settings(flood_messages=10_000), signals=signals_data(kb))
    caplog.set_level(logging.DEBUG)
    engine.handle(Incoming("p1", text=f"/check {SCAM_EN}"))
    engine.handle(Incoming("p1", text=SCAM_ES, forwarded=True))
    engine.handle(Incoming("p1", text="/revisar", reply_to_text=SCAM_ES))
    engine.handle(Incoming("p1", text=f"es estafa? {SCAM_ES}"))
    engine.handle(Incoming("p1", text="usps-redelivery.info"))
    # pasted without asking, not matched as a question: the signs, not the unanswered log
    engine.handle(Incoming("p1", text="Valida tu identidad de inmediato, tu cuenta fue bloqueada xq zz"))
    # the control: an unanswered question IS kept (so this test can fail)
    engine.handle(Incoming("p1", text="qwzx plonk 1.99 frobnicate"))
    store.close()
    raw = db.read_bytes()
    for wal in tmp_path.glob("state.sqlite3-*"):
        raw += wal.read_bytes()
    with sqlite3.connect(db) as conn:
        rows = [r[0] for r in conn.execute("SELECT text FROM unanswered")]
    assert rows == ["qwzx plonk 1.99 frobnicate"]
    for secret in SECRETS[:3]:
        assert secret.encode() not in raw, secret
    assert not any(s in caplog.text for s in SECRETS[:3])


def test_console_check(kb: KnowledgeBase, tmp_path: Path) -> None:
    engine = Engine(kb, open_store(":memory:"), Settings(flood_messages=10_000))
    out = io.StringIO()
    stdin = io.StringIO(f"/check {SCAM_EN}\n/revisar {SCAM_ES}\n/check Hola, llego a las 5\n")
    ConsoleChat(engine, stdin, out, lang="en").run()
    text = out.getvalue()
    assert engine.checker.data.reply("found", "en").replace("**", "") in text
    assert "usps-redelivery[.]info" in text and "bbva-mx-seguridad[.]com" in text
    assert markup.to_plain(engine.checker.data.reply("none_found", "en")) in text
    assert "[1] Scam texts and chat messages" in text


# -- Telegram ---------------------------------------------------------------------------------


async def test_telegram_forward_check_reply_and_link(kb: KnowledgeBase, tmp_path: Path) -> None:
    data = signals_data(kb)
    async with running_bot(kb, tmp_path) as bot:
        # the command menus list the new commands with their descriptions
        assert ("check", "revisar") in PRIVATE_MENU
        assert any(c["command"] == "check" for c in bot.fake.commands())
        assert any(c["command"] == "revisar" for c in bot.fake.commands(language_code="es"))

        # a forwarded message (hidden sender)
        origin = bot.fake.origin_hidden_user("Banco")
        sent = await bot.say(ALICE, SCAM_ES, forward_origin=origin, language_code="en")
        assert len(sent) == 1
        html = sent[0].params["text"]
        assert "Warning signs" in html and "bbva-mx-seguridad[.]com" in html
        assert "https://bbva-mx-seguridad.com" not in html and 'href="https://bbva' not in html
        datas = [b.get("callback_data") for b in buttons(sent[0])]
        assert payloads.make(payloads.ANSWER, "report_mx") in datas
        # its buttons work
        after = await bot.press(ALICE, payloads.make(payloads.ANSWER, "report_us"))
        assert "ic3.gov" in text_of(after).lower()

        # a forwarded photo: its caption is checked
        origin = bot.fake.origin_user(777)
        sent = await bot.say(ALICE, "", caption=SCAM_EN, forward_origin=origin)
        assert "usps-redelivery[.]info" in text_of(sent)

        # /check followed by the text
        sent = await bot.say(ALICE, f"/check {SCAM_EN}")
        assert "package is on hold" in text_of(sent)

        # /revisar as a reply to a message the user pasted earlier
        await bot.say(BETO, SCAM_ES, language_code="es")
        pasted_id = bot.fake.last_user_message_id(BETO)
        sent = await bot.say(BETO, "/revisar", reply_to_message_id=pasted_id, language_code="es")
        assert "Señales de alerta" in text_of(sent) and "cuenta fue bloqueada" in text_of(sent)

        # "es real?" replying to it does the same
        sent = await bot.say(BETO, "es real?", reply_to_message_id=pasted_id, language_code="es")
        assert "Señales de alerta" in text_of(sent)

        # a pasted link on its own
        sent = await bot.say(BETO, "hxxp://paypa1[.]com/login", language_code="es")
        assert "paypa1[.]com" in text_of(sent) and "paypal[.]com" in text_of(sent)

        # a message with none of the signs: never "safe"
        sent = await bot.say(ALICE, "/check see you at 5 at the park")
        plain = markup.to_plain(data.reply("none_found", "en"))
        assert plain.split("**")[0][:40] in text_of(sent).replace("<b>", "").replace("</b>", "")
        assert "doesn't make it safe" in text_of(sent)


async def test_telegram_checks_are_not_logged_at_debug(kb: KnowledgeBase, tmp_path: Path) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogger("telegram").level)
    try:
        async with running_bot(kb, tmp_path) as bot:
            configure_logging("DEBUG", [bot.fake.token], stream)
            logging.getLogger("cyberhygiene.test").debug("capturing at DEBUG")
            await bot.say(ALICE, SCAM_ES, forward_origin=bot.fake.origin_hidden_user())
            await bot.say(ALICE, f"/check {SCAM_EN}")
            await bot.say(ALICE, "usps-redelivery.info")
            sent = await bot.say(ALICE, f"is this real? {SCAM_EN}")
            assert "usps-redelivery[.]info" in text_of(sent)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("telegram").setLevel(saved[2])
    output = stream.getvalue()
    assert "capturing at DEBUG" in output  # the log really was at DEBUG
    for secret in SECRETS:
        assert secret not in output, secret
    db = Path(bot.settings.database_path).read_bytes()
    for secret in SECRETS[:3]:
        assert secret.encode() not in db


# -- the data file ----------------------------------------------------------------------------


def test_signals_file_errors_are_reported_with_lines(tmp_path: Path, kb: KnowledgeBase) -> None:
    text = (ROOT / "content" / "scam_signals.yaml").read_text("utf-8")
    broken = text.replace("'\\b(immediately|", "'\\b((immediately|", 1)  # unbalanced (
    broken = broken.replace("{id: usps, name: USPS, names: [usps", "{id: usps, name: USPS, names: [USPS!", 1)
    broken = broken.replace("domains: [chase.com]", "domains: [https://chase.com]", 1)
    broken = broken.replace("{quote}”. Scammers add", "{quote}” {when}. Scammers add", 1)
    broken = broken.replace("  - id: link_ip\n", "  - id: link_ipx\n", 1)
    broken = broken.replace("free_mail_roles: [support,", "free_mail_roles: [Tech Support,", 1)
    path = tmp_path / "scam_signals.yaml"
    path.write_text(broken, "utf-8")
    data, problems = load_signals(path, "scam_signals.yaml")
    assert data is None
    lines = broken.splitlines()

    def line_of(needle: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if needle in line)

    shown = [str(p) for p in problems]
    pattern_line = line_of("'\\b((immediately|")
    assert any(
        s.startswith(f"scam_signals.yaml:{pattern_line}: signal urgency: pattern (en): not a valid")
        for s in shown
    ), shown
    assert any(s.startswith(f"scam_signals.yaml:{line_of('USPS!')}: brand usps: name") for s in shown), shown
    assert any(
        s.startswith(f"scam_signals.yaml:{line_of('https://chase.com]')}: brand chase: domains")
        for s in shown
    ), shown
    assert any("unknown placeholder(s) ['when']" in s for s in shown), shown
    assert any("missing the 'link_ip' signal" in s for s in shown), shown
    roles_line = line_of("free_mail_roles: [Tech Support,")
    assert (
        f"scam_signals.yaml:{roles_line}: free_mail_roles: 'Tech Support' must be one word in lower case"
        in shown
    )
    # and start-up refuses it
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "scam_signals.yaml").write_text(broken, "utf-8")
    with pytest.raises(SignalsError):
        load_or_raise(kb, tmp_path / "content")


def test_validate_and_start_up_check_the_signals_file(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    path = content / "scam_signals.yaml"
    path.write_text(
        path.read_text("utf-8").replace("topics: [vishing]", "topics: [no_such_topic]", 1), "utf-8"
    )
    run = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "--content", str(content), "validate"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert run.returncode == 1
    assert "signal callback_number: topic 'no_such_topic' is not an intent" in run.stdout
    run = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "--content", str(content), "chat"],
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert run.returncode == 1 and "refusing to start" in run.stderr


def test_the_scam_model_speaks_when_no_written_sign_fits(engine: Engine) -> None:
    """A forwarded scam in words none of the written signs describe: the model's sign, quoted and
    in the user's language, with the same advice and report channels as any other sign."""
    text = "Dear user, we noticed a problem with your billing. Kindly reply with your details to avoid interruption."
    assert engine.checker.model is not None
    [reply] = engine.handle(Incoming("u9", text=text, forwarded=True, language_code="en"))
    plain = reply.plain()
    assert engine.checker.data.reply("found", "en") in reply.text
    assert "It reads like the scam messages I know, for example “" in plain
    assert engine.checker.data.reply("what_to_do", "en") in reply.text
    [reply] = engine.handle(Incoming("u9", text=f"/revisar {text}", language_code="es"))
    assert "Se parece a los mensajes de estafa que conozco" in reply.plain()
