"""Docs and code cannot drift: commands, settings and the CI script are checked against the README."""

from __future__ import annotations

import re
from pathlib import Path

from cyberhygiene.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def readme_commands() -> list[str]:
    head = README.split("---", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", head, re.S)


def test_readme_opens_with_exactly_two_commands() -> None:
    commands = readme_commands()
    assert len(commands) == 2
    start, test = commands
    assert "bot.py" in start and "pip install" in start and "venv" in start
    assert "pytest" in test and '".[test]"' in test and "venv" in test


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert readme_commands()[1] in ci


def test_every_cli_command_is_documented() -> None:
    parser = _parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:  # type: ignore[union-attr]
        assert f"`{name}" in README, name
    for option in ("--intents", "--content", "--json", "--lang", "--webhook-url", "--listen", "--port"):
        assert option in README, option


def test_every_setting_is_documented() -> None:
    config = (ROOT / "cyberhygiene" / "config.py").read_text("utf-8")
    names = set(re.findall(r'env(?:\.get)?\(\s*"([A-Z_]+)"', config)) | set(
        re.findall(r'_(?:int|float|probability|port)\(env, "([A-Z_]+)"', config)
    )
    example = (ROOT / ".env.example").read_text("utf-8")
    assert len(names) >= 15
    for name in names:
        assert f"{name}=" in example, name
        assert name in README, name


def test_data_formats_are_documented_with_examples() -> None:
    formats = (ROOT / "docs" / "data-formats.md").read_text("utf-8")
    for key in (
        "intents:",
        "patterns:",
        "keywords:",
        "related:",
        "quiz:",
        "lexicon:",
        "out_of_scope:",
        "answers:",
        "sources:",
        "checked:",
        "ui:",
        "groups:",
    ):
        assert key in formats, key
    for key in ("pass_mark:", "questions:", "options:", "answer:", "explanation:", "source:"):
        assert key in README, key
