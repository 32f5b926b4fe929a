"""Command line: ``python bot.py [--intents DIR] [--content DIR] <command>``.

Commands (names are fixed): ``chat``, ``telegram``, ``match``, ``evaluate``, ``validate``,
``unmatched``, ``stats``, ``train``, ``tune``, ``backup``.
With no command: Telegram when ``TELEGRAM_BOT_TOKEN`` is set, else ``chat`` with a notice.
A thin layer over the library, like sqlite-utils' ``cli.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from .config import (
    DEFAULT_CONTENT_DIR,
    DEFAULT_INTENTS_DIR,
    PROJECT_ROOT,
    ConfigError,
    Settings,
    load_settings,
)
from .dbtools import DatabaseProblem
from .dbtools import check as check_database
from .knowledge import DataError, KnowledgeBase, load, load_or_raise
from .logsafety import configure_logging

logger = logging.getLogger(__name__)
EVAL_SET = PROJECT_ROOT / "tests" / "data" / "eval.yaml"
HOLDOUT_SET = PROJECT_ROOT / "tests" / "data" / "holdout.yaml"


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

    ev = sub.add_parser("evaluate", help="score the matcher on a labelled YAML file, or cross-validate it")
    ev.add_argument("file", type=Path, nargs="?", help="YAML list of {text, intent, lang}")
    ev.add_argument(
        "--cv", type=int, metavar="K", help="K-fold cross-validation over the patterns instead of a file"
    )
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    ev.add_argument("--report", type=Path, metavar="DIR", help="also write charts and an index.html into DIR")

    sub.add_parser("train", help="train the intent model from intents/ and store it in MODEL_DIR")

    tune = sub.add_parser("tune", help="choose the answer / did-you-mean / decline thresholds")
    tune.add_argument(
        "--on",
        type=Path,
        default=EVAL_SET,
        metavar="FILE",
        help="set to tune on (default: tests/data/eval.yaml)",
    )
    tune.add_argument(
        "--check",
        type=Path,
        default=HOLDOUT_SET,
        metavar="FILE",
        help="set to check the result on (default: tests/data/holdout.yaml)",
    )

    val = sub.add_parser("validate", help="check every file in intents/ and content/")
    val.add_argument("--strict", action="store_true", help="treat warnings as errors (CI does)")

    um = sub.add_parser("unmatched", help="questions the bot could not answer, grouped, largest first")
    um.add_argument("--since", type=_positive, metavar="DAYS", help="only the last DAYS days")
    um.add_argument("--lang", choices=["en", "es"], help="only this language")
    um.add_argument("--limit", type=_positive, metavar="N", help="at most N groups")
    um.add_argument("--json", action="store_true", help="print the groups as JSON")
    um.add_argument(
        "--export", type=Path, metavar="FILE", help="write the groups as an evaluation file to label"
    )

    st = sub.add_parser("stats", help="aggregate use: messages, answers, fallbacks, quizzes, sessions")
    st.add_argument("--since", type=_positive, default=30, metavar="DAYS", help="last DAYS days (30)")
    st.add_argument("--json", action="store_true", help="print as JSON")

    bk = sub.add_parser("backup", help="copy the live database to FILE (safe while the bot runs)")
    bk.add_argument("file", type=Path, help="the new backup file (must not exist)")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _refuse(report: str, count: int) -> NoReturn:
    """Stop at start-up over data files with errors: every problem, then one line."""
    print(report, file=sys.stderr)
    print(
        f"refusing to start: {count} problem(s) in the data files (run `python bot.py validate`)",
        file=sys.stderr,
    )
    raise SystemExit(1)


def _knowledge(args: argparse.Namespace) -> KnowledgeBase:
    try:
        return load_or_raise(args.intents, args.content, max_chars=_settings().answer_max_chars)
    except DataError as exc:
        _refuse(exc.report(), len(exc.problems))


def _engine(args: argparse.Namespace, settings: Settings, db_path: str | None = None):  # type: ignore[no-untyped-def]
    from .engine import Engine
    from .scam_examples import ExamplesError
    from .signals_data import SignalsError
    from .signals_data import load_or_raise as load_signals_or_raise
    from .store import open_store

    kb = _knowledge(args)
    try:
        signals = load_signals_or_raise(kb, args.content)
    except SignalsError as exc:
        _refuse(exc.report(), len(exc.problems))
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
    try:
        return Engine(kb, store, settings, signals=signals)
    except ExamplesError as exc:  # changed examples are read (and checked) to train the scam model
        _refuse(exc.report(), len(exc.problems))


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
    from .signals_data import load_for
    from .validation import near_duplicates

    kb, problems = load(args.intents, args.content, max_chars=_settings().answer_max_chars)
    _, signal_problems = load_for(kb, args.content) if args.content.is_dir() else (None, [])
    problems = problems + signal_problems
    errors = [p for p in problems if p.severity == "error"]
    if not errors:
        problems = problems + near_duplicates(kb)
    if getattr(args, "strict", False):
        problems = [dataclasses.replace(p, severity="error") for p in problems]
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
                "out_of_scope": p.out_of_scope,
                "oos_score": p.oos_score,
                "alternatives": [{"intent": i, "score": s} for i, s in p.alternatives],
            }
            print(json.dumps(obj, ensure_ascii=False), file=out)
        else:
            alts = ", ".join(f"{i} {s:.2f}" for i, s in p.alternatives)
            print(f"{p.intent or '(fallback)'}\t{p.score:.2f}\t{p.lang}\t{text}\t[{alts}]", file=out)
        out.flush()
    return 0


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_evaluate(args: argparse.Namespace, out: TextIO) -> int:
    from .evaluation import evaluate, format_report, load_cases
    from .tuning import cross_validate

    if (args.file is None) == (args.cv is None):
        print("evaluate needs a FILE or --cv K (not both)", file=sys.stderr)
        return 2
    if args.cv is not None and args.cv < 2:
        print("--cv needs at least 2 folds", file=sys.stderr)
        return 2
    engine = _engine(args, _settings(), ":memory:")
    if args.cv is not None:
        report = cross_validate(engine, args.cv, _stderr)
    else:
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
    if args.report is not None:
        from .eval_report import write_report

        page = write_report(report, args.report, args.file.name)
        print(f"report written to {page}", file=sys.stderr)
    return 0


def cmd_unmatched(args: argparse.Namespace, out: TextIO) -> int:
    from .insights import format_unmatched, unmatched

    settings = _settings()
    engine = _engine(args, settings)
    try:
        groups = unmatched(
            engine.store,
            retention_days=settings.retention_days,
            since_days=args.since,
            lang=args.lang,
            limit=args.limit,
            guess=engine.best_guess,
        )
    finally:
        engine.store.close()
    days = min(args.since or settings.retention_days, settings.retention_days)
    if args.export is not None:
        lines = [
            f"# {len(groups)} group(s) of unanswered questions from the last {days} day(s),"
            " exported by `python bot.py unmatched --export`.",
            "# Label each case: replace TODO with the intent id that should answer it, or null",
            "# for out of scope; delete cases you cannot label. Then use it with `evaluate`.",
        ]
        for g in groups:
            guess = f"{g.guess} ({g.guess_score:.2f})" if g.guess else "none"
            for example in g.examples:
                text = json.dumps(example, ensure_ascii=False)
                lines.append(
                    f"- {{text: {text}, intent: TODO, lang: {g.lang}}}  # {g.count}x, best guess: {guess}"
                )
        args.export.write_text("\n".join(lines) + "\n", "utf-8")
        print(f"{len(groups)} group(s) written to {args.export}", file=sys.stderr)
    if args.json:
        print(json.dumps([g.as_dict() for g in groups], ensure_ascii=False, indent=2), file=out)
    elif args.export is None:
        print(format_unmatched(groups, days), file=out)
    return 0


def cmd_stats(args: argparse.Namespace, out: TextIO) -> int:
    from .insights import format_stats, usage_summary
    from .store import open_store

    settings = _settings()
    store = open_store(settings.database_path)
    try:
        summary = usage_summary(store, since_days=args.since, retention_days=settings.retention_days)
    finally:
        store.close()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2), file=out)
    else:
        print(format_stats(summary), file=out)
    return 0


def cmd_train(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    import time

    from .model import model_path, save_model, train
    from .normalize import Lexicon

    start = time.perf_counter()
    kb = _knowledge(args)
    model = train(kb, Lexicon(kb.lexicon), _stderr)
    path = save_model(model, settings.model_dir)
    print(
        f"trained on {len(kb.intents)} intents in {time.perf_counter() - start:.1f} s: {path} "
        f"(data hash {model.data_hash[:16]})",
        file=out,
    )
    # the message checker's scam model too (content/scam_examples/), when it is missing or stale
    from .checker import NORMALIZER_VERSION, ScamChecker
    from .scam_examples import MODEL_PREFIX, ExamplesError, ensure_scam_model
    from .signals_data import SignalsError
    from .signals_data import load_or_raise as load_signals_or_raise

    try:
        signals = load_signals_or_raise(kb, args.content)
        if signals.examples_dir is not None:
            checker = ScamChecker(signals)
            scam = ensure_scam_model(
                signals.examples_dir, checker.fold, NORMALIZER_VERSION, settings.model_dir
            )
            if scam is not None:
                print(f"scam model: {model_path(settings.model_dir, scam.data_hash, MODEL_PREFIX)}", file=out)
    except (SignalsError, ExamplesError) as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    return 0


def cmd_tune(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from .evaluation import load_cases
    from .tuning import format_tune, tune

    sets = []
    for path in (args.on, args.check):
        cases, problems = load_cases(path)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems or not cases:
            print(f"{path}: no usable cases", file=sys.stderr)
            return 1
        sets.append(cases)
    engine = _engine(args, settings, ":memory:")
    print(format_tune(tune(engine, sets[0], sets[1])), file=out)
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
            engine.store,  # the intake journal shares the bot's database
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
    if args.command == "unmatched":
        return cmd_unmatched(args, sys.stdout)
    if args.command == "stats":
        return cmd_stats(args, sys.stdout)
    if args.command == "train":
        return cmd_train(args, settings, sys.stdout)
    if args.command == "tune":
        return cmd_tune(args, settings, sys.stdout)
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
