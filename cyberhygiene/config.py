"""The one place that reads the environment.

Every setting has a default that works on a fresh checkout; `.env.example` lists them all.
Matching thresholds live here (not in the matcher) so they can be tuned without code changes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INTENTS_DIR = PROJECT_ROOT / "intents"
DEFAULT_CONTENT_DIR = PROJECT_ROOT / "content"
DEFAULT_DATABASE_URL = "sqlite:///cyberhygiene.sqlite3"
DEFAULT_BOT_API_URL = "https://api.telegram.org/bot"
# The phone limit: every rendered answer (each language and country view, sources and the
# checked date included) must fit in this many characters; `validate` enforces it. Override with
# the ANSWER_MAX_CHARS environment variable.
ANSWER_MAX_CHARS = 900
# Where trained intent models are kept (a build product, gitignored): see README, "Training".
DEFAULT_MODEL_DIR = PROJECT_ROOT / ".cache"


class ConfigError(ValueError):
    """A setting in the environment has a value we cannot use."""


@dataclass(frozen=True)
class MatchSettings:
    """How sure the matcher must be before it answers, asks back or declines.

    Scores are the trained model's probabilities (0-1). ``threshold``, ``margin`` and
    ``oos_threshold`` were chosen by ``python bot.py tune`` on tests/data/eval.yaml (see README,
    "Understanding messages"); re-run it after the intents change a lot.
    """

    # Probability the best intent needs to be answered directly.
    threshold: float = 0.20
    # ... and how far it must lead the runner-up; otherwise "Did you mean…?".
    margin: float = 0.10
    # Decline as out of scope when "out of scope" is the most likely class and at least this likely.
    oos_threshold: float = 0.10
    # The out-of-scope probability is multiplied by this before it is compared with the intents':
    # a prior correction tuned with the thresholds (the out-of-scope class has many more examples
    # than any intent, which inflates its probability on short in-scope messages).
    oos_weight: float = 0.6
    # A message of at most `short_words` words needs at least `short_threshold` to be answered
    # (a design rule, not tuned: "security" alone should ask back, whatever the model thinks).
    short_threshold: float = 0.5
    short_words: int = 2
    # Guesses (and next topics) below this probability are not offered as buttons.
    suggest_floor: float = 0.05
    # How many guesses "Did you mean…?" offers.
    max_suggestions: int = 3
    # An answered message of at least this many words also offers the next two topics as buttons.
    long_message_words: int = 9
    # Language detection: log-odds a message needs to decide its own language; below this the
    # user's stored preference (then Telegram's language_code, then English) is used.
    lang_min_confidence: float = 3.0
    # Once a user pinned a language with /language, a message needs stronger evidence to be
    # answered in the other language.
    lang_pinned_confidence: float = 4.0


@dataclass(frozen=True)
class Settings:
    """Runtime configuration, read once from the environment by :func:`load_settings`."""

    telegram_token: str | None = None
    bot_api_url: str = DEFAULT_BOT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    bot_username: str = "CyberHygieneBot"
    # Every rendered answer fits in this many characters (checked at start-up and by validate).
    answer_max_chars: int = ANSWER_MAX_CHARS
    match: MatchSettings = field(default_factory=MatchSettings)
    # Folder of trained intent models, one file per data hash (``MODEL_DIR``).
    model_dir: Path = DEFAULT_MODEL_DIR
    # Live group quizzes: seconds each native quiz poll stays open.
    group_quiz_seconds: int = 30
    # Trainers' live views: a session message is edited at most every `live_view_seconds` (only
    # when what it shows changed), and stops updating after `live_view_max_seconds`.
    live_view_seconds: float = 5.0
    live_view_max_seconds: float = 3 * 3600.0
    # Per-user flood protection: at most `flood_messages` typed messages and `flood_presses`
    # button presses in `flood_window` seconds (a quick quiz taker presses two buttons a question).
    flood_messages: int = 12
    flood_presses: int = 40
    flood_window: float = 20.0
    # Seconds a database write waits for another process's lock before failing (reads never wait).
    db_busy_timeout: float = 90.0
    # The bot refuses to start with less free disk space than this next to its database.
    db_min_free_mb: int = 50
    # Finished quiz attempts and unanswered-question logs older than this are purged.
    retention_days: int = 180
    # Telegram user ids (as text) who get the maintainers' /stats and /unmatched commands.
    admin_ids: frozenset[str] = frozenset()

    @property
    def database_path(self) -> str:
        """The filesystem path (or ``:memory:``) named by ``DATABASE_URL``."""
        return database_path_from_url(self.database_url)

    @property
    def bot_file_api_url(self) -> str:
        """The file URL follows from the Bot API URL (``…/bot`` → ``…/file/bot``)."""
        base = self.bot_api_url.rstrip("/")
        head, _, tail = base.rpartition("/")
        return f"{head}/file/{tail}" if head else f"{base}/file"


def database_path_from_url(url: str) -> str:
    """Turn ``sqlite:///relative.db``, ``sqlite:////abs/path.db`` or a bare path into a path."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
    elif url.startswith("sqlite://"):
        path = url[len("sqlite://") :]
    elif "://" in url:
        raise ConfigError(f"DATABASE_URL must be a sqlite:/// URL, got scheme {url.split(':')[0]!r}")
    else:
        path = url
    if not path:
        raise ConfigError("DATABASE_URL names no file")
    return path


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default, minimum=1)
    if value > 65535:
        raise ConfigError(f"{name} must be a port number (1-65535), got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"{name} must be a finite, non-negative number, got {raw!r}")
    return value


def _ids(env: Mapping[str, str], name: str) -> frozenset[str]:
    """A comma- or space-separated list of Telegram user ids (whole numbers)."""
    raw = env.get(name, "").replace(",", " ").split()
    bad = [r for r in raw if not r.lstrip("-").isdigit()]
    if bad:
        raise ConfigError(f"{name} must list Telegram user ids (whole numbers), got {bad[0]!r}")
    return frozenset(str(int(r)) for r in raw)


def _probability(env: Mapping[str, str], name: str, default: float) -> float:
    value = _float(env, name, default)
    if value > 1:
        raise ConfigError(f"{name} is a probability, from 0 to 1, got {value:g}")
    return value


def environment(dotenv_path: str | os.PathLike[str] = ".env") -> dict[str, str]:
    """``os.environ`` over the values of a ``.env`` file, if there is one (``.env.example``
    says to copy it to ``.env``). The real environment wins over the file."""
    from dotenv import dotenv_values

    values: dict[str, str] = {}
    if os.path.isfile(dotenv_path):
        values = {k: v for k, v in dotenv_values(dotenv_path).items() if v is not None}
    return {**values, **os.environ}


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read every setting from ``env`` (default: the environment and ``./.env``)."""
    env = environment() if env is None else env
    defaults = MatchSettings()
    level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {level!r}")
    settings = Settings(
        telegram_token=env.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
        bot_api_url=env.get("TELEGRAM_BOT_API_URL", "").strip() or DEFAULT_BOT_API_URL,
        database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
        log_level=level,
        webhook_url=env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None,
        webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN", "").strip() or "127.0.0.1",
        webhook_port=_port(env, "TELEGRAM_WEBHOOK_PORT", 8443),
        webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None,
        bot_username=env.get("BOT_USERNAME", "").strip().lstrip("@") or "CyberHygieneBot",
        answer_max_chars=_int(env, "ANSWER_MAX_CHARS", ANSWER_MAX_CHARS, minimum=200),
        match=MatchSettings(
            threshold=_probability(env, "MATCH_THRESHOLD", defaults.threshold),
            margin=_probability(env, "MATCH_MARGIN", defaults.margin),
            oos_threshold=_probability(env, "MATCH_OOS_THRESHOLD", defaults.oos_threshold),
            oos_weight=_float(env, "MATCH_OOS_WEIGHT", defaults.oos_weight),
            short_threshold=_probability(env, "MATCH_SHORT_THRESHOLD", defaults.short_threshold),
            short_words=_int(env, "MATCH_SHORT_WORDS", defaults.short_words, 0),
            suggest_floor=_probability(env, "MATCH_SUGGEST_FLOOR", defaults.suggest_floor),
            max_suggestions=_int(env, "MATCH_MAX_SUGGESTIONS", defaults.max_suggestions, 1),
            long_message_words=_int(env, "MATCH_LONG_MESSAGE_WORDS", defaults.long_message_words, 1),
            lang_min_confidence=_float(env, "LANG_MIN_CONFIDENCE", defaults.lang_min_confidence),
            lang_pinned_confidence=_float(env, "LANG_PINNED_CONFIDENCE", defaults.lang_pinned_confidence),
        ),
        group_quiz_seconds=_int(env, "GROUP_QUIZ_SECONDS", 30, minimum=5),
        live_view_seconds=max(1.0, _float(env, "LIVE_VIEW_SECONDS", 5.0)),
        live_view_max_seconds=_float(env, "LIVE_VIEW_MAX_SECONDS", 3 * 3600.0),
        flood_messages=_int(env, "FLOOD_MESSAGES", 12, minimum=1),
        flood_presses=_int(env, "FLOOD_PRESSES", 40, minimum=1),
        flood_window=_float(env, "FLOOD_WINDOW_SECONDS", 20.0),
        db_busy_timeout=_float(env, "DB_BUSY_TIMEOUT", 90.0),
        db_min_free_mb=_int(env, "DB_MIN_FREE_MB", 50),
        retention_days=_int(env, "RETENTION_DAYS", 180, minimum=1),
        admin_ids=_ids(env, "ADMIN_IDS"),
        model_dir=Path(env.get("MODEL_DIR", "").strip() or DEFAULT_MODEL_DIR),
    )
    database_path_from_url(settings.database_url)  # fail early on a bad URL
    return settings
