"""The maintainers' loop: `unmatched`, `stats`, `evaluate --report`, `validate --strict`, admin commands.

The database is filled by a scripted console conversation (the real ConsoleChat over the real
engine and a real SQLite file), then the command-line tools read it back.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from PIL import Image

from cyberhygiene import payloads
from cyberhygiene.channels.console import CONSOLE_USER, ConsoleChat
from cyberhygiene.cli import main
from cyberhygiene.config import ConfigError, Settings, load_settings
from cyberhygiene.engine import Engine
from cyberhygiene.evaluation import load_cases
from cyberhygiene.insights import group_unmatched
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.messages import Incoming
from cyberhygiene.store import UnansweredRow, open_store
from tests.conftest import CONTENT, INTENTS
from tests.tg_harness import running_bot, text_of

# Typed in the console, in this order. The two gibberish lines differ only in punctuation and
# case, so `unmatched` must count them as one group; the recipe and the weather are out of scope.
SCRIPT = [
    "hola",
    "me hackearon el face que hago",
    "how do i make a strong password",
    "zorblat quenching the flibber",
    "Zorblat quenching the flibber!!",
    "receta de pozole rojo para 10 personas",
    "what's the weather tomorrow in chicago",
    "/quiz basics",
]
SECRET_WORDS = ["zorblat", "flibber", "pozole", "chicago", "hackearon", "strong", "face"]


def _console(engine: Engine, lines: list[str]) -> str:
    out = io.StringIO()
    ConsoleChat(engine, io.StringIO("\n".join(lines) + "\n"), out, prompt="").run()
    return out.getvalue()


@pytest.fixture
def filled_db(kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database after one scripted console conversation, with a finished quiz."""
    db = tmp_path / "bot.sqlite3"
    store = open_store(str(db))
    engine = Engine(kb, store, Settings(flood_messages=10_000))
    _console(engine, SCRIPT)
    # finish the quiz the script started: always the first option, then "Next"
    for _ in range(len(kb.quizzes["basics"].questions)):
        attempt = store.active_attempt(CONSOLE_USER)
        assert attempt is not None
        replies = engine.handle(Incoming(CONSOLE_USER, text="/quiz"))
        option = next(c for r in replies for c in r.choices if c.payload.startswith("1:qa:"))
        after = engine.handle(Incoming(CONSOLE_USER, payload=option.payload))
        nxt = [c for r in after for c in r.choices if c.payload.startswith("1:qn:")]
        if nxt:
            engine.handle(Incoming(CONSOLE_USER, payload=nxt[0].payload))
    assert store.active_attempt(CONSOLE_USER) is None
    store.close()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    return db


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_unmatched_groups_near_identical_wordings(
    filled_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["unmatched", "--json"], capsys)
    assert code == 0
    groups = json.loads(out)
    gibberish = [g for g in groups if any("zorblat" in e.lower() for e in g["examples"])]
    assert len(gibberish) == 1 and gibberish[0]["count"] == 2
    assert groups[0] is not None and groups[0]["count"] == 2  # largest group first
    declined = [g for g in groups if g["declined"]]
    assert {e for g in declined for e in g["examples"]} >= {"receta de pozole rojo para 10 personas"}
    for g in groups:
        assert g["guess"] is None or isinstance(g["guess"], str)
        assert {"count", "last_seen", "lang", "examples", "guess_score"} <= set(g)
    # nothing answered is listed
    assert not any("strong password" in e for g in groups for e in g["examples"])

    code, text, _ = _run(["unmatched"], capsys)
    assert code == 0 and "2x" in text and "best guess" in text


def test_unmatched_filters_and_limit(filled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(["unmatched", "--json", "--lang", "es"], capsys)
    assert {g["lang"] for g in json.loads(out)} == {"es"}
    _, out, _ = _run(["unmatched", "--json", "--limit", "1"], capsys)
    assert len(json.loads(out)) == 1
    with pytest.raises(SystemExit):
        main(["unmatched", "--limit", "0"])


def test_unmatched_never_shows_what_is_past_retention(
    filled_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = time.time() - 40 * 86400
    with sqlite3.connect(filled_db) as db:
        db.execute(
            "INSERT INTO unanswered(text, lang, kind, created_at) VALUES (?, 'en', 'fallback', ?)",
            ("an ancient question about gribbles", old),
        )
    _, out, _ = _run(["unmatched", "--json", "--since", "100"], capsys)
    assert any("gribbles" in e for g in json.loads(out) for e in g["examples"])
    _, out, _ = _run(["unmatched", "--json", "--since", "10"], capsys)
    assert not any("gribbles" in e for g in json.loads(out) for e in g["examples"])
    monkeypatch.setenv("RETENTION_DAYS", "30")  # a shorter retention wins over a longer --since
    _, out, _ = _run(["unmatched", "--json", "--since", "100"], capsys)
    assert not any("gribbles" in e for g in json.loads(out) for e in g["examples"])


def test_unmatched_export_is_an_evaluation_file_to_label(
    filled_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "to_label.yaml"
    code, _, err = _run(["unmatched", "--export", str(target)], capsys)
    assert code == 0 and "written" in err
    cases, problems = load_cases(target)
    assert not cases and problems and all("not labelled yet" in p.message for p in problems)
    assert all(f"{target}:" in str(p) for p in problems)  # path:line
    labelled = target.read_text("utf-8").replace("intent: TODO", "intent: null")
    target.write_text(labelled, "utf-8")
    cases, problems = load_cases(target)
    assert not problems
    assert {c.text for c in cases} >= {
        "Zorblat quenching the flibber!!",
        "receta de pozole rojo para 10 personas",
    }
    code, out, _ = _run(["evaluate", str(target)], capsys)
    assert code == 0 and "out-of-scope rejection" in out


def test_stats_counts_the_conversation(
    filled_db: Path, kb: KnowledgeBase, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["stats", "--json"], capsys)
    assert code == 0
    s = json.loads(out)
    typed = [line for line in SCRIPT if not line.startswith("/")]
    assert s["messages"]["total"] == len(typed)
    assert s["messages"]["en"] + s["messages"]["es"] == len(typed)
    assert s["fallbacks"] + s["declined"] >= 3 and s["declined"] >= 1  # gibberish x2, pozole, weather
    assert s["fallbacks"] + s["declined"] + sum(s["answers"].values()) == len(typed)
    assert s["fallback_rate"] == pytest.approx(s["fallbacks"] / len(typed), abs=1e-3)
    assert s["quizzes"]["basics"]["started"] == 1 and s["quizzes"]["basics"]["finished"] == 1
    assert 0 <= s["quizzes"]["basics"]["average_score"] <= 100
    assert sum(d["en"] + d["es"] for d in s["per_day"]) == len(typed)
    assert len(s["per_day"]) == 30
    code, text, _ = _run(["stats"], capsys)
    assert code == 0 and f"messages: {len(typed)}" in text


def test_stats_and_usage_table_hold_no_id_and_no_text(
    filled_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _run(["stats", "--json", "--since", "365"], capsys)
    lowered = out.lower()
    assert CONSOLE_USER not in lowered
    for word in SECRET_WORDS:
        assert word not in lowered, word
    with sqlite3.connect(filled_db) as db:
        stored = " ".join(str(v) for row in db.execute("SELECT * FROM usage") for v in row).lower()
    assert stored  # the conversation was counted
    assert CONSOLE_USER not in stored and not any(w in stored for w in SECRET_WORDS)


def test_guess_buttons_count_as_did_you_mean_taken(engine: Engine) -> None:
    # vague messages: at least one of them gets "Did you mean…?" rather than an answer
    vague = ["codes", "account phone", "security stuff", "internet", "my info", "hack", "cuenta", "seguridad"]
    guesses = []
    for text in vague:
        replies = engine.handle(Incoming("u1", text=text))
        guesses = [c for r in replies for c in r.choices if c.payload.startswith(f"1:{payloads.GUESS}:")]
        if guesses:
            break
    assert guesses, "a fallback with guesses offers them as GUESS buttons"
    chosen = payloads.parse(guesses[0].payload)
    assert chosen is not None
    answer = engine.handle(Incoming("u1", payload=guesses[0].payload))
    assert answer[0].text == engine.answer(chosen.args[0], "en").text
    engine.store.flush_usage()
    rows = engine.store.usage_since("2000-01-01")
    assert ("guess_taken." + chosen.args[0]) in {key for _, key, _, _ in rows}


def test_usage_counts_survive_a_failed_flush(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.sqlite3"))
    store.count("messages.en")
    blocker = sqlite3.connect(tmp_path / "s.sqlite3", timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    store._db.execute("PRAGMA busy_timeout = 50")
    with pytest.raises(sqlite3.OperationalError):
        store.flush_usage()
    blocker.rollback()
    blocker.close()
    store.count("messages.en")
    assert [(k, n) for _, k, n, _ in store.usage_since("2000-01-01")] == [("messages.en", 2)]
    store.close()


def test_grouping_keeps_languages_apart_and_distinct_questions_apart() -> None:
    now = time.time()
    rows = [
        UnansweredRow("how do i block spam calls on android", "en", "fallback", now),
        UnansweredRow("how do I block spam calls on Android?", "en", "fallback", now + 1),
        UnansweredRow("how do i block spam calls on my android", "en", "fallback", now + 2),
        UnansweredRow("what is a good pizza place nearby", "en", "declined", now),
        UnansweredRow("how do i block spam calls on android", "es", "fallback", now),
    ]
    groups = group_unmatched(rows)
    assert sorted((g.lang, g.count) for g in groups) == [("en", 1), ("en", 3), ("es", 1)]
    assert groups[0].count == 3
    # the most frequent wording first (its latest spelling), then another wording
    assert groups[0].examples == [
        "how do I block spam calls on Android?",
        "how do i block spam calls on my android",
    ]
    assert groups[0].last_seen == now + 2


def test_evaluate_report_writes_charts_and_page(
    kb: KnowledgeBase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "\n".join(
            [
                '- {text: "how do i make a strong password", intent: passwords, lang: en}',
                '- {text: "me hackearon el whats que hago", intent: hacked_account, lang: es}',
                '- {text: "what is a <b>good</b> lasagna recipe for twelve people at a party", intent: null, lang: en}',
                '- {text: "tell me about the un norms for states", intent: passwords, lang: en}',
                '- {text: "hola", intent: greeting, lang: es}',
            ]
        )
        + "\n",
        "utf-8",
    )
    out_dir = tmp_path / "report"
    code, out, err = _run(["evaluate", str(cases), "--report", str(out_dir)], capsys)
    assert code == 0 and "in-scope accuracy" in out and "index.html" in err
    for name in ("confusion.png", "f1.png", "length.png", "confidence.png"):
        with Image.open(out_dir / name) as image:
            image.load()
            assert image.format == "PNG"
            assert image.width >= 500 and image.height >= 250, (name, image.size)
    page = (out_dir / "index.html").read_text("utf-8")
    assert "tell me about the un norms for states" in page  # a deliberate miss is listed
    assert "&lt;b&gt;good&lt;/b&gt;" in page or "lasagna" not in page  # texts are escaped
    assert all(f'src="{n}"' in page for n in ("confusion.png", "f1.png", "length.png", "confidence.png"))


def test_validate_strict_turns_warnings_into_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    intents = tmp_path / "intents"
    shutil.copytree(INTENTS, intents)
    target = intents / "accounts.yaml"
    text = target.read_text("utf-8")
    # give `mfa` a pattern that is a respelling of one of `passwords`' patterns
    text = text.replace(
        "  - id: mfa\n    patterns:\n      en:\n",
        "  - id: mfa\n    patterns:\n      en:\n        - how do i make a strong pasword\n",
        1,
    )
    target.write_text(text, "utf-8")
    base = ["--intents", str(intents), "--content", str(CONTENT), "validate"]
    code, out, _ = _run(base, capsys)
    assert code == 0 and "warning" in out and "strong pasword" in out
    code, out, _ = _run([*base, "--strict"], capsys)
    assert code == 1 and "error(s)" in out and "strong pasword" in out


def test_the_repository_data_passes_strict_validation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["validate", "--strict"], capsys)
    assert code == 0, out


def test_admin_ids_setting() -> None:
    assert load_settings({"ADMIN_IDS": "123, 456 789"}).admin_ids == frozenset({"123", "456", "789"})
    assert load_settings({}).admin_ids == frozenset()
    with pytest.raises(ConfigError, match="ADMIN_IDS"):
        load_settings({"ADMIN_IDS": "123,@alice"})


async def test_admin_commands_in_telegram(kb: KnowledgeBase, tmp_path: Path) -> None:
    admin, someone = 7001, 7002
    async with running_bot(kb, tmp_path, admin_ids=frozenset({str(admin)})) as bot:
        await bot.say(someone, "zorblat quenching the flibber", language_code="en")
        await bot.say(someone, "how do i make a strong password", language_code="en")
        bot.store.flush_usage()

        refused = text_of(await bot.say(someone, "/stats", language_code="en"))
        assert refused == text_of(await bot.say(someone, "/nosuchcommand", language_code="en"))
        assert text_of(await bot.say(someone, "/unmatched", language_code="en")) == refused

        sent = await bot.say(admin, "/stats", language_code="en")
        photos = [c for c in sent if c.method == "sendPhoto"]
        assert photos, [c.method for c in sent]
        assert "Messages: 2" in text_of(sent) or "Messages: 3" in text_of(sent)
        assert str(someone) not in text_of(sent)

        sent = await bot.say(admin, "/unmatched", language_code="en")
        assert "zorblat quenching the flibber" in text_of(sent)

        # in a group, even an admin's /stats is an unknown command
        group = -100777
        in_group = await bot.say(
            admin, "/stats@" + bot.settings.bot_username, chat_id=group, chat_type="group"
        )
        assert not [c for c in in_group if c.method == "sendPhoto"]
