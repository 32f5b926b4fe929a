"""Command line: ``python bot.py [--intents DIR] [--content DIR] <command>``.

Commands (names are fixed): ``chat``, ``telegram``, ``match``, ``evaluate``, ``validate``,
``backup``.
With no command: Telegram when ``TELEGRAM_BOT_TOKEN`` is set, else ``chat`` with a notice.
A thin layer over the library, like sqlite-utils' ``cli.py``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .config import DEFAULT_CONTENT_DIR, DEFAULT_INTENTS_DIR, ConfigError, Settings, load_settings
from .dbtools import DatabaseProblem
from .dbtools import check as check_database
from .knowledge import DataError, load, load_or_raise
from .logsafety import configure_logging

logger = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bot.py",
        description="Cyber Hygiene Bot: a bilingual (English / Spanish) cyber-hygiene chatbot.",
    )
    parser.add_argument(
        "--intents",
        type=Path,
        default=DEFAULT_INTENTS_DIR,
        metavar="DIR",
        help="folder of intent YAML files (default: intents/)",
    )
    parser.add_argument(
        "--content",
        type=Path,
        default=DEFAULT_CONTENT_DIR,
        metavar="DIR",
        help="folder of answers, UI strings and quizzes (default: content/)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    chat = sub.add_parser("chat", help="chat with the bot in this terminal")
    chat.add_argument("--lang", choices=["en", "es"], help="answer in this language")

    tg = sub.add_parser("telegram", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    tg.add_argument(
        "--webhook-url", help="public HTTPS URL Telegram should post updates to (default: polling)"
    )
    tg.add_argument("--listen", help="address the webhook server listens on (default 127.0.0.1)")
    tg.add_argument("--port", type=int, help="port the webhook server listens on (default 8443)")

    match = sub.add_parser("match", help="show which intent messages match")
    match.add_argument("text", nargs="*", help="messages (default: one per line on stdin)")
    match.add_argument("--json", action="store_true", help="one JSON object per message")

    ev = sub.add_parser("evaluate", help="score the matcher on a labelled YAML file")
    ev.add_argument("file", type=Path, help="YAML list of {text, intent, lang}")
    ev.add_argument("--json", action="store_true", help="print the report as JSON")

    sub.add_parser("validate", help="check every file in intents/ and content/")

    bk = sub.add_parser("backup", help="copy the live database to FILE (safe while the bot runs)")
    bk.add_argument("file", type=Path, help="the new backup file (must not exist)")
    return parser


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _engine(args: argparse.Namespace, settings: Settings, db_path: str | None = None):  # type: ignore[no-untyped-def]
    from .engine import Engine
    from .store import open_store

    try:
        kb = load_or_raise(args.intents, args.content)
    except DataError as exc:
        print(exc.report(), file=sys.stderr)
        print(
            f"refusing to start: {len(exc.problems)} problem(s) in the data files (run `python bot.py validate`)",
            file=sys.stderr,
        )
        raise SystemExit(1) from None
    path = db_path or settings.database_path
    try:
        check_database(path, settings.db_min_free_mb)
        store = open_store(path, settings.db_busy_timeout)
    except DatabaseProblem as exc:
        print(f"refusing to start: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except (sqlite3.Error, OSError, RuntimeError) as exc:
        print(f"refusing to start: database {path}: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    return Engine(kb, store, settings)


def cmd_backup(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from .dbtools import backup

    try:
        pages = backup(settings.database_path, str(args.file))
    except DatabaseProblem as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {settings.database_path} to {args.file} ({pages} pages, quick_check ok)", file=out)
    return 0


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    from .validation import near_duplicates

    kb, problems = load(args.intents, args.content)
    errors = [p for p in problems if p.severity == "error"]
    if not errors:
        problems = problems + near_duplicates(kb, _settings().match.threshold)
    for problem in sorted(problems):
        print(problem, file=out)
    errors = [p for p in problems if p.severity == "error"]
    warnings = len(problems) - len(errors)
    if errors:
        print(f"{len(errors)} error(s), {warnings} warning(s)", file=out)
        return 1
    n_patterns = sum(len(p) for i in kb.intents.values() for p in i.patterns.values())
    print(
        f"ok: {len(kb.intents)} intents, {n_patterns} patterns, {len(kb.answers)} answers, "
        f"{len(kb.quizzes)} quizzes, {len(kb.ui)} UI strings, {warnings} warning(s)",
        file=out,
    )
    return 0


def cmd_match(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from .evaluation import predict

    engine = _engine(args, _settings(), ":memory:")
    texts = args.text if args.text else (line.rstrip("\n") for line in stdin)
    for text in texts:
        p = predict(engine, text)
        if args.json:
            obj = {
                "text": text,
                "intent": p.intent,
                "score": p.score,
                "lang": p.lang,
                "alternatives": [{"intent": i, "score": s} for i, s in p.alternatives],
            }
            print(json.dumps(obj, ensure_ascii=False), file=out)
        else:
            alts = ", ".join(f"{i} {s:.0f}" for i, s in p.alternatives)
            print(f"{p.intent or '(fallback)'}\t{p.score:.0f}\t{p.lang}\t{text}\t[{alts}]", file=out)
        out.flush()
    return 0


def cmd_evaluate(args: argparse.Namespace, out: TextIO) -> int:
    from .evaluation import evaluate, format_report, load_cases

    engine = _engine(args, _settings(), ":memory:")
    cases, problems = load_cases(args.file)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems and not cases:
        return 1
    report = evaluate(engine, cases)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2), file=out)
    else:
        print(format_report(report), file=out)
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from .channels.console import ConsoleChat

    engine = _engine(args, settings)
    try:
        return ConsoleChat(engine, sys.stdin, sys.stdout, lang=getattr(args, "lang", None)).run()
    except KeyboardInterrupt:
        print()
        return 0
    finally:
        engine.store.close()


def cmd_telegram(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.telegram_token:
        print(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and export its token (see README).",
            file=sys.stderr,
        )
        return 2
    from .channels.telegram import run_bot

    engine = _engine(args, settings)
    try:
        return run_bot(
            engine,
            settings,
            webhook_url=getattr(args, "webhook_url", None) or settings.webhook_url,
            listen=getattr(args, "listen", None) or settings.webhook_listen,
            port=getattr(args, "port", None) or settings.webhook_port,
        )
    finally:
        engine.store.close()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `python bot.py evaluate … | head`: the reader left, not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = _settings()
    secrets = [s for s in (settings.telegram_token, settings.webhook_secret) if s]
    runs_telegram = args.command == "telegram" or (args.command is None and settings.telegram_token)
    # In a console chat, log lines would interleave with the conversation: warnings only.
    configure_logging(settings.log_level if runs_telegram else "WARNING", secrets)
    if args.command == "validate":
        return cmd_validate(args, sys.stdout)
    if args.command == "match":
        return cmd_match(args, sys.stdout, sys.stdin)
    if args.command == "evaluate":
        return cmd_evaluate(args, sys.stdout)
    if args.command == "chat":
        return cmd_chat(args, settings)
    if args.command == "backup":
        return cmd_backup(args, settings, sys.stdout)
    if args.command == "telegram" or (args.command is None and settings.telegram_token):
        return cmd_telegram(args, settings)
    print(
        "TELEGRAM_BOT_TOKEN is not set: starting a console chat (Ctrl-D or 'quit' to leave).", file=sys.stderr
    )
    return cmd_chat(args, settings)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
