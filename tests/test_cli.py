"""The command line, run as a user would: `python bot.py …` in a subprocess."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from cyberhygiene.channels.console import ConsoleChat
from cyberhygiene.engine import Engine
from tests.test_yaml_and_validation import Tree

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


def test_match_json_one_object_per_line_in_order(shared_engine: Engine) -> None:
    out = run("match", "--json", stdin="me hackearon el face\nwhat is phishing\nzzzz qqqq\n")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["text"] for r in rows] == ["me hackearon el face", "what is phishing", "zzzz qqqq"]
    assert set(rows[0]) == {"text", "intent", "score", "lang", "out_of_scope", "oos_score", "alternatives"}
    assert all(0.0 <= r["score"] <= 1.0 and 0.0 <= r["oos_score"] <= 1.0 for r in rows)
    assert rows[0]["score"] == rows[0]["alternatives"][0]["score"]
    assert rows[0]["intent"] == "hacked_account" and rows[0]["lang"] == "es"
    assert rows[1]["intent"] == "phishing" and rows[1]["lang"] == "en"
    assert rows[2]["intent"] is None
    assert all({"intent", "score"} == set(a) for r in rows for a in r["alternatives"])


def test_match_text_arguments(shared_engine: Engine) -> None:
    out = run("match", "how do I turn on 2fa")
    assert out.returncode == 0 and out.stdout.startswith("mfa\t")


def test_evaluate_prints_figures(tmp_path: Path, shared_engine: Engine) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "- {text: 'como hago una contra segura', intent: passwords, lang: es}\n"
        "- {text: 'what is the capital of France', intent: null, lang: en}\n",
        "utf-8",
    )
    out = run("evaluate", str(cases))
    assert out.returncode == 0, out.stderr
    assert "in-scope accuracy:      100.0%" in out.stdout
    assert "top-3:                  100.0%" in out.stdout
    assert "out-of-scope rejection: 100.0%" in out.stdout
    assert "by length:" in out.stdout and "<=8 words" in out.stdout
    as_json = json.loads(run("evaluate", str(cases), "--json").stdout)
    assert as_json["cases"] == 2 and as_json["misses"] == []
    assert as_json["per_intent"]["passwords"]["f1"] == 1.0
    assert as_json["by_length"]["<=8 words"]["cases"] == 2
    assert as_json["by_language"]["es"]["top3_accuracy"] == 1.0


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


def test_no_command_without_token_starts_console(tmp_path: Path, shared_engine: Engine) -> None:
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
    for command in ("chat", "telegram", "match", "evaluate", "validate", "train", "tune"):
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


# -- training, tuning and cross-validation on the small test tree ----------------------------------
def tree_env(tmp_path: Path) -> dict[str, str]:
    return {"MODEL_DIR": str(tmp_path / "models"), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}


def tree_args(tree: Tree) -> list[str]:
    return ["--intents", str(tree.intents), "--content", str(tree.content)]


def test_train_writes_a_model_named_by_its_data_hash(tmp_path: Path) -> None:
    tree = Tree(tmp_path / "data")
    out = run(*tree_args(tree), "train", env=tree_env(tmp_path))
    assert out.returncode == 0, out.stderr
    models = list((tmp_path / "models").glob("model-*.npz"))
    assert len(models) == 1 and models[0].name in out.stdout
    assert "trained on 2 intents" in out.stdout and "fitted in" in out.stderr


def test_start_trains_when_missing_then_starts_fast_then_retrains_when_stale(tmp_path: Path) -> None:
    """The bot's own start-up: a missing model is trained with a one-line notice and progress; a
    current one is loaded silently; after the data changes, the stale one is retrained."""
    tree = Tree(tmp_path / "data")
    env = tree_env(tmp_path)
    first = run(*tree_args(tree), "chat", stdin="my phone got stolen what now\n", env=env)
    assert first.returncode == 0, first.stderr
    notices = [line for line in first.stderr.splitlines() if "intent model" in line]
    assert len(notices) == 1 and "missing: training it now" in notices[0]
    assert "fitted in" in first.stderr and "saved" in first.stderr
    assert "Lock it remotely" in first.stdout, "the message is answered with the new model"

    second = run(*tree_args(tree), "chat", stdin="hola\n", env=env)
    assert second.returncode == 0 and "intent model" not in second.stderr, second.stderr

    tree.edit("intents/main.yaml", "my phone got stolen what now", "someone took my phone what now")
    third = run(*tree_args(tree), "chat", stdin="hola\n", env=env)
    assert third.returncode == 0, third.stderr
    assert "intent model is stale" in third.stderr and "fitted in" in third.stderr
    assert len(list((tmp_path / "models").glob("model-*.npz"))) == 2


def test_tune_prints_thresholds_checked_on_a_second_set(tmp_path: Path) -> None:
    tree = Tree(tmp_path / "data")
    tune_set = tmp_path / "tune.yaml"
    tune_set.write_text(
        "- {text: 'how can i pick a good password', intent: alpha, lang: en}\n"
        "- {text: 'someone stole my phone', intent: beta, lang: en}\n"
        "- {text: 'will it rain tomorrow', intent: null, lang: en}\n",
        "utf-8",
    )
    check_set = tmp_path / "check.yaml"
    check_set.write_text("- {text: 'robaron mi celular', intent: beta, lang: es}\n", "utf-8")
    out = run(
        *tree_args(tree), "tune", "--on", str(tune_set), "--check", str(check_set), env=tree_env(tmp_path)
    )
    assert out.returncode == 0, out.stderr
    assert re.search(
        r"best: MATCH_THRESHOLD=[0-9.]+ MATCH_MARGIN=[0-9.]+ MATCH_OOS_THRESHOLD=[0-9.]+", out.stdout
    )
    assert "tuning set: 3 cases" in out.stdout and "check set: 1 cases" in out.stdout


def test_evaluate_cross_validation(tmp_path: Path) -> None:
    tree = Tree(tmp_path / "data")
    out = run(*tree_args(tree), "evaluate", "--cv", "2", "--json", env=tree_env(tmp_path))
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    # every pattern and out-of-scope example of the tree is held out exactly once
    assert report["cases"] == 7
    assert {"top3_accuracy", "by_length", "by_language"} <= set(report)
    assert "fold 1/2" in out.stderr and "fold 2/2" in out.stderr
    text = run(*tree_args(tree), "evaluate", "--cv", "2", env=tree_env(tmp_path))
    assert "2-fold cross-validation over 7 patterns" in text.stdout
    both = run(*tree_args(tree), "evaluate", "x.yaml", "--cv", "2", env=tree_env(tmp_path))
    assert both.returncode == 2 and "FILE or --cv" in both.stderr
