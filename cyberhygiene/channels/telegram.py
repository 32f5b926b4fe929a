"""The Telegram channel: a python-telegram-bot 22.x application driving the engine.

The only module that imports ``telegram``. It translates updates into :class:`Incoming`, hands
them to the engine, and sends the engine's replies back as HTML messages with inline keyboards,
photos, documents or native quiz polls. The dialog itself lives in the engine; nothing here
decides what to say.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import functools
import json
import logging
import os
import secrets
import signal
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import httpx

# Read RetryAfter.retry_after and Poll.open_period as timedeltas (PTB 22's forward-compatible
# mode); without it PTB warns on every 429, and our test suite turns warnings into errors.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputFile,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    ExtBot,
    InlineQueryHandler,
    MessageHandler,
    PollAnswerHandler,
    filters,
)
from telegram.request import HTTPXRequest

from .. import markup
from ..config import Settings
from ..engine import Engine
from ..intake import Intake
from ..logsafety import register_secret
from ..messages import BOT_ADDED, BOT_REMOVED, Choice, Incoming, LiveUpdate, PollAnswer, Reply
from ..store import Store, UserPrefs
from . import webhook

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Command menus per scope: (command shown in English, in Spanish). The Spanish names are
# aliases the engine understands (engine.COMMAND_ALIASES); descriptions are UI strings
# ``command_<English name>`` (content/ui.yaml).
PRIVATE_MENU: tuple[tuple[str, str], ...] = (
    ("start", "start"),
    ("help", "ayuda"),
    ("topics", "temas"),
    ("check", "revisar"),
    ("quiz", "examen"),
    ("language", "idioma"),
    ("country", "pais"),
    ("privacy", "privacidad"),
    ("forget", "olvidar"),
    ("cancel", "cancelar"),
    ("join", "unirse"),
    ("newsession", "nuevasesion"),
    ("adapt", "adaptar"),
    ("sessions", "sesiones"),
    ("results", "resultados"),
    ("export", "exportar"),
    ("close", "cerrar"),
)
GROUP_MENU: tuple[tuple[str, str], ...] = (("quiz", "examen"), ("help", "ayuda"), ("topics", "temas"))
GROUP_ADMIN_MENU: tuple[tuple[str, str], ...] = (*GROUP_MENU, ("stopquiz", "detenerquiz"))
SEND_ATTEMPTS = 5  # transient failures (5xx, timeouts, resets) are retried this many times
BACKOFF_BASE = 0.5
RATE_LIMIT_RETRIES = 3  # AIORateLimiter waits out this many 429s per request
CHUNK_LIMIT = 4000  # keep each message comfortably under Telegram's 4096
SHORT_LABEL = 20
READ_TIMEOUT = 30.0
# Engine calls run in threads. A thread waiting on a locked database only sleeps, and one user's
# updates never run two at a time, so this bounds how many *users* can wait on a lock at once
# while everybody else is still answered.
ENGINE_THREADS = 32
MAX_CONCURRENT_UPDATES = 256  # updates being handled at once, across users
PURGE_EVERY = 24 * 3600.0  # seconds between retention purges
LONG_POLL = 10  # seconds a getUpdates call waits for news
CONFLICT_GRACE = 5.0  # a poller that ran this long before a 409 is the old one: it keeps going
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
TYPING_AFTER = 0.3  # seconds the engine may take before the chat shows "typing…"
TOAST_LIMIT = 200  # answerCallbackQuery text
ADMIN_CACHE_SECONDS = 60.0
# The update types the handlers below use, and only those: Telegram keeps the rest (edited
# messages, channel posts, chat_member…) from us, so they are never fetched nor journaled.
ALLOWED_UPDATES: tuple[str, ...] = (
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
    Update.POLL_ANSWER,
    Update.MY_CHAT_MEMBER,
)
NOT_MODIFIED = "message is not modified"  # Telegram's answer to an edit that changes nothing


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Different users concurrently, one user's updates strictly in order.

    A user's waiting updates hold no shared slot: PTB's own semaphore (taken before
    :meth:`do_process_update`) is made large enough never to bind, and the real limit on
    concurrent updates is taken only once an update's turn for its user has come. So one user's
    burst of 600 button presses waits in that user's line and never delays anyone else.
    ``on_done`` is told each update that was handled (the intake journal records it).
    """

    def __init__(
        self,
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
        on_done: Callable[[object], None] | None = None,
    ) -> None:
        super().__init__(1_000_000)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = defaultdict(int)
        self.on_done = on_done

    @staticmethod
    def key(update: object) -> int | None:
        if isinstance(update, Update):
            if update.effective_user is not None:
                return update.effective_user.id
            if update.effective_chat is not None:
                return update.effective_chat.id
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self.key(update)
        if key is None:
            async with self._slots:
                await coroutine
            self._done(update)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] += 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                del self._waiting[key]
                self._locks.pop(key, None)
        self._done(update)

    def _done(self, update: object) -> None:
        if self.on_done is not None:
            self.on_done(update)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


class DurableBot(ExtBot[Any]):
    """The bot, with ``getUpdates`` confirming only updates already in the intake journal.

    PTB confirms what it fetched with the next call's offset. Here the offset comes from
    :meth:`Intake.offset`, so an update Telegram forgets is always on disk. Re-delivered updates
    (fetched again while not yet confirmed) are dropped. After a 409 Conflict that stopped this
    instance, no more calls are made.
    """

    # Underscored: PTB freezes a bot's public attributes after construction.
    _intake: Intake | None = None
    _halted: bool = False

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: Any = None,
        allowed_updates: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> tuple[Update, ...]:
        if self._halted:
            return ()
        intake = self._intake
        if intake is None:
            return await super().get_updates(offset, limit, timeout, allowed_updates, **kwargs)
        updates = await super().get_updates(intake.offset(), limit, timeout, allowed_updates, **kwargs)
        fresh = set(intake.accept([(u.update_id, u.to_json()) for u in updates]))
        if not fresh and intake.unstored:
            # Telegram hands back what is not confirmed yet: don't spin while the journal
            # catches up (a locked database), but keep looking for news twice a second.
            await intake.wait_progress(0.5)
        return tuple(u for u in updates if u.update_id in fresh)


def keyboard(choices: Sequence[Choice]) -> InlineKeyboardMarkup | None:
    """Inline buttons: two per row when both labels are short, else one per row."""
    if not choices:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    for choice in choices:
        if choice.url:
            button = InlineKeyboardButton(choice.label, url=choice.url)
        elif choice.share:
            button = InlineKeyboardButton(choice.label, switch_inline_query=choice.share)
        else:
            button = InlineKeyboardButton(choice.label, callback_data=choice.payload)
        if (
            rows
            and len(rows[-1]) == 1
            and len(choice.label) <= SHORT_LABEL
            and len(rows[-1][0].text) <= SHORT_LABEL
        ):
            rows[-1].append(button)
        else:
            rows.append([button])
    return InlineKeyboardMarkup(rows)


def chunks(text: str, limit: int = CHUNK_LIMIT) -> list[str]:
    """Split markup on line boundaries so every piece renders under ``limit`` characters."""
    if markup.plain_length(text) <= limit:
        return [text]
    pieces: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        candidate = "\n".join([*current, line])
        if current and markup.plain_length(candidate) > limit:
            pieces.append("\n".join(current))
            current = [line]
        else:
            current.append(line)
    if current:
        pieces.append("\n".join(current))
    out: list[str] = []
    for piece in pieces:
        out.extend(_cut_line(piece, limit) if markup.plain_length(piece) > limit else [piece])
    return [p for p in out if p.strip()]


def _cut_line(line: str, limit: int) -> list[str]:
    """Cut one line too long for a message. Its formatting is dropped (it is re-escaped as
    plain text) so that no cut can fall inside a link or a bold run; lengths are counted in
    Telegram's UTF-16 units, and an escape (``\\x``) is never split."""
    escaped = markup.escape(markup.to_plain(line))
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    i = 0
    while i < len(escaped):
        token = escaped[i : i + 2] if escaped[i] == "\\" else escaped[i]
        units = markup.utf16_len(token[-1])
        if current and size + units > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(token)
        size += units
        i += len(token)
    if current:
        pieces.append("".join(current))
    return pieces


class TelegramChannel:
    """Builds the Application and translates between Telegram and the engine."""

    def __init__(self, engine: Engine, settings: Settings, store: Store) -> None:
        """``store``: where the intake journal lives (the bot's database); the channel reaches
        the engine only through its public entry points, never its store."""
        self.engine = engine
        self.settings = settings
        self._permanent_failures: set[str] = set()
        self._timers: set[asyncio.Task[None]] = set()
        self._admin_cache: dict[tuple[int, int], tuple[bool, float]] = {}
        self._game_timers: dict[str, set[asyncio.Task[None]]] = {}
        self._live_tasks: dict[str, asyncio.Task[None]] = {}  # trainers' live views, by key
        self.live_ticks = 0  # how many times live views asked the engine (tests watch it)
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self.intake = Intake(store)
        self.exit_code = 0
        self.stop_requested = asyncio.Event()
        self._polling_since: float | None = None
        self._poll_saving: dict[str, asyncio.Future[None]] = {}
        self._conflict_warned = False
        # The engine is synchronous (matching is CPU work, SQLite commits wait for the disk):
        # run it in worker threads so network I/O keeps flowing meanwhile. All database work
        # runs there (or in the intake writer): the event loop never waits on SQLite.
        self._workers = concurrent.futures.ThreadPoolExecutor(
            max_workers=ENGINE_THREADS, thread_name_prefix="engine"
        )

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Run the engine off the event loop."""
        return await self.off_loop(self.engine.handle, incoming)

    async def off_loop(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` (anything that may touch the database) in a worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._workers, functools.partial(fn, *args))

    # -- building ---------------------------------------------------------------------------
    def build(self) -> Application[Any, Any, Any, Any, Any, Any]:
        token = self.settings.telegram_token
        if not token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        bot = DurableBot(
            token,
            base_url=self.settings.bot_api_url,
            base_file_url=self.settings.bot_file_api_url,
            # Generous read timeouts: a slow answer is waited for rather than resent (a resend
            # after the request reached Telegram could deliver the reply twice).
            request=HTTPXRequest(
                connection_pool_size=64,
                read_timeout=READ_TIMEOUT,
                write_timeout=READ_TIMEOUT,
                connect_timeout=10.0,
                pool_timeout=10.0,
            ),
            get_updates_request=HTTPXRequest(
                connection_pool_size=1, read_timeout=READ_TIMEOUT, connect_timeout=10.0
            ),
            rate_limiter=AIORateLimiter(max_retries=RATE_LIMIT_RETRIES),
        )
        bot._intake = self.intake
        app = (
            ApplicationBuilder()
            .bot(bot)
            .concurrent_updates(PerUserUpdateProcessor(on_done=self._update_done))
            .post_init(self._post_init)
            .post_stop(self._post_stop)
            .build()
        )
        app.add_handler(CallbackQueryHandler(self.on_callback))
        app.add_handler(InlineQueryHandler(self.on_inline))
        app.add_handler(PollAnswerHandler(self.on_poll_answer))
        app.add_handler(ChatMemberHandler(self.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self.on_message))
        app.add_error_handler(self.on_error)
        self.application = app
        return app

    def _update_done(self, update: object) -> None:
        if isinstance(update, Update):
            self.intake.done(update.update_id)

    async def _post_init(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        # Updates stored before a crash and never handled come first.
        for update_id, body in await self.intake.start():
            try:
                update = Update.de_json(json.loads(body), app.bot)
            except (ValueError, KeyError, TypeError) as exc:
                logger.error("stored update %d cannot be read (%s): skipped", update_id, exc)
                self.intake.done(update_id)
                continue
            await app.update_queue.put(update)
        me = await app.bot.get_me()
        if me.username:
            self.engine.bot_username = me.username
        await self._set_menus_and_descriptions(app.bot)
        # Live group quizzes survive a restart: give each its time again, then move on.
        for chat_id, position, thread_id in await self.off_loop(self.engine.games_to_resume):
            self._schedule_next(chat_id, position, thread_id)
        # Trainers' live views too: they keep updating the same messages.
        for key in await self.off_loop(self.engine.live_views_to_resume):
            self._keep_live(key)
        task = asyncio.get_running_loop().create_task(self._purge_forever())
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    async def _set_menus_and_descriptions(self, bot: Any) -> None:
        """What an empty chat shows (descriptions) and the command menus, per scope and
        language: private chats, groups, group admins; English is also the default."""
        scopes = (
            (BotCommandScopeDefault(), PRIVATE_MENU),
            (BotCommandScopeAllPrivateChats(), PRIVATE_MENU),
            (BotCommandScopeAllGroupChats(), GROUP_MENU),
            (BotCommandScopeAllChatAdministrators(), GROUP_ADMIN_MENU),
        )
        for lang in ("en", "es"):
            code = None if lang == "en" else lang
            for scope, menu in scopes:
                commands = [
                    BotCommand(en if lang == "en" else es, self.engine.text(f"command_{en}", lang))
                    for en, es in menu
                ]
                try:
                    await bot.set_my_commands(commands, scope=scope, language_code=code)
                except TelegramError as exc:
                    logger.warning("could not set the %s command menu: %s", lang, exc)
            try:
                await bot.set_my_description(self.engine.text("bot_description", lang), language_code=code)
                await bot.set_my_short_description(
                    self.engine.text("bot_short_description", lang), language_code=code
                )
            except TelegramError as exc:
                logger.warning("could not set the %s bot description: %s", lang, exc)

    async def _purge_forever(self) -> None:
        """Apply the retention period at start-up and then once a day."""
        while True:
            try:
                purged = await self.off_loop(self.engine.purge)
            except Exception as exc:  # a locked or failing database: try again next time
                logger.warning("retention purge failed (%s); retrying in an hour", exc)
                await asyncio.sleep(3600)
                continue
            if purged:
                logger.info(
                    "purged %d record(s) past the %d-day retention period",
                    purged,
                    self.settings.retention_days,
                )
            await asyncio.sleep(PURGE_EVERY)

    async def _post_stop(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        for task in list(self._timers):
            task.cancel()
        await self.intake.close()
        self._workers.shutdown(wait=True)

    # -- sending ----------------------------------------------------------------------------
    async def _call(
        self,
        what: str,
        chat_id: int,
        make: Callable[[], Awaitable[T]],
        refused: list[TelegramError] | None = None,
    ) -> T | None:
        """One Bot API call with retries for transient failures; permanent ones logged once
        (and added to ``refused``, for callers that must tell them from transient ones). An edit
        that changes nothing ("message is not modified") is no failure: quiet, not logged."""
        delay = BACKOFF_BASE
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                return await make()
            except RetryAfter as exc:
                # One retry layer: AIORateLimiter has already waited out RATE_LIMIT_RETRIES
                # 429s for this request; trying again here would multiply the attempts.
                logger.warning("%s to chat %s: still rate limited, giving up: %s", what, chat_id, exc)
                return None
            except Forbidden as exc:
                if refused is not None:
                    refused.append(exc)
                self._permanent(what, chat_id, exc)
                await self._chat_gone(chat_id)
                return None
            except BadRequest as exc:
                if refused is not None:
                    refused.append(exc)
                if NOT_MODIFIED not in exc.message.lower():
                    self._permanent(what, chat_id, exc)
                return None
            except TimedOut as exc:
                if not _not_sent(exc):
                    # The request reached the server and the answer was slow: Telegram may have
                    # delivered it. Sending again could duplicate the reply, so we don't.
                    logger.warning(
                        "%s to %s timed out waiting for Telegram's answer; not resent", what, _where(chat_id)
                    )
                    return None
                if attempt == SEND_ATTEMPTS:
                    logger.error("%s to %s failed after %d attempts: %s", what, _where(chat_id), attempt, exc)
                    return None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 8.0)
            except NetworkError as exc:  # 5xx and connections refused or reset
                if attempt == SEND_ATTEMPTS:
                    logger.error("%s to %s failed after %d attempts: %s", what, _where(chat_id), attempt, exc)
                    return None
                logger.warning(
                    "%s to %s failed (%s), retry %d in %.1fs", what, _where(chat_id), exc, attempt, delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 8.0)
        return None

    def _permanent(self, what: str, chat_id: int, exc: TelegramError) -> None:
        key = f"{chat_id}:{type(exc).__name__}:{exc.message}"
        if key not in self._permanent_failures:
            self._permanent_failures.add(key)
            logger.warning("%s to %s refused, not retrying: %s", what, _where(chat_id), exc.message)

    async def send(
        self, chat_id: int, replies: Sequence[Reply], thread_id: int | None = None
    ) -> list[Message]:
        """Send the engine's replies in order."""
        bot = self._bot()
        sent: list[Message] = []
        for reply in replies:
            if reply.poll is not None:
                message = await self._send_poll(chat_id, reply, thread_id)
            elif reply.attachment is not None:
                att = reply.attachment
                upload = ChatAction.UPLOAD_PHOTO if att.kind == "photo" else ChatAction.UPLOAD_DOCUMENT
                await self._chat_action(chat_id, upload, thread_id)
                send_file = bot.send_photo if att.kind == "photo" else bot.send_document
                message = await self._call(
                    "sendPhoto" if att.kind == "photo" else "sendDocument",
                    chat_id,
                    functools.partial(
                        send_file,
                        chat_id,
                        InputFile(att.data, filename=att.filename),
                        caption=markup.to_html(att.caption) if att.caption else None,
                        parse_mode=ParseMode.HTML,
                        message_thread_id=thread_id,
                    ),
                )
            else:
                pieces = chunks(reply.text)
                message = None
                for i, piece in enumerate(pieces):
                    message = await self._call(
                        "sendMessage",
                        chat_id,
                        functools.partial(
                            bot.send_message,
                            chat_id,
                            markup.to_html(piece),
                            parse_mode=ParseMode.HTML,
                            reply_markup=keyboard(reply.choices) if i == len(pieces) - 1 else None,
                            link_preview_options=NO_PREVIEW,
                            message_thread_id=thread_id,
                        ),
                    )
                if reply.live and message is not None:  # keep the (last) message up to date
                    await self._start_live(reply.live, chat_id, message.message_id)
            if message is not None:
                sent.append(message)
        return sent

    async def _send_poll(self, chat_id: int, reply: Reply, thread_id: int | None) -> Message | None:
        spec = reply.poll
        assert spec is not None
        bot = self._bot()
        message = await self._call(
            "sendPoll",
            chat_id,
            lambda: bot.send_poll(
                chat_id,
                spec.question,
                list(spec.options),
                is_anonymous=False,
                type="quiz",
                correct_option_ids=[spec.correct],
                explanation=spec.explanation,
                open_period=spec.open_period,
                message_thread_id=thread_id,
            ),
        )
        if message is not None and message.poll is not None:
            poll_id = message.poll.id
            saved = self._poll_saving[poll_id] = asyncio.get_running_loop().create_future()
            try:
                await self.off_loop(self.engine.poll_sent, str(chat_id), spec.position, poll_id, thread_id)
            finally:
                saved.set_result(None)
                del self._poll_saving[poll_id]
            self._schedule_next(str(chat_id), spec.position, thread_id)
        return message

    def _schedule_next(self, chat_id: str, position: int, thread_id: int | None = None) -> None:
        async def later() -> None:
            await asyncio.sleep(self.settings.group_quiz_seconds + 1)
            try:
                # the next poll and the leaderboard stay in the forum topic the game started in
                replies = await self.off_loop(self.engine.poll_time_up, chat_id, position)
                await self.send(int(chat_id), replies, thread_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Logged, and the game ends cleanly: a stuck game would block /quiz there forever.
                logger.exception("group quiz timer failed in chat %s: ending the game", chat_id)
                await self._end_group_game(chat_id, thread_id)

        task = asyncio.get_running_loop().create_task(later())
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)
        per_chat = self._game_timers.setdefault(chat_id, set())
        per_chat.add(task)
        task.add_done_callback(per_chat.discard)

    async def _end_group_game(self, chat_id: str, thread_id: int | None = None) -> None:
        try:
            replies = await self.off_loop(self.engine.game_failed, chat_id)
        except Exception:
            logger.exception("could not end the group quiz in chat %s", chat_id)
            return
        with contextlib.suppress(Exception):
            await self.send(int(chat_id), replies, thread_id)

    def _bot(self) -> Any:
        assert self.application is not None
        return self.application.bot

    # -- receiving --------------------------------------------------------------------------
    def _incoming(self, update: Update, **kw: Any) -> Incoming:
        user = update.effective_user
        chat = update.effective_chat
        return Incoming(
            user_id=str(user.id) if user else str(chat.id if chat else "0"),
            chat_id=str(chat.id) if chat else None,
            chat_type=chat.type if chat else ChatType.PRIVATE,
            language_code=user.language_code if user else None,
            first_name=(user.first_name or "") if user else "",
            username=(user.username or "") if user else "",
            **kw,
        )

    def addressed_text(self, message: Message) -> str | None:
        """The text to hand to the engine, or None when a group message is not for us."""
        text = message.text
        if message.chat.type == ChatType.PRIVATE:
            return text or ""
        if not text:
            return None
        me = (self.engine.bot_username or "").lower()
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            name, _, target = command.partition("@")
            if target and target.lower() != me:
                return None  # a command for another bot
            return f"{name} {rest}".strip()
        mention = f"@{me}"
        if me and mention in text.lower():
            start = text.lower().index(mention)
            return (text[:start] + text[start + len(mention) :]).strip() or "/help"
        reply_to = message.reply_to_message
        bot_id = self.application.bot.id if self.application else None
        if reply_to is not None and reply_to.from_user is not None and reply_to.from_user.id == bot_id:
            return text
        return None

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or update.effective_user is None:
            return
        forwarded = message.forward_origin is not None
        text = self.addressed_text(message)
        if forwarded and text == "" and message.caption and message.chat.type == ChatType.PRIVATE:
            text = message.caption  # a forwarded photo's caption is the message to check
        if text is None:
            return
        reply_to = message.reply_to_message
        bot_id = self.application.bot.id if self.application else None
        if reply_to is not None and reply_to.from_user is not None and reply_to.from_user.id == bot_id:
            reply_to = None  # a reply to the bot's own message: nothing of someone else's to check
        is_admin = False
        if message.chat.type != ChatType.PRIVATE and text.startswith("/"):
            is_admin = await self._sender_is_admin(message.chat_id, update.effective_user.id)
        incoming = self._incoming(
            update,
            text=text if (message.text or text) else None,
            forwarded=forwarded,
            reply_to_text=(reply_to.text or reply_to.caption) if reply_to is not None else None,
            is_admin=is_admin,
        )
        thread_id = message.message_thread_id if message.is_topic_message else None
        replies = await self._handle_showing_typing(message.chat_id, incoming, thread_id)
        await self.send(message.chat_id, replies, thread_id)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        data = query.data if isinstance(query.data, str) else ""
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        # Nothing is changed before the engine has decided: a press that isn't valid (someone
        # else's quiz, an old button) must leave the message as it is.
        try:
            pressed = query.message
            thread = (
                pressed.message_thread_id
                if isinstance(pressed, Message) and pressed.is_topic_message
                else None
            )
            is_admin = False
            if chat_id < 0:  # group buttons that only admins may use (the group's language)
                is_admin = await self._sender_is_admin(chat_id, query.from_user.id)
            incoming = self._incoming(update, payload=data, is_admin=is_admin)
            replies = await self._handle_showing_typing(chat_id, incoming, thread)
        except BaseException:
            await self._answer_press(query, None)  # the button must stop spinning anyway
            raise
        toast = next((r for r in replies if r.toast), None)
        # CallbackQueries need to be answered, even if no notification to the user is needed:
        # always, also for stale or forged data, or the button keeps spinning.
        await self._answer_press(query, toast.plain()[:TOAST_LIMIT] if toast else None)
        await self._reply_to_press(query.message, chat_id, [r for r in replies if not r.toast])

    async def _handle_showing_typing(
        self, chat_id: int, incoming: Incoming, thread_id: int | None
    ) -> list[Reply]:
        """The engine's replies; if they take a moment (a chart, a spreadsheet), the chat
        shows "typing…" meanwhile."""
        task = asyncio.ensure_future(self.handle(incoming))
        done, _ = await asyncio.wait({task}, timeout=TYPING_AFTER)
        if not done:
            await self._chat_action(chat_id, ChatAction.TYPING, thread_id)
        return await task

    async def _chat_action(self, chat_id: int, action: str, thread_id: int | None) -> None:
        await self._call(
            "sendChatAction",
            chat_id,
            lambda: self._bot().send_chat_action(chat_id, action, message_thread_id=thread_id),
        )

    async def _answer_press(self, query: Any, toast: str | None) -> None:
        await self._call("answerCallbackQuery", query.from_user.id, lambda: query.answer(text=toast))

    async def _sender_is_admin(self, chat_id: int, user_id: int) -> bool:
        """Whether the sender administers the group (getChatMember, remembered a minute)."""
        key = (chat_id, user_id)
        now = asyncio.get_running_loop().time()
        cached = self._admin_cache.get(key)
        if cached is not None and now - cached[1] < ADMIN_CACHE_SECONDS:
            return cached[0]
        member = await self._call(
            "getChatMember", chat_id, lambda: self._bot().get_chat_member(chat_id, user_id)
        )
        is_admin = member is not None and member.status in {"administrator", "creator"}
        if len(self._admin_cache) > 10_000:
            self._admin_cache.clear()
        self._admin_cache[key] = (is_admin, now)
        return is_admin

    async def _reply_to_press(self, pressed: Any, chat_id: int, replies: Sequence[Reply]) -> None:
        """Send the replies to a button press: ``edit`` replies replace the pressed message,
        everything stays in the pressed message's forum topic."""
        thread_id = None
        if isinstance(pressed, Message) and pressed.is_topic_message:
            thread_id = pressed.message_thread_id
        pending: list[Reply] = []
        for reply in replies:
            if not reply.edit:
                pending.append(reply)
                continue
            if pending:
                await self.send(chat_id, pending, thread_id)
                pending = []
            if not await self._edit_pressed(pressed, chat_id, reply) and reply.text:
                pending.append(dataclasses.replace(reply, edit=False))  # could not edit: send anew
        if pending:
            await self.send(chat_id, pending, thread_id)

    async def _edit_pressed(self, pressed: Any, chat_id: int, reply: Reply) -> bool:
        """Edit the message a button was on; False when there is none or Telegram refuses."""
        message_id = getattr(pressed, "message_id", None)
        if not isinstance(message_id, int):
            return False
        bot = self._bot()
        markup_ = keyboard(reply.choices)
        if not reply.text:
            done = await self._call(
                "editMessageReplyMarkup",
                chat_id,
                lambda: bot.edit_message_reply_markup(chat_id, message_id, reply_markup=markup_),
            )
            return done is not None
        if markup.plain_length(reply.text) > CHUNK_LIMIT:
            return False
        refused: list[TelegramError] = []
        return await self._edit_text(chat_id, message_id, reply, refused) or _not_modified(refused)

    async def _edit_text(
        self, chat_id: int, message_id: int, reply: Reply, refused: list[TelegramError]
    ) -> bool:
        """Replace a message's text and buttons; False if it failed (refusals in ``refused``)."""
        bot = self._bot()
        done = await self._call(
            "editMessageText",
            chat_id,
            lambda: bot.edit_message_text(
                reply.html(),
                chat_id,
                message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply.choices),
                link_preview_options=NO_PREVIEW,
            ),
            refused,
        )
        return done is not None

    # -- trainers' live views -----------------------------------------------------------------
    async def _start_live(self, token: str, chat_id: int, message_id: int) -> None:
        """A reply asked to be kept up to date: register the sent message, then keep asking."""
        try:
            started = await self.off_loop(self.engine.live_view_started, token, str(chat_id), message_id)
        except Exception:  # the message was sent; only its updates are lost
            logger.exception("could not start a live view")
            return
        if started is None:
            return
        key, replaced = started
        for update in replaced:  # the session's earlier live message: its last state, once
            await self._show_live(update)
        self._keep_live(key)

    def _keep_live(self, key: str) -> None:
        if key in self._live_tasks:
            return  # already ticking: each tick asks the engine which message is live
        task = asyncio.get_running_loop().create_task(self._live_loop(key))
        self._live_tasks[key] = task
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)
        task.add_done_callback(lambda _: self._live_tasks.pop(key, None))

    async def _live_loop(self, key: str) -> None:
        """Every ``live_view_seconds``: ask the engine, edit when it says what changed; stop
        once it says there is no view (any more). Ending a view is the engine's decision, so
        the loop only stops on that answer: a view that moved to a newer message meanwhile
        keeps its loop."""
        while True:
            await asyncio.sleep(self.settings.live_view_seconds)
            try:
                update = await self.off_loop(self.engine.live_view, key)
                self.live_ticks += 1
                if update is None:
                    return
                await self._show_live(update)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a locked database: try again at the next tick
                logger.warning("live view update failed (%s: %s); retrying", type(exc).__name__, exc)

    async def _show_live(self, update: LiveUpdate) -> None:
        """Edit a live message as the engine says, and tell the engine how it went: shown (or
        already showing exactly that), or refused for good (deleted message, chat gone). After
        a network failure nothing is noted: the engine offers the same again next tick."""
        if update.reply is None and not update.done:
            return  # nothing changed: no edit, nothing to note
        refused: list[TelegramError] = []
        if update.reply is not None and not await self._edit_text(
            int(update.chat_id), update.message_id, update.reply, refused
        ):
            if not refused:
                return
            if not _not_modified(refused):
                await self.off_loop(self.engine.live_view_failed, update.key, update.message_id)
                return
        await self.off_loop(self.engine.live_view_shown, update)

    async def on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.inline_query
        if query is None:
            return
        loop = asyncio.get_running_loop()
        found, open_label = await loop.run_in_executor(
            self._workers,
            self.engine.inline_answer,
            query.query,
            query.from_user.language_code,
            str(query.from_user.id),
        )
        results = [
            InlineQueryResultArticle(
                id=r.intent,
                title=r.title,
                description=r.description,
                input_message_content=InputTextMessageContent(
                    markup.to_html(r.text), parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
                ),
                reply_markup=_link_button(r.link_label, r.link),
            )
            for r in found
        ]
        # "Open the bot" above the results (the only thing offered when nothing matched)
        button = InlineQueryResultsButton(text=open_label, start_parameter="inline")
        await self._call(
            "answerInlineQuery",
            query.from_user.id,
            lambda: query.answer(results, cache_time=60, is_personal=True, button=button),
        )

    async def on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was added to a chat, or removed, banned or blocked there."""
        change = update.my_chat_member
        if change is None:
            return
        old, new = change.old_chat_member.status, change.new_chat_member.status
        gone = {"left", "kicked"}
        if new in gone and old not in gone:
            await self._chat_gone(change.chat.id)
        elif new not in gone and old in gone:
            replies = await self.handle(self._incoming(update, event=BOT_ADDED))
            await self.send(change.chat.id, replies)

    async def _chat_gone(self, chat_id: int) -> None:
        """Stop everything for a chat the bot can no longer write to: its game and timers, its
        trainer's live views (their loops then end at their next tick)."""
        timers = list(self._game_timers.pop(str(chat_id), set()))
        kind = ChatType.PRIVATE if chat_id > 0 else ChatType.SUPERGROUP
        incoming = Incoming(user_id=str(chat_id), chat_id=str(chat_id), chat_type=kind, event=BOT_REMOVED)
        await self.handle(incoming)  # first: one of the timers may be the task running this
        for task in timers:
            task.cancel()

    async def on_poll_answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        answer = update.poll_answer
        if answer is None:
            return
        saving = self._poll_saving.get(answer.poll_id)
        if saving is not None:  # a vote faster than our note of the poll's id: wait for the note
            await saving
        vote = PollAnswer(answer.poll_id, tuple(answer.option_ids))
        await self.handle(self._incoming(update, poll_answer=vote))

    def _safe_language(self, update: Update) -> str:
        """The user's language without trusting the failing parts (the database may be the error).
        Runs in a worker thread: it reads the database."""
        incoming = self._incoming(update)
        try:
            return self.engine.preferred(incoming)
        except Exception:  # same rule, without the stored preference: language_code, then English
            return self.engine.preferred(incoming, UserPrefs(None, False))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One place for errors: log with context, and tell a waiting user politely."""
        where = "no update"
        chat_id: int | None = None
        lang = "en"
        if isinstance(update, Update):
            where = f"update {update.update_id}"  # no chat or user id at INFO and above
            if update.effective_chat is not None:
                chat_id = update.effective_chat.id
            try:
                lang = await asyncio.wait_for(self.off_loop(self._safe_language, update), 5.0)
            except Exception:  # the database is the problem: don't wait on it
                lang = self.engine.preferred(self._incoming(update), UserPrefs(None, False))
        logger.error("error while handling %s", where, exc_info=context.error)
        if chat_id is not None and isinstance(update, Update) and update.effective_chat is not None:
            private = update.effective_chat.type == ChatType.PRIVATE
            if private or update.callback_query is not None:
                try:
                    await self.send(chat_id, [Reply(self.engine.text("error_sorry", lang), lang)])
                except Exception:  # the error handler itself must never raise
                    logger.exception("could not tell the user about the error")

    # -- running ----------------------------------------------------------------------------
    async def serve(self, *, webhook_url: str | None, listen: str, port: int) -> int:
        """Start, run until a stop signal (or a 409 Conflict), stop cleanly."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.stop_requested.set)
        app = self.build()
        server = None
        await app.initialize()
        try:
            await self._post_init(app)
            await app.start()
            if webhook_url:
                secret = self.settings.webhook_secret or secrets.token_urlsafe(32)
                register_secret(secret)  # never logged, not even by PTB's DEBUG request lines
                server = await self.start_webhook(webhook_url, listen, port, secret)
                logger.info("webhook server listening on %s:%d", listen, port)
            else:
                await self.start_polling()
                logger.info("long polling started")
            await self.stop_requested.wait()
        finally:
            if server is not None:
                server.stop()
            if app.updater is not None and app.updater.running:
                with contextlib.suppress(Exception):
                    await app.updater.stop()
            if app.running:
                await app.stop()
            await self._post_stop(app)
            await app.shutdown()
        return self.exit_code

    async def start_polling(self, timeout: int = LONG_POLL) -> None:
        """Fetch updates with getUpdates (``timeout``: seconds each call waits for news)."""
        app = self.application
        assert app is not None and app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0,
            timeout=timeout,
            allowed_updates=list(ALLOWED_UPDATES),
            error_callback=self.on_polling_error,
        )
        self._polling_since = time.monotonic()

    def on_polling_error(self, exc: TelegramError) -> None:
        """Errors while fetching updates. A 409 Conflict means another instance polls with this
        token: the newcomer stops with one line; the instance that was already running (more
        than CONFLICT_GRACE seconds of polling) warns once and keeps going."""
        if isinstance(exc, Conflict):
            since = self._polling_since
            established = since is not None and time.monotonic() - since > CONFLICT_GRACE
            if established:
                if not self._conflict_warned:
                    self._conflict_warned = True
                    logger.warning("Telegram reports another instance polling with this bot's token (409)")
                return
            logger.critical(
                "another instance of this bot is already running with the same token "
                "(Telegram answered 409 Conflict): stopping this one. Stop the other one, or give "
                "this one its own token."
            )
            self.exit_code = 1
            if self.application is not None:
                self.application.bot._halted = True
            self.stop_requested.set()
            return
        logger.warning("fetching updates failed: %s", exc)

    async def start_webhook(self, url: str, listen: str, port: int, secret: str | None) -> Any:
        """Serve the webhook (see :mod:`cyberhygiene.channels.webhook`) and register it."""
        app = self.application
        assert app is not None
        server = webhook.make_server(webhook_path(url), self.accept_webhook_update, secret)
        server.listen(port, listen)
        await app.bot.set_webhook(url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES))
        return server

    async def accept_webhook_update(self, data: dict[str, Any]) -> None:
        """One update posted to the webhook: start handling it, return once it is stored."""
        app = self.application
        assert app is not None
        try:
            update = Update.de_json(data, app.bot)
        except (ValueError, KeyError, TypeError) as exc:
            raise webhook.BadUpdate(type(exc).__name__) from None
        if not isinstance(getattr(update, "update_id", None), int):
            raise webhook.BadUpdate("no update_id")
        fresh = self.intake.accept([(update.update_id, json.dumps(data))])
        if fresh:
            await app.update_queue.put(update)
        await self.intake.stored([update.update_id])


def _where(chat_id: int) -> str:
    """A chat as logs name it: never its id (a private chat's id is the user's id)."""
    return "a group" if chat_id < 0 else "a private chat"


def _not_modified(refused: Sequence[TelegramError]) -> bool:
    """Telegram refused an edit only because the message already shows exactly that."""
    return bool(refused) and all(NOT_MODIFIED in exc.message.lower() for exc in refused)


def _link_button(label: str, url: str) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=url)]]) if url and label else None


def _not_sent(exc: TimedOut) -> bool:
    """True when the request never reached Telegram (connect or pool timeout): safe to resend."""
    return isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout) or "not* sent" in exc.message


def webhook_path(url: str) -> str:
    return urllib.parse.urlparse(url).path.lstrip("/")


def run_bot(
    engine: Engine, settings: Settings, store: Store, *, webhook_url: str | None, listen: str, port: int
) -> int:
    """Run until SIGINT/SIGTERM: polling by default, a webhook server with ``webhook_url``.
    Returns the exit code: 0 after a stop signal, 1 when another instance holds the token."""
    channel = TelegramChannel(engine, settings, store)
    return asyncio.run(channel.serve(webhook_url=webhook_url, listen=listen, port=port))
