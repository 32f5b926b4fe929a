"""Settings from the environment, and logging that never prints the bot token."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from cyberhygiene.config import (
    DEFAULT_BOT_API_URL,
    DEFAULT_DATABASE_URL,
    ConfigError,
    MatchSettings,
    Settings,
    database_path_from_url,
    load_settings,
)
from cyberhygiene.logsafety import REDACTED, RedactingFilter, configure_logging, redact

# -- settings -------------------------------------------------------------------------------


def test_defaults_from_an_empty_environment() -> None:
    s = load_settings({})
    assert s == Settings()
    assert s.telegram_token is None
    assert s.bot_api_url == DEFAULT_BOT_API_URL == "https://api.telegram.org/bot"
    assert s.bot_file_api_url == "https://api.telegram.org/file/bot"
    assert s.database_url == DEFAULT_DATABASE_URL
    assert s.database_path == "cyberhygiene.sqlite3"
    assert s.log_level == "INFO"
    assert s.webhook_url is None and s.webhook_secret is None
    assert (s.webhook_listen, s.webhook_port) == ("127.0.0.1", 8443)
    assert s.bot_username == "CyberHygieneBot"
    assert s.match == MatchSettings()
    assert s.retention_days >= 1 and s.group_quiz_seconds >= 5 and s.flood_messages >= 1


def test_blank_values_mean_default() -> None:
    env = {
        name: "   "
        for name in (
            "TELEGRAM_BOT_TOKEN",
            "DATABASE_URL",
            "LOG_LEVEL",
            "MATCH_THRESHOLD",
            "TELEGRAM_WEBHOOK_PORT",
        )
    }
    assert load_settings(env) == Settings()


def test_values_are_read_and_trimmed() -> None:
    s = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": " 123456:abcdef ",
            "LOG_LEVEL": "debug",
            "MATCH_THRESHOLD": "0.425",
            "MATCH_OOS_THRESHOLD": "1",
            "MATCH_MAX_SUGGESTIONS": "5",
            "MODEL_DIR": " /srv/models ",
            "TELEGRAM_WEBHOOK_PORT": "8080",
            "BOT_USERNAME": "@MyTestBot",
            "RETENTION_DAYS": "30",
        }
    )
    assert s.telegram_token == "123456:abcdef"
    assert s.log_level == "DEBUG"
    assert s.match.threshold == 0.425
    assert s.match.oos_threshold == 1.0
    assert s.match.max_suggestions == 5
    assert s.model_dir == Path("/srv/models")
    assert s.match.margin == MatchSettings().margin  # untouched
    assert s.webhook_port == 8080
    assert s.bot_username == "MyTestBot"
    assert s.retention_days == 30


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from_env.db")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    s = load_settings()
    assert s.database_path == "from_env.db"
    assert s.log_level == "WARNING"


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///rel.db", "rel.db"),
        ("sqlite:///data/state.sqlite3", "data/state.sqlite3"),
        ("sqlite:////abs/x.db", "/abs/x.db"),
        ("sqlite:///:memory:", ":memory:"),
        ("state.db", "state.db"),
        ("/var/lib/bot/state.db", "/var/lib/bot/state.db"),
    ],
)
def test_database_url_forms(url: str, path: str) -> None:
    assert database_path_from_url(url) == path
    assert load_settings({"DATABASE_URL": url}).database_path == path


@pytest.mark.parametrize("url", ["postgres://user@host/db", "mysql://x/y", "https://example.com/db"])
def test_database_url_bad_scheme(url: str) -> None:
    scheme = url.split(":")[0]
    with pytest.raises(ConfigError, match=f"'{scheme}'"):
        load_settings({"DATABASE_URL": url})


def test_database_url_without_a_file() -> None:
    with pytest.raises(ConfigError, match="names no file"):
        database_path_from_url("sqlite:///")


@pytest.mark.parametrize("level", ["verbose", "TRACE", "5", "info,debug"])
def test_bad_log_level(level: str) -> None:
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        load_settings({"LOG_LEVEL": level})


@pytest.mark.parametrize("level", ["debug", "Info", "WARNING", "error", "CRITICAL"])
def test_good_log_levels(level: str) -> None:
    assert load_settings({"LOG_LEVEL": level}).log_level == level.upper()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MATCH_THRESHOLD", "high"),
        ("MATCH_THRESHOLD", "30%"),
        ("MATCH_MARGIN", "one"),
        ("MATCH_THRESHOLD", "42.5"),  # probabilities: 0-1
        ("MATCH_OOS_THRESHOLD", "1.5"),
        ("MATCH_LONG_MESSAGE_WORDS", "0"),
        ("FLOOD_WINDOW_SECONDS", "20s"),
        ("TELEGRAM_WEBHOOK_PORT", "eighty"),
        ("TELEGRAM_WEBHOOK_PORT", "0"),
        ("MATCH_MAX_SUGGESTIONS", "0"),
        ("GROUP_QUIZ_SECONDS", "4"),
        ("RETENTION_DAYS", "2.5"),
        ("FLOOD_MESSAGES", "-1"),
    ],
)
def test_bad_numbers_raise_config_error(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({name: value})
    assert name in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_non_finite_threshold_is_refused(value: str) -> None:
    with pytest.raises(ConfigError):
        load_settings({"MATCH_THRESHOLD": value})


@pytest.mark.parametrize(
    ("api", "files"),
    [
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
        ("http://127.0.0.1:8081/bot/", "http://127.0.0.1:8081/file/bot"),
        ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
        ("https://proxy.example.com/tg/bot", "https://proxy.example.com/tg/file/bot"),
    ],
)
def test_bot_file_api_url_follows_the_bot_api_url(api: str, files: str) -> None:
    s = load_settings({"TELEGRAM_BOT_API_URL": api})
    assert s.bot_api_url == api
    assert s.bot_file_api_url == files


# -- logging ----------------------------------------------------------------------------------

TOKEN = "7123456789:AAHk3v-TestTokenDoNotUse_0123456789abc"
OTHER_TOKEN = "5550001112:ZZOtherShapedToken_abcdefghijklmnop"  # never configured as a secret
WEBHOOK_SECRET = "wh-secret-9f8e7d6c"


def _ours(handler: logging.Handler) -> bool:
    """Handlers not installed by pytest's logging plugin (which manages its own per phase)."""
    return not type(handler).__module__.startswith("_pytest")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Undo configure_logging: root handlers and level, and the httpx/httpcore levels."""
    root = logging.getLogger()
    handlers, level = [h for h in root.handlers if _ours(h)], root.level
    noisy = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "cyberhygiene.test")}
    yield
    for h in list(root.handlers):
        if _ours(h):
            root.removeHandler(h)
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)
    for name, lvl in noisy.items():
        logging.getLogger(name).setLevel(lvl)


@pytest.fixture
def output(restore_logging: None) -> io.StringIO:
    stream = io.StringIO()
    configure_logging(level="DEBUG", secrets=[TOKEN, WEBHOOK_SECRET, ""], stream=stream)
    return stream


LOG = logging.getLogger("cyberhygiene.test")


def _assert_clean(text: str) -> None:
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text  # not even the secret half
    assert REDACTED in text


def test_token_in_the_message(output: io.StringIO) -> None:
    LOG.info(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage")
    text = output.getvalue()
    _assert_clean(text)
    assert "https://api.telegram.org/bot[REDACTED]/sendMessage" in text
    assert " INFO cyberhygiene.test: " in text


def test_token_in_percent_args(output: io.StringIO) -> None:
    LOG.debug("HTTP Request: %s %s %r", "POST", f"https://api.telegram.org/bot{TOKEN}/getMe", {"t": TOKEN})
    text = output.getvalue()
    _assert_clean(text)
    assert "HTTP Request: POST https://api.telegram.org/bot[REDACTED]/getMe" in text


def test_token_in_an_exception_message(output: io.StringIO) -> None:
    try:
        raise RuntimeError(f"connection to https://api.telegram.org/bot{TOKEN}/getUpdates failed")
    except RuntimeError:
        LOG.exception("polling failed")
    try:
        raise ValueError(TOKEN)
    except ValueError:
        LOG.error("again", exc_info=True)
    text = output.getvalue()
    _assert_clean(text)
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: connection to https://api.telegram.org/bot[REDACTED]/getUpdates failed" in text
    assert "ValueError: [REDACTED]" in text


def test_token_in_a_chained_exception(output: io.StringIO) -> None:
    try:
        try:
            raise KeyError(TOKEN)
        except KeyError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError:
        LOG.warning("boom", exc_info=True)
    text = output.getvalue()
    _assert_clean(text)
    assert "The above exception was the direct cause" in text


def test_token_in_the_traceback_file_names(output: io.StringIO) -> None:
    # a traceback line naming a file whose path contains the token (e.g. a URL-ish name)
    code = compile(
        "def fail():\n    raise OSError('nope')\nfail()\n",
        f"https://api.telegram.org/bot{TOKEN}/x.py",
        "exec",
    )
    try:
        exec(code, {})
    except OSError:
        LOG.error("failed", exc_info=True)
    _assert_clean(output.getvalue())


def test_token_in_stack_info(output: io.StringIO) -> None:
    code = compile("log.info('where am I', stack_info=True)\n", f"<bot{TOKEN}>", "exec")
    exec(code, {"log": LOG})
    text = output.getvalue()
    _assert_clean(text)
    assert "Stack (most recent call last)" in text
    assert "where am I" in text


def test_token_in_a_non_string_message(output: io.StringIO) -> None:
    LOG.info(RuntimeError(f"bad token {TOKEN}"))
    LOG.info({"url": f"https://api.telegram.org/bot{TOKEN}/getMe"})
    _assert_clean(output.getvalue())


def test_token_shaped_strings_are_redacted_even_if_not_configured(output: io.StringIO) -> None:
    LOG.warning("leaked %s", OTHER_TOKEN)
    text = output.getvalue()
    assert OTHER_TOKEN not in text
    assert "leaked [REDACTED]" in text


def test_other_configured_secrets_are_redacted(output: io.StringIO) -> None:
    LOG.info("webhook secret header was %s", WEBHOOK_SECRET)
    text = output.getvalue()
    assert WEBHOOK_SECRET not in text
    assert "webhook secret header was [REDACTED]" in text


def test_ordinary_text_is_untouched(output: io.StringIO) -> None:
    LOG.info("user %s chose %d of %s (ratio 12:30)", "4242", 3, "basics")
    assert "user 4242 chose 3 of basics (ratio 12:30)" in output.getvalue()
    assert REDACTED not in output.getvalue()


def test_broken_format_string_still_logs(output: io.StringIO) -> None:
    LOG.info("two %s %s but one arg " + TOKEN, "x")
    text = output.getvalue()
    _assert_clean(text)
    assert "two %s %s but one arg" in text


def test_noisy_http_loggers_are_set_to_warning(restore_logging: None) -> None:
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    logging.getLogger("httpcore").setLevel(logging.DEBUG)
    stream = io.StringIO()
    configure_logging(level="DEBUG", secrets=[TOKEN], stream=stream)
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger("httpcore").level == logging.WARNING
    logging.getLogger("httpx").info(f"HTTP Request: POST https://api.telegram.org/bot{TOKEN}/getMe")
    assert stream.getvalue() == ""
    logging.getLogger("httpx").warning(f"retrying https://api.telegram.org/bot{TOKEN}/getMe")
    _assert_clean(stream.getvalue())


def test_configure_logging_replaces_root_handlers_and_sets_level(restore_logging: None) -> None:
    root = logging.getLogger()
    first = configure_logging(level="INFO", stream=io.StringIO())
    second = configure_logging(level="ERROR", stream=io.StringIO())
    assert root.handlers == [second]  # pytest's capture handlers are removed too, restored later
    assert first not in root.handlers
    assert root.level == logging.ERROR
    assert any(isinstance(f, RedactingFilter) for f in second.filters)


def test_redact_function() -> None:
    assert redact(f"a {TOKEN} b", [TOKEN]) == "a [REDACTED] b"
    assert redact(f"a {OTHER_TOKEN} b") == "a [REDACTED] b"
    assert redact("x secret y", ["secret", ""]) == "x [REDACTED] y"
    assert redact("12345:short") == "12345:short"  # too short to be a token
