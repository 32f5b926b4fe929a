"""The command line, run as a user would: `python bot.py …` in a subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from cyberhygiene.channels.console import ConsoleChat
from cyberhygiene.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


def run(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**base, **(env or {})},
        timeout=120,
    )


def test_match_json_one_object_per_line_in_order() -> None:
    out = run("match", "--json", stdin="me hackearon el face\nwhat is phishing\nzzzz qqqq\n")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["text"] for r in rows] == ["me hackearon el face", "what is phishing", "zzzz qqqq"]
    assert set(rows[0]) == {"text", "intent", "score", "lang", "alternatives"}
    assert rows[0]["intent"] == "hacked_account" and rows[0]["lang"] == "es"
    assert rows[1]["intent"] == "phishing" and rows[1]["lang"] == "en"
    assert rows[2]["intent"] is None
    assert all({"intent", "score"} == set(a) for r in rows for a in r["alternatives"])


def test_match_text_arguments() -> None:
    out = run("match", "how do I turn on 2fa")
    assert out.returncode == 0 and out.stdout.startswith("mfa\t")


def test_evaluate_prints_figures(tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "- {text: 'como hago una contra segura', intent: passwords, lang: es}\n"
        "- {text: 'what is the capital of France', intent: null, lang: en}\n",
        "utf-8",
    )
    out = run("evaluate", str(cases))
    assert out.returncode == 0, out.stderr
    assert "in-scope accuracy:      100.0%" in out.stdout
    assert "out-of-scope rejection: 100.0%" in out.stdout
    as_json = json.loads(run("evaluate", str(cases), "--json").stdout)
    assert as_json["cases"] == 2 and as_json["misses"] == []
    assert as_json["per_intent"]["passwords"]["f1"] == 1.0


def test_validate_ok_and_broken(tmp_path: Path) -> None:
    ok = run("validate")
    assert ok.returncode == 0 and ok.stdout.strip().splitlines()[-1].startswith("ok:")
    intents = tmp_path / "intents"
    intents.mkdir()
    (intents / "bad.yaml").write_text("intents:\n  - id: x\n    patterns: {en: [a, b\n", "utf-8")
    bad = run("--intents", str(intents), "validate")
    assert bad.returncode == 1
    assert "bad.yaml:" in bad.stdout and "YAML syntax error" in bad.stdout


def test_refuses_to_start_on_invalid_data(tmp_path: Path) -> None:
    intents = tmp_path / "intents"
    intents.mkdir()
    (intents / "x.yaml").write_text("intents: 5\n", "utf-8")
    out = run("--intents", str(intents), "chat", stdin="hola\n")
    assert out.returncode == 1
    assert "x.yaml:1: intents must be a list" in out.stderr and "refusing to start" in out.stderr


def test_no_command_without_token_starts_console(tmp_path: Path) -> None:
    out = run(stdin="hola\nquit\n", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}"}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "TELEGRAM_BOT_TOKEN is not set" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert "Cyber Hygiene Bot" in out.stdout and "¡Hola" in out.stdout
    assert (tmp_path / "c.sqlite3").exists(), "state lives in a real SQLite file"


def test_module_entry_point_and_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "cyberhygiene", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0
    for command in ("chat", "telegram", "match", "evaluate", "validate"):
        assert command in out.stdout


def test_telegram_without_token_explains() -> None:
    out = run("telegram")
    assert out.returncode == 2 and "@BotFather" in out.stderr


def test_console_numbers_press_choices_and_ctrl_d(engine: Engine) -> None:
    out = io.StringIO()
    # welcome shows [1] Topics; "1" opens the menu; "1" again opens the first group; EOF ends
    code = ConsoleChat(engine, io.StringIO("1\n1\n"), out, lang="en").run()
    text = out.getvalue()
    assert code == 0
    assert "[1] 📚 Topics" in text
    assert engine.kb.ui["topics_intro"]["en"].replace("**", "") in text
    first = engine.kb.topics[0].title["en"]
    assert f"{first}: pick a topic" in text


def test_console_spanish_conversation(engine: Engine) -> None:
    out = io.StringIO()
    ConsoleChat(
        engine, io.StringIO("me llego un mensaje de que mi paquete esta retenido\nsalir\n"), out
    ).run()
    text = out.getvalue()
    assert "7726" in text and "Fuentes oficiales" in text
