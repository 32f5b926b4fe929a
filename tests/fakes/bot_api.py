"""An in-process fake of the Telegram Bot API for the test suite.

:class:`FakeBotAPI` is a small aiohttp web server bound to ``127.0.0.1`` on a random
free port.  A real :class:`telegram.Bot` / :class:`telegram.ext.Application` is pointed
at it with ``base_url=fake.base_url`` and ``base_file_url=fake.base_file_url`` and then
talks to it through python-telegram-bot's real HTTP stack (``HTTPXRequest``).

How PTB 22.8 talks to the Bot API (what this fake has to understand):

* Every method is a ``POST`` to ``{base_url}{token}/{method}``, e.g.
  ``http://127.0.0.1:PORT/bot123:abc/sendMessage``.
* Parameters are sent as ``application/x-www-form-urlencoded`` form fields, or as
  ``multipart/form-data`` when files are uploaded.  String values are sent verbatim, all
  other values (ints, bools, lists, dicts such as ``reply_markup``) are JSON encoded, so
  ``chat_id=42`` arrives as the string ``"42"`` and ``disable_notification`` as ``"true"``.
* Files are multipart parts named after the parameter (``document``, ``photo``) or, for
  media groups etc., referenced by an ``attach://<name>`` parameter value.
* The reply must be ``{"ok": true, "result": ...}``; errors are ``{"ok": false,
  "error_code": N, "description": "..."}`` with the same HTTP status, plus
  ``"parameters": {"retry_after": N}`` for flood control (429).  PTB maps 400 to
  ``BadRequest``, 403 to ``Forbidden``, 401/404 to ``InvalidToken`` (``EndPointNotFound``
  for :meth:`telegram.Bot.do_api_request`), 409 to ``Conflict``, 429 with ``retry_after``
  to ``RetryAfter`` and everything else (e.g. 502) to ``NetworkError``.
* Quiz polls: PTB 22.8 sends ``correct_option_ids`` (a JSON list), never the deprecated
  ``correct_option_id``; this fake accepts both.  Poll options are sent as a JSON list of
  ``InputPollOption`` dicts (``[{"text": "A"}, ...]``); plain strings are accepted too.

Every ``result`` the fake returns (and every update it queues) is first parsed with PTB's
own classes (``Message.de_json`` etc.), and fields PTB does not know about are rejected,
so the fake cannot drift from what the library accepts.  Problems are recorded in
:attr:`FakeBotAPI.errors` and answered with HTTP 500; tests should assert that list is
empty (see :meth:`FakeBotAPI.assert_no_errors`).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import io
import itertools
import json
import logging
import re
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Final, Literal, Self

import aiohttp
from aiohttp import web
from telegram import (
    BotCommand,
    BotDescription,
    BotShortDescription,
    ChatFullInfo,
    ChatMember,
    File,
    Message,
    Poll,
    TelegramObject,
    Update,
    User,
    WebhookInfo,
)
from telegram.constants import MessageLimit, PollLimit
from telegram.warnings import PTBDeprecationWarning

__all__ = [
    "DEFAULT_BOT_USERNAME",
    "DEFAULT_TOKEN",
    "SENDING_METHODS",
    "Call",
    "FakeBotAPI",
    "FormattedText",
    "HtmlParseError",
    "NonTextKind",
    "StoredFile",
    "TelegramAPIError",
    "UploadedFile",
    "WebhookDelivery",
    "check_with_ptb",
    "html_error",
    "parse_telegram_html",
    "utf16_len",
]

_LOGGER = logging.getLogger(__name__)

JSONDict = dict[str, Any]

DEFAULT_TOKEN: Final = "123456789:TEST-fake-token-abcdefghijklmnop"
DEFAULT_BOT_USERNAME: Final = "CyberHygieneTestBot"

#: Methods whose successful calls count as "messages sent by the bot".
SENDING_METHODS: Final = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendPoll", "editMessageText"}
)

#: Parameters that are plain strings in the Bot API: never JSON-decode their values.
_STRING_FIELDS: Final = frozenset(
    {
        "action",
        "animation",
        "audio",
        "business_connection_id",
        "caption",
        "callback_query_id",
        "description",
        "description_parse_mode",
        "document",
        "emoji",
        "explanation",
        "explanation_parse_mode",
        "file_id",
        "inline_message_id",
        "inline_query_id",
        "ip_address",
        "language_code",
        "message_effect_id",
        "name",
        "next_offset",
        "parse_mode",
        "photo",
        "query",
        "question",
        "question_parse_mode",
        "secret_token",
        "short_description",
        "sticker",
        "switch_pm_parameter",
        "switch_pm_text",
        "text",
        "thumbnail",
        "title",
        "type",
        "url",
        "video",
        "voice",
    }
)
_JSON_LITERAL_RE: Final = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")

_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS: Final = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
_DEFAULT_ALLOWED_UPDATES_EXCLUDED: Final = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
_MAX_LONG_POLL: Final = 50.0


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units (Telegram's entity unit)."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------
# Telegram HTML
# --------------------------------------------------------------------------------------


class HtmlParseError(ValueError):
    """Raised by :func:`parse_telegram_html`; the message is Telegram's error detail."""


@dataclass(frozen=True)
class FormattedText:
    """Plain text plus Bot API ``MessageEntity`` dicts (offsets in UTF-16 code units)."""

    text: str
    entities: list[JSONDict]


@dataclass
class _OpenTag:
    name: str
    start16: int
    attrs: dict[str, str]
    language: str | None = None


_TAG_ENTITY_TYPES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_HTML_ENTITY_RE: Final = re.compile(
    r"&(?:(?P<named>lt|gt|amp|quot)|#(?P<dec>[0-9]{1,8})|#[xX](?P<hex>[0-9a-fA-F]{1,8}));"
)
_NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME_RE: Final = re.compile(r"[^\s>/<&]*")
_ATTR_NAME_RE: Final = re.compile(r"[A-Za-z0-9_-]+")
_UNQUOTED_VALUE_RE: Final = re.compile(r"[^\s>\"'`=<]+")
_END_TAG_RE: Final = re.compile(r"</([^\s>]*)\s*>")
_WS_RE: Final = re.compile(r"\s*")


def _decode_entity_match(match: re.Match[str]) -> str | None:
    named = match.group("named")
    if named is not None:
        return _NAMED_ENTITIES[named]
    number = match.group("dec")
    code = int(number) if number is not None else int(match.group("hex"), 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _decode_attribute(raw: str) -> str:
    """Decode entities inside an attribute value (leniently, like Telegram)."""

    def repl(match: re.Match[str]) -> str:
        decoded = _decode_entity_match(match)
        return match.group(0) if decoded is None else decoded

    return _HTML_ENTITY_RE.sub(repl, raw)


def _trim(formatted: FormattedText) -> FormattedText:
    """Strip leading/trailing whitespace like Telegram does, shifting entity offsets."""
    text = formatted.text
    stripped = text.strip()
    if stripped == text:
        return formatted
    lead16 = utf16_len(text[: len(text) - len(text.lstrip())])
    total16 = utf16_len(stripped)
    entities: list[JSONDict] = []
    for entity in formatted.entities:
        start = max(0, int(entity["offset"]) - lead16)
        end = min(total16, int(entity["offset"]) + int(entity["length"]) - lead16)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)


def parse_telegram_html(source: str) -> FormattedText:
    """Parse Telegram-flavoured HTML into plain text and entities.

    Supports the subset documented for ``parse_mode=HTML``: ``b strong i em u ins s strike
    del a[href] code pre blockquote[expandable] tg-spoiler span[class=tg-spoiler]`` (tag names
    are case-insensitive, ``<pre><code class="language-x">`` sets the pre language), and the
    character references ``&lt; &gt; &amp; &quot;`` plus numeric ones.  A bare ``&`` or a
    ``<`` that does not start a supported tag, unknown tags, and unclosed or badly nested
    tags raise :class:`HtmlParseError`.  Leading and trailing whitespace is stripped.
    """
    out: list[str] = []
    out16 = 0
    stack: list[_OpenTag] = []
    entities: list[JSONDict] = []
    n = len(source)
    i = 0

    def byte_offset(pos: int) -> int:
        return len(source[:pos].encode("utf-8"))

    while i < n:
        char = source[i]
        if char == "&":
            match = _HTML_ENTITY_RE.match(source, i)
            decoded = _decode_entity_match(match) if match else None
            if match is None or decoded is None:
                raise HtmlParseError(
                    f'Unsupported HTML entity or unescaped "&" at byte offset {byte_offset(i)} (use "&amp;")'
                )
            out.append(decoded)
            out16 += utf16_len(decoded)
            i = match.end()
            continue
        if char != "<":
            out.append(char)
            out16 += 2 if ord(char) > 0xFFFF else 1
            i += 1
            continue

        if source.startswith("</", i):
            end_match = _END_TAG_RE.match(source, i)
            if end_match is None:
                raise HtmlParseError(f"Unclosed end tag at byte offset {byte_offset(i)}")
            name = end_match.group(1).lower()
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {byte_offset(i)}")
            top = stack[-1]
            if top.name != name:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {byte_offset(i)}, "
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            stack.pop()
            _close_tag(top, out16, stack, entities)
            i = end_match.end()
            continue

        # A start tag.
        name_match = _TAG_NAME_RE.match(source, i + 1)
        name = name_match.group(0).lower() if name_match else ""
        if name not in _TAG_ENTITY_TYPES:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {byte_offset(i)}')
        j = i + 1 + len(name)
        attrs: dict[str, str] = {}
        while True:
            j = _WS_RE.match(source, j).end()  # type: ignore[union-attr]
            if j >= n:
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {byte_offset(i)}')
            if source[j] == ">":
                j += 1
                break
            attr_match = _ATTR_NAME_RE.match(source, j)
            if attr_match is None:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {byte_offset(j)}'
                )
            attr_name = attr_match.group(0).lower()
            j = _WS_RE.match(source, attr_match.end()).end()  # type: ignore[union-attr]
            value = ""
            if j < n and source[j] == "=":
                j = _WS_RE.match(source, j + 1).end()  # type: ignore[union-attr]
                if j >= n:
                    raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {byte_offset(i)}')
                quote = source[j]
                if quote in "\"'":
                    closing = source.find(quote, j + 1)
                    if closing < 0:
                        raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {byte_offset(i)}')
                    raw_value = source[j + 1 : closing]
                    j = closing + 1
                else:
                    value_match = _UNQUOTED_VALUE_RE.match(source, j)
                    if value_match is None:
                        raise HtmlParseError(
                            "Expected equal sign in declaration of an attribute of the tag "
                            f'"{name}" at byte offset {byte_offset(j)}'
                        )
                    raw_value = value_match.group(0)
                    j = value_match.end()
                value = _decode_attribute(raw_value)
            attrs[attr_name] = value
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(i)}')
        language = None
        if name == "code" and attrs.get("class", "").startswith("language-"):
            language = attrs["class"][len("language-") :] or None
        stack.append(_OpenTag(name=name, start16=out16, attrs=attrs, language=language))
        i = j

    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return _trim(FormattedText("".join(out), entities))


def _close_tag(tag: _OpenTag, out16: int, stack: list[_OpenTag], entities: list[JSONDict]) -> None:
    """Turn a closed tag into an entity (if it covers any text)."""
    length = out16 - tag.start16
    if tag.name == "code" and tag.language and stack and stack[-1].name == "pre":
        stack[-1].language = tag.language
        return
    if length <= 0:
        return
    entity: JSONDict = {
        "type": _TAG_ENTITY_TYPES[tag.name],
        "offset": tag.start16,
        "length": length,
    }
    if tag.name == "a":
        url = tag.attrs.get("href", "").strip()
        if not url:
            return  # Telegram silently drops links without a URL.
        entity["url"] = url
    elif tag.name == "pre" and tag.language:
        entity["language"] = tag.language
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    entities.append(entity)


def html_error(source: str) -> str | None:
    """Return Telegram's ``can't parse entities`` detail for ``source``, or None if valid."""
    try:
        parse_telegram_html(source)
    except HtmlParseError as exc:
        return str(exc)
    return None


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class StoredFile:
    """A file known to the fake (uploaded by the bot or attached to an injected update)."""

    file_id: str
    file_unique_id: str
    data: bytes
    filename: str | None
    mime_type: str | None
    file_path: str


@dataclass
class Call:
    """One request to the fake Bot API (successful or not)."""

    method: str
    params: dict[str, Any]
    response: dict[str, Any]
    time: float
    """``time.monotonic()`` when the response was produced."""
    status: int = 200
    """HTTP status; ``0`` when the connection was dropped on purpose."""
    files: dict[str, UploadedFile] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the call succeeded (HTTP 200 and ``"ok": true``)."""
        return self.status == HTTPStatus.OK and self.response.get("ok") is True

    @property
    def result(self) -> Any:
        """The ``result`` of a successful call (None otherwise)."""
        return self.response.get("result")

    @property
    def description(self) -> str | None:
        """The error description of a failed call."""
        value = self.response.get("description")
        return value if isinstance(value, str) else None

    def summary(self) -> str:
        """Short one-line description for error messages."""
        shown = {k: v for k, v in self.params.items() if k in ("chat_id", "text", "message_id")}
        outcome = "ok" if self.ok else f"{self.status} {self.description!r}"
        return f"{self.method}({shown}) -> {outcome}"


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt to POST an update to the bot's webhook."""

    url: str
    update: JSONDict
    status: int | None
    error: str | None
    time: float


class TelegramAPIError(Exception):
    """An error answer of the Bot API (raised inside method handlers)."""

    def __init__(self, status: int, description: str, *, parameters: Mapping[str, Any] | None = None) -> None:
        """Create the error with HTTP ``status`` and Telegram's ``description``."""
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = dict(parameters) if parameters else None

    def payload(self) -> JSONDict:
        """The JSON body Telegram would send."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(detail: str) -> TelegramAPIError:
    return TelegramAPIError(400, f"Bad Request: {detail}")


@dataclass
class _Fault:
    kind: Literal["fail", "drop", "delay"]
    status: int = 0
    retry_after: int | None = None
    description: str | None = None
    seconds: float = 0.0


@dataclass
class _PollState:
    poll: JSONDict
    chat_id: int
    message_id: int
    close_at: float | None
    votes: dict[int, list[int]] = field(default_factory=dict)


NonTextKind = Literal[
    "sticker", "photo", "location", "contact", "voice", "document", "video", "audio", "dice"
]

_Handler = Callable[[JSONDict, dict[str, UploadedFile]], Awaitable[Any]]
_Validator = Callable[[Any], None]


def _decode_value(name: str, value: Any) -> Any:
    """Decode a JSON-encoded parameter value the way PTB encodes it."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    if not isinstance(value, str) or name in _STRING_FIELDS:
        return value
    if value[:1] in ("[", "{", '"') or _JSON_LITERAL_RE.fullmatch(value):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise _bad_request(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise _bad_request(f"invalid {name} specified")


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


def _walk_unknown_fields(obj: object, path: str, seen: set[int]) -> list[str]:
    """List fields that PTB did not recognise (they end up in ``api_kwargs``)."""
    found: list[str] = []
    if isinstance(obj, TelegramObject):
        if id(obj) in seen:
            return found
        seen.add(id(obj))
        found.extend(f"{path}.{key}" for key in obj.api_kwargs)
        for name, value in obj._get_attrs(include_private=False, recursive=False).items():
            if name == "api_kwargs":
                continue
            found.extend(_walk_unknown_fields(value, f"{path}.{name}", seen))
    elif isinstance(obj, tuple | list):
        for index, item in enumerate(obj):
            found.extend(_walk_unknown_fields(item, f"{path}[{index}]", seen))
    return found


def check_with_ptb(cls: type[TelegramObject], data: Any) -> TelegramObject:
    """Parse ``data`` with PTB's ``cls.de_json``; raise ValueError on any problem.

    Missing required fields, wrong types, deprecated fields and fields PTB does not know
    about all count as problems.
    """
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: expected a JSON object, got {data!r}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PTBDeprecationWarning)
            obj = cls.de_json(copy.deepcopy(data), bot=None)
    except Exception as exc:
        raise ValueError(f"{cls.__name__}.de_json rejected {data!r}: {exc!r}") from exc
    unknown = _walk_unknown_fields(obj, cls.__name__, set())
    if unknown:
        raise ValueError(f"{cls.__name__}: fields unknown to PTB: {unknown} in {data!r}")
    return obj


def _object(cls: type[TelegramObject]) -> _Validator:
    def validate(result: Any) -> None:
        check_with_ptb(cls, result)

    return validate


def _list_of(cls: type[TelegramObject]) -> _Validator:
    def validate(result: Any) -> None:
        if not isinstance(result, list):
            raise ValueError(f"expected a list of {cls.__name__}, got {result!r}")
        for item in result:
            check_with_ptb(cls, item)

    return validate


def _object_or_true(cls: type[TelegramObject]) -> _Validator:
    def validate(result: Any) -> None:
        if result is not True:
            check_with_ptb(cls, result)

    return validate


def _true(result: Any) -> None:
    if result is not True:
        raise ValueError(f"expected true, got {result!r}")


# --------------------------------------------------------------------------------------
# The fake server
# --------------------------------------------------------------------------------------


class FakeBotAPI:
    """A fake Telegram Bot API server (see the module docstring).

    Usage::

        async with FakeBotAPI() as fake:
            bot = telegram.Bot(fake.token, base_url=fake.base_url,
                               base_file_url=fake.base_file_url)
            fake.message(42, "/start")
            ...
            await fake.wait_for("sendMessage")
            fake.assert_no_errors()

    State that tests may inspect or change directly: :attr:`unknown_chats` (400 "chat not
    found"), :attr:`blocked_chats` (403), :attr:`deliver_to_webhook`, :attr:`errors`,
    :attr:`webhook_deliveries`.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = DEFAULT_BOT_USERNAME,
        *,
        bot_first_name: str = "Cyber Hygiene Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        unknown_chats: Iterable[int | str] = (),
        blocked_chats: Iterable[int | str] = (),
        deliver_to_webhook: bool = False,
    ) -> None:
        """Configure the fake; nothing is started until :meth:`start`."""
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        try:
            self.bot_id = int(token.split(":", 1)[0])
        except ValueError as exc:
            raise ValueError(f"token must look like '<bot id>:<secret>', got {token!r}") from exc
        self.host = host
        self.unknown_chats: set[int | str] = set(unknown_chats)
        self.blocked_chats: set[int | str] = set(blocked_chats)
        self.deliver_to_webhook = deliver_to_webhook
        self.webhook_retry_delay: float | None = None
        """Like Telegram, deliver again after this many seconds when the webhook did not
        answer 200 (None: no retries, each failed delivery is only recorded)."""
        self.errors: list[str] = []
        self.webhook_deliveries: list[WebhookDelivery] = []

        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_queue: asyncio.Queue[JSONDict] | None = None
        self._closing = False

        self._calls: list[Call] = []
        self._calls_changed = asyncio.Event()
        self._last_activity = time.monotonic()
        self._inflight = 0

        self._faults: dict[str, deque[_Fault]] = {}

        self._next_update_id = 10_000
        self._queue: list[JSONDict] = []
        self._updates_changed = asyncio.Event()
        self._poll_generation = 0
        self._allowed_updates: list[str] = []

        self._users: dict[int, JSONDict] = {}
        self._chats: dict[int, JSONDict] = {}
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._last_bot_message: dict[int, int] = {}
        self._last_user_message: dict[tuple[int, int], int] = {}
        self._counter = itertools.count(1)

        self._callback_queries: dict[str, bool] = {}
        self.callback_answers: dict[str, JSONDict] = {}
        """``answerCallbackQuery`` parameters by callback query id."""
        self._inline_queries: dict[str, bool] = {}
        self.inline_answers: dict[str, JSONDict] = {}
        """``answerInlineQuery`` parameters by inline query id."""
        self._polls: dict[str, _PollState] = {}
        self._files: dict[str, StoredFile] = {}
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.descriptions: dict[str, str] = {}
        """``setMyDescription`` texts by language code ("" = default)."""
        self.short_descriptions: dict[str, str] = {}
        """``setMyShortDescription`` texts by language code ("" = default)."""

        self.chat_admins: dict[int, set[int]] = {}
        """Group chat id -> user ids that ``getChatMember`` reports as administrators."""
        self.chat_owners: dict[int, int] = {}
        """Group chat id -> the user ``getChatMember`` reports as its creator."""

        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_allowed_updates: list[str] | None = None
        self.webhook_max_connections: int | None = None

        self._methods: dict[str, tuple[str, _Handler, _Validator]] = {}
        for name, handler, validator in (
            ("getMe", self._get_me, _object(User)),
            ("getUpdates", self._get_updates, _list_of(Update)),
            ("sendMessage", self._send_message, _object(Message)),
            ("editMessageText", self._edit_message_text, _object_or_true(Message)),
            ("editMessageReplyMarkup", self._edit_message_reply_markup, _object_or_true(Message)),
            ("deleteMessage", self._delete_message, _true),
            ("answerCallbackQuery", self._answer_callback_query, _true),
            ("answerInlineQuery", self._answer_inline_query, _true),
            ("setMyCommands", self._set_my_commands, _true),
            ("getMyCommands", self._get_my_commands, _list_of(BotCommand)),
            ("deleteMyCommands", self._delete_my_commands, _true),
            ("setWebhook", self._set_webhook, _true),
            ("deleteWebhook", self._delete_webhook, _true),
            ("getWebhookInfo", self._get_webhook_info, _object(WebhookInfo)),
            ("sendDocument", self._send_document, _object(Message)),
            ("sendPhoto", self._send_photo, _object(Message)),
            ("sendPoll", self._send_poll, _object(Message)),
            ("stopPoll", self._stop_poll, _object(Poll)),
            ("sendChatAction", self._send_chat_action, _true),
            ("getChat", self._get_chat, _object(ChatFullInfo)),
            ("getChatMember", self._get_chat_member, _object(ChatMember)),
            ("getFile", self._get_file, _object(File)),
            ("setMyDescription", self._set_my_description, _true),
            ("getMyDescription", self._get_my_description, _object(BotDescription)),
            ("setMyShortDescription", self._set_my_short_description, _true),
            ("getMyShortDescription", self._get_my_short_description, _object(BotShortDescription)),
            ("close", self._accept, _true),
            ("logOut", self._accept, _true),
        ):
            self._methods[name.lower()] = (name, handler, validator)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start serving on ``host`` and a free port (within the running event loop)."""
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI is already running")
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        runner = web.AppRunner(
            app,
            handle_signals=False,
            shutdown_timeout=0.5,
            handler_cancellation=True,
            access_log=None,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._session = aiohttp.ClientSession()
        self._webhook_queue = asyncio.Queue()
        self._webhook_task = asyncio.create_task(self._webhook_worker(), name="fake-webhook")

    async def stop(self) -> None:
        """Stop the server, release pending long polls and close the webhook client."""
        self._closing = True
        self._wake_pollers()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        """Start the server."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        await self.stop()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Bot API base URL for PTB (``Bot(base_url=...)``); PTB appends the token."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """File download base URL for PTB (``Bot(base_file_url=...)``)."""
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def api_url(self) -> str:
        """``base_url`` with the token, i.e. the prefix of every method URL."""
        return f"{self.base_url}{self.token}"

    @property
    def bot_user(self) -> JSONDict:
        """The ``User`` object ``getMe`` returns."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _bot_from(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # ------------------------------------------------------------------ recording & waiting

    def calls(self, method: str | None = None) -> list[Call]:
        """All recorded calls (optionally only those of ``method``), oldest first."""
        if method is None:
            return list(self._calls)
        return [c for c in self._calls if c.method.lower() == method.lower()]

    def sent_messages(self, chat_id: int | str | None = None) -> list[Call]:
        """Successful sendMessage/sendPhoto/sendDocument/sendPoll/editMessageText calls."""
        result = [c for c in self._calls if c.ok and c.method in SENDING_METHODS]
        if chat_id is None:
            return result
        wanted = self._chat_key_or_raw(chat_id)
        return [c for c in result if self._call_chat(c) == wanted]

    def clear_calls(self) -> None:
        """Forget the recorded calls (state such as messages and polls is kept)."""
        self._calls.clear()

    def assert_no_errors(self) -> None:
        """Raise AssertionError if the fake produced anything PTB would not accept."""
        if self.errors:
            raise AssertionError("FakeBotAPI internal errors:\n" + "\n".join(self.errors))

    async def wait_for(
        self,
        method: str | None,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 10.0,
        *,
        ok: bool | None = None,
    ) -> list[Call]:
        """Wait until ``count`` calls of ``method`` matching ``predicate`` were recorded.

        Failed calls match too unless ``ok=True`` (``ok=False``: only failed calls).
        Returns the matching calls (all of them, oldest first); raises TimeoutError with
        a summary of what was received instead.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._calls_changed
            matching = [
                c
                for c in self.calls(method)
                if (ok is None or c.ok == ok) and (predicate is None or predicate(c))
            ]
            if len(matching) >= count:
                return matching
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = "\n  ".join(c.summary() for c in self._calls[-25:]) or "(none)"
                raise TimeoutError(
                    f"Timed out after {timeout}s waiting for {count} call(s) of "
                    f"{method or 'any method'}"
                    f"{' matching the predicate' if predicate else ''}"
                    f"{'' if ok is None else f' with ok={ok}'}; got {len(matching)}. "
                    f"{len(self._calls)} call(s) recorded, latest:\n  {recent}"
                    + (f"\nFake errors: {self.errors}" if self.errors else "")
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until no request (other than empty long polls) happened for ``quiet`` s.

        Requests still being processed, queued webhook deliveries and update injection
        count as activity.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            now = time.monotonic()
            idle_for = now - self._last_activity
            if self._inflight == 0 and idle_for >= quiet:
                return
            if loop.time() >= deadline:
                raise TimeoutError(
                    f"FakeBotAPI did not become idle within {timeout}s "
                    f"(in flight: {self._inflight}, last activity {idle_for:.2f}s ago); "
                    f"latest calls: {[c.summary() for c in self._calls[-5:]]}"
                )
            wait = quiet - idle_for if self._inflight == 0 else 0.02
            await asyncio.sleep(max(0.01, min(wait, deadline - loop.time())))

    def _record(self, call: Call) -> None:
        self._calls.append(call)
        is_empty_poll = call.method == "getUpdates" and call.ok and not call.result
        if not is_empty_poll:
            self._last_activity = time.monotonic()
        event = self._calls_changed
        self._calls_changed = asyncio.Event()
        event.set()

    def _call_chat(self, call: Call) -> int | str | None:
        result = call.result
        if isinstance(result, dict) and isinstance(result.get("chat"), dict):
            return int(result["chat"]["id"])
        raw = call.params.get("chat_id")
        return None if raw is None else self._chat_key_or_raw(raw)

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail with HTTP ``status``.

        429 answers carry ``parameters.retry_after`` (default 1).  Faults queue up per
        method in FIFO order together with :meth:`drop_connection_next`/:meth:`delay_next`.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        for _ in range(times):
            self._faults.setdefault(method.lower(), deque()).append(
                _Fault("fail", status=status, retry_after=retry_after, description=description)
            )

    def drop_connection_next(self, method: str, times: int = 1) -> None:
        """Close the connection without answering the next ``times`` calls to ``method``."""
        for _ in range(times):
            self._faults.setdefault(method.lower(), deque()).append(_Fault("drop"))

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Delay the next ``times`` calls to ``method`` by ``seconds`` before handling them."""
        for _ in range(times):
            self._faults.setdefault(method.lower(), deque()).append(_Fault("delay", seconds=seconds))

    def clear_faults(self) -> None:
        """Drop all pending fault injections."""
        self._faults.clear()

    @staticmethod
    def _fault_payload(fault: _Fault) -> tuple[int, JSONDict]:
        status = fault.status
        if fault.description is not None:
            description = fault.description
        elif status == 429:
            description = f"Too Many Requests: retry after {fault.retry_after}"
        else:
            try:
                description = HTTPStatus(status).phrase
            except ValueError:
                description = "Error"
            if status < 500 and status != 401:
                description = f"{description}: injected failure"
        body: JSONDict = {"ok": False, "error_code": status, "description": description}
        if fault.retry_after is not None:
            body["parameters"] = {"retry_after": fault.retry_after}
        return status, body

    # ------------------------------------------------------------------ HTTP handling

    async def _read_params(self, request: web.Request) -> tuple[JSONDict, dict[str, UploadedFile]]:
        params: JSONDict = {}
        files: dict[str, UploadedFile] = {}
        for key, value in request.query.items():
            params[key] = _decode_value(key, value)
        content_type = request.content_type
        if content_type == "application/json":
            raw = await request.read()
            if raw.strip():
                body = json.loads(raw)
                if not isinstance(body, dict):
                    raise _bad_request("request body must be a JSON object")
                for key, value in body.items():
                    params[key] = _decode_value(key, value)
        elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.post()
            for key, form_value in form.items():
                if isinstance(form_value, web.FileField):
                    files[key] = UploadedFile(
                        field=key,
                        filename=form_value.filename,
                        content_type=form_value.content_type,
                        data=form_value.file.read(),
                    )
                else:
                    params[key] = _decode_value(key, form_value)
        return params, files

    async def _handle_not_found(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(
                    body=stored.data, content_type=stored.mime_type or "application/octet-stream"
                )
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        raw_method = request.match_info["method"]
        entry = self._methods.get(raw_method.lower())
        method = entry[0] if entry else raw_method
        counts_as_activity = method != "getUpdates"
        if counts_as_activity:
            self._inflight += 1
        try:
            return await self._dispatch(request, method, entry)
        finally:
            if counts_as_activity:
                self._inflight -= 1
                self._last_activity = time.monotonic()

    async def _dispatch(
        self,
        request: web.Request,
        method: str,
        entry: tuple[str, _Handler, _Validator] | None,
    ) -> web.StreamResponse:
        try:
            params, files = await self._read_params(request)
        except (TelegramAPIError, ValueError) as exc:
            error = exc if isinstance(exc, TelegramAPIError) else _bad_request(f"can't parse request: {exc}")
            return self._respond(method, {}, {}, error.status, error.payload())

        if request.match_info["token"] != self.token:
            body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return self._respond(method, params, files, 401, body)
        if entry is None:
            body = {"ok": False, "error_code": 404, "description": "Not Found"}
            return self._respond(method, params, files, 404, body)
        _, handler, validator = entry

        faults = self._faults.get(method.lower())
        fault = faults.popleft() if faults else None
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        elif fault is not None and fault.kind == "drop":
            self._record(Call(method, params, {}, time.monotonic(), status=0, files=files))
            transport = request.transport
            if transport is not None:
                transport.abort()
            raise asyncio.CancelledError  # aiohttp then just drops the (closed) connection
        elif fault is not None:
            status, body = self._fault_payload(fault)
            return self._respond(method, params, files, status, body)

        try:
            result = await handler(params, files)
        except TelegramAPIError as exc:
            transport = request.transport
            if exc.status == 409 and (transport is None or transport.is_closing()):
                # A long poll whose client already left (e.g. PTB cancelling it on
                # shutdown) was superseded: nobody sees this answer, so don't record it.
                raise asyncio.CancelledError from None
            return self._respond(method, params, files, exc.status, exc.payload())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _LOGGER.exception("FakeBotAPI handler for %s crashed", method)
            message = f"{method}: handler crashed: {exc!r} (params={params!r})"
            self.errors.append(message)
            body = {"ok": False, "error_code": 500, "description": f"FakeBotAPI: {message}"}
            return self._respond(method, params, files, 500, body)
        try:
            validator(result)
        except ValueError as exc:
            message = f"{method}: result rejected by PTB: {exc}"
            _LOGGER.error("FakeBotAPI: %s", message)
            self.errors.append(message)
            body = {"ok": False, "error_code": 500, "description": f"FakeBotAPI: {message}"}
            return self._respond(method, params, files, 500, body)
        return self._respond(method, params, files, 200, {"ok": True, "result": result})

    def _respond(
        self,
        method: str,
        params: JSONDict,
        files: dict[str, UploadedFile],
        status: int,
        body: JSONDict,
    ) -> web.StreamResponse:
        self._record(Call(method, params, copy.deepcopy(body), time.monotonic(), status=status, files=files))
        return web.json_response(body, status=status)

    # ------------------------------------------------------------------ chats & users

    def _ensure_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> JSONDict:
        """Return the consistent ``from`` object of a user, updating given fields."""
        user = self._users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": first_name or "Test"}
            user["language_code"] = language_code or "en"
            self._users[user_id] = user
        if first_name is not None:
            user["first_name"] = first_name
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        if user_id in self._chats and self._chats[user_id]["type"] == "private":
            self._chats[user_id].update(self._private_chat(user))
        return copy.deepcopy(user)

    @staticmethod
    def _private_chat(user: JSONDict) -> JSONDict:
        chat: JSONDict = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        return chat

    def get_user(self, user_id: int) -> JSONDict:
        """The ``from`` object used for ``user_id`` (created with defaults if new)."""
        return self._ensure_user(user_id)

    def _ensure_chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        *,
        title: str | None = None,
        username: str | None = None,
        is_forum: bool = False,
    ) -> JSONDict:
        chat = self._chats.get(chat_id)
        if chat is not None:
            if chat_type is not None and chat["type"] != chat_type:
                raise ValueError(
                    f"chat {chat_id} already exists with type {chat['type']!r}, not {chat_type!r}"
                )
            if is_forum and chat["type"] == "supergroup":
                chat["is_forum"] = True
            return chat
        if chat_type is None:
            chat_type = "private" if chat_id > 0 else "supergroup"
        if chat_type == "private":
            if chat_id <= 0:
                raise ValueError(f"private chat ids are positive user ids, got {chat_id}")
            chat = self._private_chat(self._ensure_user(chat_id))
        elif chat_type in ("group", "supergroup", "channel"):
            if chat_id >= 0:
                raise ValueError(f"{chat_type} chat ids are negative, got {chat_id}")
            default_title = {"group": "Test Group", "supergroup": "Test Supergroup"}.get(
                chat_type, "Test Channel"
            )
            chat = {"id": chat_id, "type": chat_type, "title": title or default_title}
            if username:
                chat["username"] = username
            if is_forum and chat_type == "supergroup":
                chat["is_forum"] = True
        else:
            raise ValueError(f"unknown chat type {chat_type!r}")
        self._chats[chat_id] = chat
        return chat

    def _chat_key_or_raw(self, chat_id: int | str) -> int | str:
        """Normalise a chat id: numeric strings become ints, @usernames resolve if known."""
        if isinstance(chat_id, int):
            return chat_id
        text = str(chat_id).strip()
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        if text.startswith("@"):
            for chat in self._chats.values():
                if str(chat.get("username", "")).lower() == text[1:].lower():
                    return int(chat["id"])
        return text

    def _in_set(self, chats: set[int | str], chat: JSONDict) -> bool:
        keys: set[int | str] = {int(chat["id"]), str(chat["id"])}
        if chat.get("username"):
            keys.add("@" + str(chat["username"]))
        return any(self._chat_key_or_raw(c) in keys or c in keys for c in chats)

    def _target_chat(self, params: JSONDict, *, check_blocked: bool = True) -> JSONDict:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad_request("chat_id is empty")
        key = self._chat_key_or_raw(raw)
        if isinstance(key, str) or key == 0:
            # An @username no injected update introduced (or garbage): like Telegram.
            raise _bad_request("chat not found")
        chat = self._ensure_chat(key)
        if self._in_set(self.unknown_chats, chat):
            raise _bad_request("chat not found")
        if check_blocked and self._in_set(self.blocked_chats, chat):
            if chat["type"] == "private":
                raise TelegramAPIError(403, "Forbidden: bot was blocked by the user")
            if chat["type"] == "channel":
                raise TelegramAPIError(403, "Forbidden: bot is not a member of the channel chat")
            raise TelegramAPIError(403, f"Forbidden: bot was kicked from the {chat['type']} chat")
        return chat

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 0) + 1
        self._next_message_id[chat_id] = message_id
        return message_id

    def get_message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """The current state of a stored message (sent by the bot or injected)."""
        message = self._messages.get((chat_id, message_id))
        return copy.deepcopy(message) if message is not None else None

    def last_bot_message(self, chat_id: int) -> JSONDict | None:
        """The current state of the last message the bot sent to ``chat_id``."""
        message_id = self._last_bot_message.get(chat_id)
        return None if message_id is None else self.get_message(chat_id, message_id)

    def _store(self, message: JSONDict) -> None:
        self._messages[(int(message["chat"]["id"]), int(message["message_id"]))] = copy.deepcopy(message)

    # ------------------------------------------------------------------ files

    def _new_file(self, data: bytes, filename: str | None, mime_type: str | None, folder: str) -> StoredFile:
        number = next(self._counter)
        file_id = f"FAKE{folder[:3].upper()}{self.bot_id}x{number:06d}AAQ"
        extension = ""
        if filename and "." in filename:
            extension = filename.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=f"AQAD{number:08d}",
            data=data,
            filename=filename,
            mime_type=mime_type,
            file_path=f"{folder}/file_{number}{'.' + extension if extension else ''}",
        )
        self._files[file_id] = stored
        return stored

    def get_file_bytes(self, file_id: str) -> bytes:
        """The content of a stored file (uploaded by the bot or injected)."""
        return self._files[file_id].data

    @property
    def files(self) -> dict[str, StoredFile]:
        """All stored files by file_id."""
        return dict(self._files)

    def _input_file(
        self, params: JSONDict, files: dict[str, UploadedFile], name: str, folder: str
    ) -> StoredFile:
        value = params.get(name)
        upload: UploadedFile | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            if upload is None:
                raise _bad_request(f"file {value} not found in the request")
        elif value is None:
            upload = files.get(name)
            if upload is None:
                raise _bad_request(f"there is no {name} in the request")
        elif isinstance(value, str):
            known = self._files.get(value)
            if known is not None:
                return known
            if value.startswith(("http://", "https://")):
                filename = value.rstrip("/").rsplit("/", 1)[-1] or None
                return self._new_file(b"", filename, None, folder)
            raise _bad_request("wrong file identifier/HTTP URL specified")
        else:
            raise _bad_request(f"invalid {name} specified")
        if not upload.data:
            raise _bad_request("file must be non-empty")
        return self._new_file(upload.data, upload.filename, upload.content_type, folder)

    # ------------------------------------------------------------------ text helpers

    @staticmethod
    def _format(text: str, parse_mode: Any, entities: Any) -> FormattedText:
        mode = parse_mode.lower() if isinstance(parse_mode, str) else ""
        if mode == "html":
            try:
                return parse_telegram_html(text)
            except HtmlParseError as exc:
                raise _bad_request(f"can't parse entities: {exc}") from exc
        if mode in ("markdown", "markdownv2"):
            # Not validated by the fake: text is returned as sent, without entities.
            return _trim(FormattedText(text, []))
        if mode:
            raise _bad_request("unsupported parse_mode")
        given = [dict(e) for e in entities] if isinstance(entities, list) else []
        return _trim(FormattedText(text, given))

    @staticmethod
    def _auto_entities(text: str) -> list[JSONDict]:
        """bot_command entity for a leading /command and mention entities for @usernames."""
        entities: list[JSONDict] = []
        command_end = 0
        command = re.match(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])", text)
        if command:
            command_end = command.end()
            entities.append({"type": "bot_command", "offset": 0, "length": command_end})
        for mention in re.finditer(r"(?<![A-Za-z0-9_@/])@[A-Za-z0-9_]{5,32}(?![A-Za-z0-9_])", text):
            if mention.start() < command_end:
                continue
            entities.append(
                {
                    "type": "mention",
                    "offset": utf16_len(text[: mention.start()]),
                    "length": utf16_len(mention.group(0)),
                }
            )
        return entities

    @staticmethod
    def _inline_markup(markup: Any) -> JSONDict | None:
        """Validate ``reply_markup``; return it if it is an inline keyboard to echo back."""
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
                return None
            raise _bad_request("can't parse reply keyboard markup JSON object")
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad_request(
                'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict):
                    raise _bad_request(
                        "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
                    )
                text = button.get("text")
                if not isinstance(text, str) or not text.strip():
                    raise _bad_request(
                        'can\'t parse inline keyboard button: Field "text" must be of type String'
                    )
                actions = [a for a in _BUTTON_ACTIONS if a in button]
                if not actions:
                    raise _bad_request("text buttons are unallowed in the inline keyboard")
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                        raise _bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not str(button["url"]).strip():
                    raise _bad_request("inline keyboard button URL '' is invalid: URL is empty")
        if not any(rows):
            return None
        return markup

    # ------------------------------------------------------------------ Bot API methods

    async def _accept(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        return True

    async def _get_me(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        return self.bot_user

    def _wake_pollers(self) -> None:
        event = self._updates_changed
        self._updates_changed = asyncio.Event()
        event.set()

    def _update_allowed(self, update: JSONDict) -> bool:
        kinds = [k for k in update if k != "update_id"]
        kind = kinds[0] if kinds else ""
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _DEFAULT_ALLOWED_UPDATES_EXCLUDED

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self._queue = self._queue[offset:]
        else:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]

    async def _get_updates(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        if self.webhook_url:
            raise TelegramAPIError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        limit = max(1, min(100, _as_int(params.get("limit", 100), "limit")))
        timeout = params.get("timeout", 0)
        if isinstance(timeout, str):
            timeout = float(timeout) if timeout.strip() else 0
        timeout_s = max(0.0, min(float(timeout or 0), _MAX_LONG_POLL))
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = [str(u) for u in params["allowed_updates"]]
        if params.get("offset") is not None:
            self._confirm(_as_int(params["offset"], "offset"))

        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older long poll is terminated by this one
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            if generation != self._poll_generation:
                raise TelegramAPIError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            ready = [copy.deepcopy(u) for u in self._queue if self._update_allowed(u)][:limit]
            remaining = deadline - loop.time()
            if ready or remaining <= 0 or self._closing:
                return ready
            event = self._updates_changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _reply_to(self, chat: JSONDict, params: JSONDict) -> JSONDict | None:
        reply_parameters = params.get("reply_parameters")
        reply_id: Any = None
        allow_without = _as_bool(params.get("allow_sending_without_reply", False))
        reply_chat_id = int(chat["id"])
        if isinstance(reply_parameters, dict):
            reply_id = reply_parameters.get("message_id")
            allow_without = _as_bool(reply_parameters.get("allow_sending_without_reply", False))
            if reply_parameters.get("chat_id") is not None:
                other = self._chat_key_or_raw(reply_parameters["chat_id"])
                if isinstance(other, int):
                    reply_chat_id = other
        elif params.get("reply_to_message_id") is not None:
            reply_id = params["reply_to_message_id"]
        if reply_id is None:
            return None
        original = self._messages.get((reply_chat_id, _as_int(reply_id, "message_id")))
        if original is None:
            if allow_without:
                return None
            raise _bad_request("message to be replied not found")
        reply = copy.deepcopy(original)
        reply.pop("reply_to_message", None)
        return reply

    def _new_bot_message(self, chat: JSONDict, params: JSONDict) -> JSONDict:
        """Common part of every message the bot sends (validates reply/markup first)."""
        reply = self._reply_to(chat, params)
        markup = self._inline_markup(params.get("reply_markup"))
        chat_id = int(chat["id"])
        message: JSONDict = {
            "message_id": self._new_message_id(chat_id),
            "from": self._bot_from(),
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
        }
        if params.get("message_thread_id") is not None and chat["type"] == "supergroup":
            message["message_thread_id"] = _as_int(params["message_thread_id"], "message_thread_id")
            message["is_topic_message"] = True
        if reply is not None:
            message["reply_to_message"] = reply
        if markup is not None:
            message["reply_markup"] = markup
        return message

    def _finish_bot_message(self, message: JSONDict) -> JSONDict:
        self._store(message)
        self._last_bot_message[int(message["chat"]["id"])] = int(message["message_id"])
        return message

    async def _send_message(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        chat = self._target_chat(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad_request("message text is empty")
        formatted = self._format(text, params.get("parse_mode"), params.get("entities"))
        if not formatted.text:
            raise _bad_request("message text is empty")
        if len(formatted.text) > MessageLimit.MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        message = self._new_bot_message(chat, params)
        message["text"] = formatted.text
        if formatted.entities:
            message["entities"] = formatted.entities
        return self._finish_bot_message(message)

    def _caption(self, params: JSONDict) -> FormattedText | None:
        caption = params.get("caption")
        if not isinstance(caption, str) or not caption.strip():
            return None
        formatted = self._format(caption, params.get("parse_mode"), params.get("caption_entities"))
        if len(formatted.text) > MessageLimit.CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        return formatted

    @staticmethod
    def _add_caption(message: JSONDict, caption: FormattedText | None) -> None:
        if caption is not None and caption.text:
            message["caption"] = caption.text
            if caption.entities:
                message["caption_entities"] = caption.entities

    async def _send_document(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        chat = self._target_chat(params)
        stored = self._input_file(params, files, "document", "documents")
        caption = self._caption(params)
        message = self._new_bot_message(chat, params)
        document: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
        }
        if stored.filename:
            document["file_name"] = stored.filename
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        message["document"] = document
        self._add_caption(message, caption)
        return self._finish_bot_message(message)

    @staticmethod
    def _photo_sizes(stored: StoredFile) -> list[JSONDict]:
        return [
            {
                "file_id": f"{stored.file_id}s",
                "file_unique_id": f"{stored.file_unique_id}s",
                "width": 90,
                "height": 90,
                "file_size": min(len(stored.data), 1500),
            },
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": 800,
                "height": 800,
                "file_size": len(stored.data),
            },
        ]

    async def _send_photo(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        chat = self._target_chat(params)
        stored = self._input_file(params, files, "photo", "photos")
        caption = self._caption(params)
        message = self._new_bot_message(chat, params)
        message["photo"] = self._photo_sizes(stored)
        self._add_caption(message, caption)
        return self._finish_bot_message(message)

    async def _send_poll(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        chat = self._target_chat(params)
        question = params.get("question")
        if not isinstance(question, str) or not question.strip():
            raise _bad_request("poll question must be non-empty")
        if len(question) > PollLimit.MAX_QUESTION_LENGTH:
            raise _bad_request(f"poll question length must not exceed {PollLimit.MAX_QUESTION_LENGTH}")
        raw_options = params.get("options")
        if not isinstance(raw_options, list):
            raise _bad_request("options must be a JSON-serialized array")
        options: list[str] = []
        for option in raw_options:
            text = option.get("text") if isinstance(option, dict) else option
            if not isinstance(text, str) or not text.strip():
                raise _bad_request("poll options must be non-empty")
            if len(text) > PollLimit.MAX_OPTION_LENGTH:
                raise _bad_request(f"poll options length must not exceed {PollLimit.MAX_OPTION_LENGTH}")
            options.append(text)
        if len(options) < PollLimit.MIN_OPTION_NUMBER:
            raise _bad_request("poll must have at least 1 option")
        if len(options) > PollLimit.MAX_OPTION_NUMBER:
            raise _bad_request(f"poll can't have more than {PollLimit.MAX_OPTION_NUMBER} options")

        poll_type = params.get("type") or "regular"
        if poll_type not in ("regular", "quiz"):
            raise _bad_request("wrong poll type specified")
        is_anonymous = _as_bool(params.get("is_anonymous", True))
        multiple = _as_bool(params.get("allows_multiple_answers", False))
        if chat["type"] == "channel" and not is_anonymous:
            raise _bad_request("non-anonymous polls can't be sent to channel chats")

        poll_id = str(5_000_000_000_000_000_000 + next(self._counter))
        poll: JSONDict = {
            "id": poll_id,
            "question": question,
            "options": [
                {"text": text, "voter_count": 0, "persistent_id": str(index)}
                for index, text in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": _as_bool(params.get("is_closed", False)),
            "is_anonymous": is_anonymous,
            "type": poll_type,
            "allows_multiple_answers": multiple,
            "allows_revoting": _as_bool(params.get("allows_revoting", poll_type == "regular")),
            "members_only": _as_bool(params.get("members_only", False)),
        }
        if poll_type == "quiz":
            correct = params.get("correct_option_ids")
            if correct is None and params.get("correct_option_id") is not None:
                correct = [params["correct_option_id"]]
            if isinstance(correct, int) and not isinstance(correct, bool):
                correct = [correct]
            if not isinstance(correct, list) or not correct:
                raise _bad_request("correct_option_ids must be specified for quiz polls")
            ids = [_as_int(c, "correct_option_ids") for c in correct]
            if any(not 0 <= c < len(options) for c in ids) or ids != sorted(set(ids)):
                raise _bad_request("wrong correct_option_ids specified")
            if len(ids) > 1 and not multiple:
                raise _bad_request("quiz poll with a single answer must have one correct option")
            poll["correct_option_ids"] = ids
            explanation = params.get("explanation")
            if isinstance(explanation, str) and explanation.strip():
                formatted = self._format(
                    explanation,
                    params.get("explanation_parse_mode"),
                    params.get("explanation_entities"),
                )
                if len(formatted.text) > PollLimit.MAX_EXPLANATION_LENGTH:
                    raise _bad_request("poll explanation is too long")
                if formatted.text.count("\n") > PollLimit.MAX_EXPLANATION_LINE_FEEDS:
                    raise _bad_request("poll explanation can't contain more than 2 line feeds")
                poll["explanation"] = formatted.text
                if formatted.entities:
                    poll["explanation_entities"] = formatted.entities
        description = params.get("description")
        if isinstance(description, str) and description.strip():
            formatted = self._format(
                description,
                params.get("description_parse_mode"),
                params.get("description_entities"),
            )
            if len(formatted.text) > PollLimit.MAX_DESCRIPTION_CHARACTERS:
                raise _bad_request("poll description is too long")
            poll["description"] = formatted.text
            if formatted.entities:
                poll["description_entities"] = formatted.entities

        close_at: float | None = None
        if params.get("open_period") is not None and params.get("close_date") is not None:
            raise _bad_request("open_period and close_date can't be used together")
        if params.get("open_period") is not None:
            period = _as_int(params["open_period"], "open_period")
            if not PollLimit.MIN_OPEN_PERIOD <= period <= PollLimit.MAX_OPEN_PERIOD:
                raise _bad_request("wrong open_period specified")
            poll["open_period"] = period
            poll["close_date"] = int(time.time()) + period
            close_at = time.time() + period
        elif params.get("close_date") is not None:
            close_date = _as_int(params["close_date"], "close_date")
            if not PollLimit.MIN_OPEN_PERIOD <= close_date - time.time() <= PollLimit.MAX_OPEN_PERIOD:
                raise _bad_request("wrong close_date specified")
            poll["close_date"] = close_date
            close_at = float(close_date)

        message = self._new_bot_message(chat, params)
        message["poll"] = poll
        self._polls[poll_id] = _PollState(
            poll=copy.deepcopy(poll),
            chat_id=int(chat["id"]),
            message_id=int(message["message_id"]),
            close_at=close_at,
        )
        return self._finish_bot_message(message)

    def _stored_target(self, params: JSONDict, *, action: str) -> tuple[JSONDict, JSONDict]:
        chat = self._target_chat(params)
        if params.get("message_id") is None:
            raise _bad_request("message identifier is not specified")
        message_id = _as_int(params["message_id"], "message_id")
        message = self._messages.get((int(chat["id"]), message_id))
        if message is None:
            raise _bad_request(f"message to {action} not found")
        return chat, copy.deepcopy(message)

    _NOT_MODIFIED = (
        "message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )

    async def _edit_message_text(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad_request("message text is empty")
        formatted = self._format(text, params.get("parse_mode"), params.get("entities"))
        if len(formatted.text) > MessageLimit.MAX_TEXT_LENGTH:
            raise _bad_request("MESSAGE_TOO_LONG")
        markup = self._inline_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        _, message = self._stored_target(params, action="edit")
        if message["from"]["id"] != self.bot_id:
            raise _bad_request("message can't be edited")
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        before = (message["text"], message.get("entities", []), message.get("reply_markup"))
        if before == (formatted.text, formatted.entities, markup):
            raise _bad_request(self._NOT_MODIFIED)
        message["text"] = formatted.text
        message.pop("entities", None)
        if formatted.entities:
            message["entities"] = formatted.entities
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        self._store(message)
        return message

    async def _edit_message_reply_markup(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        markup = self._inline_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        _, message = self._stored_target(params, action="edit")
        if message["from"]["id"] != self.bot_id:
            raise _bad_request("message can't be edited")
        if message.get("reply_markup") == markup:
            raise _bad_request(self._NOT_MODIFIED)
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        self._store(message)
        return message

    async def _delete_message(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        chat, message = self._stored_target(params, action="delete")
        del self._messages[(int(chat["id"]), int(message["message_id"]))]
        return True

    async def _stop_poll(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        _, message = self._stored_target(params, action="stop")
        if "poll" not in message or message["from"]["id"] != self.bot_id:
            raise _bad_request("message with poll to stop not found")
        state = self._polls[message["poll"]["id"]]
        if self._poll_closed(state):
            raise _bad_request("poll has already been closed")
        state.poll["is_closed"] = True
        message["poll"] = copy.deepcopy(state.poll)
        markup = self._inline_markup(params.get("reply_markup"))
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        self._store(message)
        return copy.deepcopy(state.poll)

    async def _answer_callback_query(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        query_id = str(params.get("callback_query_id", ""))
        if self._callback_queries.get(query_id) is not False:
            raise _bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        self.callback_answers[query_id] = dict(params)
        return True

    async def _answer_inline_query(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        query_id = str(params.get("inline_query_id", ""))
        if self._inline_queries.get(query_id) is not False:
            raise _bad_request("query is too old and response timeout expired or query ID is invalid")
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad_request("can't parse inline query results JSON object")
        if len(results) > 50:
            raise _bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or "type" not in result or "id" not in result:
                raise _bad_request("can't parse inline query result")
            result_id = str(result["id"])
            if not 1 <= len(result_id.encode()) <= 64:
                raise _bad_request("RESULT_ID_INVALID")
            if result_id in seen:
                raise _bad_request("RESULT_ID_DUPLICATE")
            seen.add(result_id)
        self._inline_queries[query_id] = True
        self.inline_answers[query_id] = dict(params)
        return True

    @staticmethod
    def _scope_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise _bad_request("can't parse BotCommandScope JSON object")
        language = params.get("language_code") or ""
        if not isinstance(language, str) or (language and not re.fullmatch(r"[a-z]{2}", language)):
            raise _bad_request("invalid language code specified")
        return json.dumps(scope, sort_keys=True), language

    def commands(self, scope: Mapping[str, Any] | None = None, language_code: str = "") -> list[JSONDict]:
        """The commands set for ``scope`` (default scope if None) and ``language_code``."""
        key = json.dumps(dict(scope or {"type": "default"}), sort_keys=True)
        return copy.deepcopy(self._commands.get((key, language_code), []))

    @property
    def all_commands(self) -> dict[tuple[str, str], list[JSONDict]]:
        """Every command list by (JSON-encoded scope, language_code)."""
        return copy.deepcopy(self._commands)

    async def _set_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        key = self._scope_key(params)
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("too many commands")
        clean: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad_request("can't parse BotCommand")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": description})
        if clean:
            self._commands[key] = clean
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        return copy.deepcopy(self._commands.get(self._scope_key(params), []))

    async def _delete_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        self._commands.pop(self._scope_key(params), None)
        return True

    async def _set_webhook(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        url = params.get("url") or ""
        if not isinstance(url, str):
            raise _bad_request("invalid webhook URL specified")
        secret = params.get("secret_token")
        if secret is not None and (not isinstance(secret, str) or not _SECRET_TOKEN_RE.fullmatch(secret)):
            raise _bad_request("secret token contains unallowed characters")
        if url and not url.startswith(("https://", "http://")):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if _as_bool(params.get("drop_pending_updates", False)):
            self._queue.clear()
        if not url:
            self._clear_webhook()
            return True
        self.webhook_url = url
        self.webhook_secret = secret
        allowed = params.get("allowed_updates")
        self.webhook_allowed_updates = [str(a) for a in allowed] if isinstance(allowed, list) else None
        if self.webhook_allowed_updates is not None:
            self._allowed_updates = list(self.webhook_allowed_updates)
        max_connections = params.get("max_connections")
        self.webhook_max_connections = (
            _as_int(max_connections, "max_connections") if max_connections is not None else None
        )
        self._wake_pollers()
        return True

    def _clear_webhook(self) -> None:
        self.webhook_url = None
        self.webhook_secret = None
        self.webhook_allowed_updates = None
        self.webhook_max_connections = None

    async def _delete_webhook(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        if _as_bool(params.get("drop_pending_updates", False)):
            self._queue.clear()
        self._clear_webhook()
        return True

    @property
    def webhook_info(self) -> JSONDict:
        """The ``WebhookInfo`` object ``getWebhookInfo`` returns."""
        info: JSONDict = {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self.webhook_url:
            info["max_connections"] = self.webhook_max_connections or 40
            info["ip_address"] = "127.0.0.1"
            if self.webhook_allowed_updates:
                info["allowed_updates"] = list(self.webhook_allowed_updates)
            failures = [d for d in self.webhook_deliveries if d.status != 200]
            if failures:
                info["last_error_date"] = int(time.time())
                last = failures[-1]
                info["last_error_message"] = last.error or f"Wrong response from the webhook: {last.status}"
        return info

    async def _get_webhook_info(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        return self.webhook_info

    async def _send_chat_action(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    async def _get_chat(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        chat = copy.deepcopy(self._target_chat(params, check_blocked=False))
        chat.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": True,
                    "limited_gifts": True,
                    "unique_gifts": True,
                    "premium_subscription": True,
                    "gifts_from_channels": True,
                },
            }
        )
        return chat

    async def _get_chat_member(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        """A member's status in a chat: creator and administrators as set in
        :attr:`chat_owners` / :attr:`chat_admins`, everyone else a plain member."""
        chat = self._target_chat(params, check_blocked=False)
        user_id = _as_int(params.get("user_id"), "user_id")
        user = self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "Test"}
        chat_id = int(chat["id"])
        if self.chat_owners.get(chat_id) == user_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in self.chat_admins.get(chat_id, set()):
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            }
        return {"status": "member", "user": user}

    async def _get_file(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    async def _set_my_description(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        language = str(params.get("language_code") or "")
        description = params.get("description") or ""
        if len(str(description)) > 512:
            raise _bad_request("description is too long")
        if description:
            self.descriptions[language] = str(description)
        else:
            self.descriptions.pop(language, None)
        return True

    async def _get_my_description(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        language = str(params.get("language_code") or "")
        return {"description": self.descriptions.get(language, self.descriptions.get("", ""))}

    async def _set_my_short_description(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        language = str(params.get("language_code") or "")
        description = params.get("short_description") or ""
        if len(str(description)) > 120:
            raise _bad_request("short description is too long")
        if description:
            self.short_descriptions[language] = str(description)
        else:
            self.short_descriptions.pop(language, None)
        return True

    async def _get_my_short_description(self, params: JSONDict, files: dict[str, UploadedFile]) -> Any:
        language = str(params.get("language_code") or "")
        default = self.short_descriptions.get("", "")
        return {"short_description": self.short_descriptions.get(language, default)}

    # ------------------------------------------------------------------ polls

    @staticmethod
    def _poll_closed(state: _PollState) -> bool:
        if state.poll["is_closed"]:
            return True
        if state.close_at is not None and time.time() >= state.close_at:
            state.poll["is_closed"] = True
            return True
        return False

    def get_poll(self, poll_id: str) -> JSONDict:
        """The current state of a poll the bot sent (votes are counted)."""
        state = self._polls[poll_id]
        self._poll_closed(state)
        return copy.deepcopy(state.poll)

    @property
    def poll_ids(self) -> list[str]:
        """Ids of all polls the bot sent, oldest first."""
        return list(self._polls)

    # ------------------------------------------------------------------ injecting updates

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates queued for getUpdates and not yet confirmed by an offset."""
        return copy.deepcopy(self._queue)

    def _enqueue(self, body: JSONDict) -> JSONDict:
        update = {"update_id": self._next_update_id, **body}
        try:
            check_with_ptb(Update, update)
        except ValueError as exc:
            raise ValueError(f"FakeBotAPI built an update PTB rejects: {exc}") from exc
        self._next_update_id += 1
        self._last_activity = time.monotonic()
        if self.webhook_url and self.deliver_to_webhook:
            if self._webhook_queue is None:
                raise RuntimeError("start() the FakeBotAPI before delivering to a webhook")
            self._inflight += 1
            self._webhook_queue.put_nowait(copy.deepcopy(update))
        else:
            self._queue.append(copy.deepcopy(update))
            self._wake_pollers()
        return update

    def my_chat_member(
        self,
        user_id: int,
        chat_id: int,
        new_status: str,
        old_status: str = "left",
        *,
        chat_type: str | None = None,
        chat_title: str | None = None,
    ) -> JSONDict:
        """Queue a ``my_chat_member`` update: ``user_id`` changed the bot's status in a chat
        ("member" when added, "left" when removed, "kicked" when banned or, in a private
        chat, when the user blocked the bot)."""
        user = self._ensure_user(user_id)
        chat = self._ensure_chat(chat_id, chat_type, title=chat_title)

        def member(status: str) -> JSONDict:
            body: JSONDict = {"status": status, "user": self.bot_user}
            if status == "kicked":
                body["until_date"] = 0
            return body

        return self._enqueue(
            {
                "my_chat_member": {
                    "chat": copy.deepcopy(chat),
                    "from": copy.deepcopy(user),
                    "date": int(time.time()),
                    "old_chat_member": member(old_status),
                    "new_chat_member": member(new_status),
                }
            }
        )

    def raw_update(self, update: Mapping[str, Any]) -> JSONDict:
        """Queue an arbitrary update (``update_id`` is assigned unless present & larger).

        The update is still checked with ``telegram.Update.de_json``.  Callback and inline
        query ids in it become answerable.
        """
        body = copy.deepcopy(dict(update))
        given_id = body.pop("update_id", None)
        if isinstance(given_id, int) and given_id >= self._next_update_id:
            self._next_update_id = given_id
        if isinstance(body.get("callback_query"), dict):
            self._callback_queries.setdefault(str(body["callback_query"].get("id")), False)
        if isinstance(body.get("inline_query"), dict):
            self._inline_queries.setdefault(str(body["inline_query"].get("id")), False)
        return self._enqueue(body)

    def _user_message(
        self,
        user_id: int,
        *,
        chat_id: int | None,
        chat_type: str | None,
        language_code: str | None,
        first_name: str | None,
        last_name: str | None,
        username: str | None,
        reply_to_message_id: int | None,
        message_thread_id: int | None,
        chat_title: str | None = None,
    ) -> JSONDict:
        user = self._ensure_user(
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        if chat_id is None:
            if chat_type not in (None, "private"):
                raise ValueError(f"chat_id is required for {chat_type} chats")
            chat_id = user_id
        if chat_type is None and chat_id not in self._chats:
            chat_type = "private" if chat_id == user_id else "supergroup"
        if chat_type == "private" and chat_id != user_id:
            raise ValueError("a private chat's id is the user's id")
        chat = self._ensure_chat(chat_id, chat_type, title=chat_title, is_forum=message_thread_id is not None)
        if chat["type"] == "channel":
            raise ValueError("use channel_post() for channels")
        message: JSONDict = {
            "message_id": self._new_message_id(chat_id),
            "from": user,
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
        }
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
            message["is_topic_message"] = True
        if reply_to_message_id is not None:
            original = self._messages.get((chat_id, reply_to_message_id))
            if original is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat_id} to reply to")
            reply = copy.deepcopy(original)
            reply.pop("reply_to_message", None)
            message["reply_to_message"] = reply
        return message

    def message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str | None = None,
        language_code: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
        entities: list[JSONDict] | None = None,
        chat_title: str | None = None,
        forward_origin: JSONDict | None = None,
        caption: str | None = None,
    ) -> JSONDict:
        """Queue a text message from ``user_id`` and return the update.

        ``forward_origin`` makes it a forwarded message (a MessageOrigin object, e.g. from
        :meth:`origin_user` or :meth:`origin_hidden_user`). With ``caption`` (and ``text`` empty)
        the message is a photo with that caption instead of a text message.

        ``chat_id`` defaults to the user's private chat; negative ids are groups
        (``chat_type`` "group" or "supergroup", default supergroup).  Profile fields given
        here are remembered for the user (defaults: first_name "Test", language_code "en"),
        so every update from a user carries the same ``from``/``chat`` objects.
        ``reply_to_message_id`` must name a stored message of that chat (e.g. one the bot
        sent, so ``reply_to_message.from`` is the bot).  ``entities`` default to
        ``bot_command`` for a leading ``/command[@bot]`` and ``mention`` for ``@names``.
        """
        message = self._user_message(
            user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            language_code=language_code,
            first_name=first_name,
            last_name=last_name,
            username=username,
            reply_to_message_id=reply_to_message_id,
            message_thread_id=message_thread_id,
            chat_title=chat_title,
        )
        if forward_origin is not None:
            message["forward_origin"] = copy.deepcopy(forward_origin)
        if caption is not None and not text:
            stored = self._new_file(b"\x89PNG fake photo", "photo.png", "image/png", "photos")
            message["photo"] = self._photo_sizes(stored)
            message["caption"] = caption
        else:
            message["text"] = text
            auto = self._auto_entities(text) if entities is None else entities
            if auto:
                message["entities"] = auto
        self._store(message)
        self._last_user_message[(int(message["chat"]["id"]), user_id)] = message["message_id"]
        return self._enqueue({"message": message})

    def origin_user(self, user_id: int, first_name: str = "Sender") -> JSONDict:
        """``forward_origin`` of a message first sent by a user who allows linking to them."""
        return {
            "type": "user",
            "date": int(time.time()) - 60,
            "sender_user": {"id": user_id, "is_bot": False, "first_name": first_name},
        }

    @staticmethod
    def origin_hidden_user(name: str = "Hidden Sender") -> JSONDict:
        """``forward_origin`` of a message whose sender hides their account."""
        return {"type": "hidden_user", "date": int(time.time()) - 60, "sender_user_name": name}

    def last_user_message_id(self, user_id: int, chat_id: int | None = None) -> int:
        """The id of the last message ``user_id`` sent to ``chat_id`` (default: their private chat)."""
        return self._last_user_message[(user_id if chat_id is None else chat_id, user_id)]

    def edited_message(
        self,
        user_id: int,
        text: str,
        *,
        message_id: int | None = None,
        chat_id: int | None = None,
    ) -> JSONDict:
        """Queue an ``edited_message`` update changing a text message the user sent.

        ``message_id`` defaults to the user's last message in the chat.
        """
        chat_key = user_id if chat_id is None else chat_id
        if message_id is None:
            message_id = self._last_user_message.get((chat_key, user_id))
            if message_id is None:
                raise ValueError(f"user {user_id} has not sent a message to chat {chat_key}")
        original = self._messages.get((chat_key, message_id))
        if original is None or original.get("from", {}).get("id") != user_id:
            raise ValueError(f"no message {message_id} from user {user_id} in chat {chat_key}")
        message = copy.deepcopy(original)
        message["text"] = text
        message.pop("entities", None)
        entities = self._auto_entities(text)
        if entities:
            message["entities"] = entities
        message["edit_date"] = int(time.time())
        self._store(message)
        return self._enqueue({"edited_message": message})

    def channel_post(
        self,
        chat_id: int,
        text: str,
        *,
        title: str | None = None,
        username: str | None = None,
    ) -> JSONDict:
        """Queue a ``channel_post`` update in channel ``chat_id`` (a negative id)."""
        chat = self._ensure_chat(chat_id, "channel", title=title, username=username)
        message: JSONDict = {
            "message_id": self._new_message_id(chat_id),
            "sender_chat": copy.deepcopy(chat),
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
            "text": text,
        }
        entities = self._auto_entities(text)
        if entities:
            message["entities"] = entities
        self._store(message)
        return self._enqueue({"channel_post": message})

    def non_text_message(
        self,
        user_id: int,
        kind: NonTextKind,
        *,
        chat_id: int | None = None,
        caption: str | None = None,
        language_code: str | None = None,
    ) -> JSONDict:
        """Queue a message without text: sticker, photo, location, contact, voice, document,
        video, audio or dice.  Files get stored so the bot can ``getFile`` and download them.
        """
        message = self._user_message(
            user_id,
            chat_id=chat_id,
            chat_type=None,
            language_code=language_code,
            first_name=None,
            last_name=None,
            username=None,
            reply_to_message_id=None,
            message_thread_id=None,
        )
        if kind == "sticker":
            stored = self._new_file(b"RIFF....WEBPVP8 ", "sticker.webp", "image/webp", "stickers")
            message["sticker"] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "\N{THUMBS UP SIGN}",
                "file_size": len(stored.data),
            }
        elif kind == "photo":
            stored = self._new_file(b"\xff\xd8\xff\xe0fake-jpeg", "photo.jpg", "image/jpeg", "photos")
            message["photo"] = self._photo_sizes(stored)
        elif kind == "location":
            message["location"] = {"latitude": 52.520008, "longitude": 13.404954}
        elif kind == "contact":
            user = self._users[user_id]
            message["contact"] = {
                "phone_number": f"+4915{user_id % 10**9:09d}",
                "first_name": user["first_name"],
                "user_id": user_id,
            }
        elif kind == "voice":
            stored = self._new_file(b"OggS\x00fake-voice", None, "audio/ogg", "voice")
            message["voice"] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "duration": 3,
                "mime_type": "audio/ogg",
                "file_size": len(stored.data),
            }
        elif kind == "document":
            stored = self._new_file(b"%PDF-1.4 fake", "document.pdf", "application/pdf", "documents")
            message["document"] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": "document.pdf",
                "mime_type": "application/pdf",
                "file_size": len(stored.data),
            }
        elif kind == "video":
            stored = self._new_file(b"\x00\x00\x00\x18ftypmp42", "video.mp4", "video/mp4", "videos")
            message["video"] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": 640,
                "height": 360,
                "duration": 5,
                "mime_type": "video/mp4",
                "file_size": len(stored.data),
            }
        elif kind == "audio":
            stored = self._new_file(b"ID3fake-mp3", "audio.mp3", "audio/mpeg", "music")
            message["audio"] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "duration": 30,
                "mime_type": "audio/mpeg",
                "file_size": len(stored.data),
            }
        elif kind == "dice":
            message["dice"] = {"emoji": "\N{GAME DIE}", "value": 4}
        else:
            raise ValueError(f"unsupported non-text message kind {kind!r}")
        if caption and kind in ("photo", "voice", "document", "video", "audio"):
            message["caption"] = caption
        self._store(message)
        return self._enqueue({"message": message})

    def callback_query(
        self,
        user_id: int,
        data: str,
        *,
        message: Mapping[str, Any] | None = None,
        chat_id: int | None = None,
        language_code: str | None = None,
        check_buttons: bool = True,
    ) -> str:
        """Queue a ``callback_query`` (a button press) and return its id.

        ``message`` is a message dict the bot sent (its current stored state is used);
        by default the last message the bot sent to ``chat_id`` (default: the user's
        private chat).  With ``check_buttons`` the message must have an inline button
        carrying exactly this ``callback_data`` (like a real client); pass False to forge
        arbitrary data.
        """
        user = self._ensure_user(user_id, language_code=language_code)
        if message is None:
            chat_key = user_id if chat_id is None else chat_id
            current = self.last_bot_message(chat_key)
            if current is None:
                raise ValueError(f"the bot has not sent a (still existing) message to {chat_key}")
        else:
            chat_key = int(message["chat"]["id"])
            current = self.get_message(chat_key, int(message["message_id"])) or copy.deepcopy(dict(message))
        if check_buttons:
            buttons = [
                button.get("callback_data")
                for row in current.get("reply_markup", {}).get("inline_keyboard", [])
                for button in row
            ]
            if data not in buttons:
                raise ValueError(
                    f"message {current['message_id']} in chat {chat_key} has no button with "
                    f"callback_data={data!r}; buttons: {buttons!r} (check_buttons=False to forge)"
                )
        query_id = str(4_000_000_000_000_000_000 + next(self._counter))
        self._callback_queries[query_id] = False
        self._enqueue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": current,
                    "chat_instance": str(-7_000_000_000_000_000_000 + chat_key),
                    "data": data,
                }
            }
        )
        return query_id

    def inline_query(
        self,
        user_id: int,
        query: str,
        *,
        language_code: str | None = None,
        offset: str = "",
        chat_type: str | None = "sender",
    ) -> JSONDict:
        """Queue an ``inline_query`` update and return it (id: ``update["inline_query"]["id"]``)."""
        user = self._ensure_user(user_id, language_code=language_code)
        query_id = str(3_000_000_000_000_000_000 + next(self._counter))
        self._inline_queries[query_id] = False
        body: JSONDict = {"id": query_id, "from": user, "query": query, "offset": offset}
        if chat_type is not None:
            body["chat_type"] = chat_type
        return self._enqueue({"inline_query": body})

    def poll_answer(
        self,
        user_id: int,
        poll_id: str,
        option_ids: Sequence[int],
        *,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> JSONDict:
        """Queue a ``poll_answer`` of ``user_id`` for a poll the bot sent; return the update.

        Like Telegram, only non-anonymous, open polls produce answers, option ids must
        exist, a single-answer poll takes one option, quizzes cannot be re-answered
        (unless sent with ``allows_revoting``), and ``option_ids=[]`` retracts a vote.
        Vote counts are tracked (see :meth:`get_poll` and ``stopPoll``).
        """
        state = self._polls.get(poll_id)
        if state is None:
            raise ValueError(f"unknown poll {poll_id!r}; the bot sent {list(self._polls)}")
        poll = state.poll
        if poll["is_anonymous"]:
            raise ValueError(f"poll {poll_id} is anonymous: Telegram sends no poll_answer for it")
        if self._poll_closed(state):
            raise ValueError(f"poll {poll_id} is closed")
        ids = list(option_ids)
        if any(not 0 <= i < len(poll["options"]) for i in ids) or len(set(ids)) != len(ids):
            raise ValueError(f"invalid option ids {ids} for poll with {len(poll['options'])} options")
        if len(ids) > 1 and not poll["allows_multiple_answers"]:
            raise ValueError("this poll allows only one answer")
        previous = state.votes.get(user_id)
        if previous and not poll.get("allows_revoting", False):
            raise ValueError(f"user {user_id} already answered poll {poll_id} (no revoting)")
        if not ids and not previous:
            raise ValueError("nothing to retract")
        user = self._ensure_user(
            user_id, first_name=first_name, username=username, language_code=language_code
        )
        for index in previous or []:
            poll["options"][index]["voter_count"] -= 1
        for index in ids:
            poll["options"][index]["voter_count"] += 1
        if ids:
            state.votes[user_id] = ids
        else:
            state.votes.pop(user_id, None)
        poll["total_voter_count"] = len(state.votes)
        stored = self._messages.get((state.chat_id, state.message_id))
        if stored is not None:
            stored["poll"] = copy.deepcopy(poll)
        return self._enqueue(
            {
                "poll_answer": {
                    "poll_id": poll_id,
                    "user": user,
                    "option_ids": ids,
                    "option_persistent_ids": [poll["options"][i]["persistent_id"] for i in ids],
                }
            }
        )

    # ------------------------------------------------------------------ webhooks

    async def _post_json(self, url: str, update: Mapping[str, Any], secret: str | None) -> int:
        if self._session is None:
            raise RuntimeError("FakeBotAPI is not started")
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with self._session.post(
            url,
            data=json.dumps(update).encode(),
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=15),
        ) as response:
            await response.read()
            return response.status

    async def post_to_webhook(
        self, update: Mapping[str, Any], secret: str | None, *, url: str | None = None
    ) -> int:
        """POST ``update`` to the bot's webhook like Telegram does; return the HTTP status.

        ``url`` defaults to the URL registered with ``setWebhook``.  ``secret`` is sent as
        ``X-Telegram-Bot-Api-Secret-Token`` (omitted if None).  The update is not validated,
        so malformed payloads can be posted on purpose.
        """
        target = url or self.webhook_url
        if not target:
            raise ValueError("no webhook URL: call setWebhook first or pass url=")
        return await self._post_json(target, update, secret)

    async def post_raw_to_webhook(
        self, body: bytes, secret: str | None, *, headers: Mapping[str, str] | None = None
    ) -> int:
        """POST arbitrary bytes to the registered webhook (malformed or huge bodies on purpose)."""
        if self._session is None or not self.webhook_url:
            raise RuntimeError("start() the fake and register a webhook first")
        sent = {"Content-Type": "application/json", **(headers or {})}
        if secret is not None:
            sent["X-Telegram-Bot-Api-Secret-Token"] = secret
        data: bytes | io.BytesIO = (
            io.BytesIO(body) if len(body) > 512 * 1024 else body
        )  # aiohttp warns on big bytes
        async with self._session.post(
            self.webhook_url, data=data, headers=sent, timeout=aiohttp.ClientTimeout(total=15)
        ) as response:
            await response.read()
            return response.status

    async def _webhook_worker(self) -> None:
        assert self._webhook_queue is not None
        while True:
            update = await self._webhook_queue.get()
            try:
                url = self.webhook_url
                if not url:
                    self._queue.append(update)
                    self._wake_pollers()
                    continue
                status: int | None = None
                error: str | None = None
                try:
                    status = await self._post_json(url, update, self.webhook_secret)
                except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                self.webhook_deliveries.append(WebhookDelivery(url, update, status, error, time.monotonic()))
                if status != 200 and self.webhook_retry_delay is not None and not self._closing:
                    self._inflight += 1
                    asyncio.get_running_loop().call_later(
                        self.webhook_retry_delay, self._webhook_queue.put_nowait, update
                    )
            finally:
                self._inflight -= 1
                self._last_activity = time.monotonic()
                self._webhook_queue.task_done()
                event = self._calls_changed
                self._calls_changed = asyncio.Event()
                event.set()

    async def wait_for_webhook_deliveries(
        self, count: int = 1, timeout: float = 10.0
    ) -> list[WebhookDelivery]:
        """Wait until ``count`` webhook deliveries were attempted; return all of them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.webhook_deliveries) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"only {len(self.webhook_deliveries)} of {count} webhook deliveries "
                    f"within {timeout}s (webhook_url={self.webhook_url!r})"
                )
            event = self._calls_changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
        return list(self.webhook_deliveries)
