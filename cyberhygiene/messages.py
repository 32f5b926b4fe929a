"""What channels hand to the engine and what they get back. No transport types here."""

from __future__ import annotations

from dataclasses import dataclass

from . import markup


@dataclass(frozen=True)
class Choice:
    """A button: ``payload`` comes back as :attr:`Incoming.payload`; ``url`` opens a link instead."""

    label: str
    payload: str = ""
    url: str = ""
    # Share through inline mode: the button lets the user pick a chat and types "@bot <share>"
    # there, which offers this topic (Telegram's switch_inline_query). Channels without inline
    # mode leave the button out.
    share: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file to send with a reply: ``kind`` is ``photo`` (PNG) or ``document``."""

    kind: str
    filename: str
    data: bytes
    caption: str = ""  # markup


@dataclass(frozen=True)
class PollSpec:
    """A native quiz poll for live group quizzes."""

    question: str
    options: tuple[str, ...]
    correct: int
    explanation: str
    open_period: int
    position: int


@dataclass(frozen=True)
class Reply:
    """One message from the bot. ``text`` is markup (see :mod:`cyberhygiene.markup`)."""

    text: str
    lang: str = "en"
    choices: tuple[Choice, ...] = ()
    attachment: Attachment | None = None
    poll: PollSpec | None = None
    # Replace the message whose button was pressed instead of sending a new one (channels
    # without editing just show it). An empty ``text`` keeps that message's text and only
    # replaces its buttons (with ``choices``; none removes them).
    edit: bool = False
    # A short notice about the button just pressed (a Telegram "toast"), not a message.
    toast: bool = False
    # Keep this message up to date (a trainer's live view): a channel that can edit messages
    # hands this token and the sent message's id to ``Engine.live_view_started`` and then asks
    # ``Engine.live_view`` every few seconds what the message should show.
    live: str = ""

    def html(self) -> str:
        return markup.to_html(self.text)

    def plain(self) -> str:
        return markup.to_plain(self.text)


@dataclass(frozen=True)
class LiveUpdate:
    """What a live message should show now (``Engine.live_view``).

    ``reply`` is None when nothing changed since it was last shown (no edit). ``done``: this is
    the message's last state (the session closed, or the view ran its maximum time); once it is
    shown, the view ends. ``key`` identifies the view in further calls."""

    key: str
    chat_id: str
    message_id: int
    reply: Reply | None
    done: bool = False


@dataclass(frozen=True)
class PollAnswer:
    poll_id: str
    option_ids: tuple[int, ...]


BOT_ADDED = "bot_added"
BOT_REMOVED = "bot_removed"


@dataclass(frozen=True)
class Incoming:
    """One thing a user did: typed or forwarded ``text``, pressed a button (``payload``) or voted."""

    user_id: str
    text: str | None = None
    payload: str | None = None
    chat_id: str | None = None
    chat_type: str = "private"
    language_code: str | None = None
    first_name: str = ""
    username: str = ""
    poll_answer: PollAnswer | None = None
    # Set by channels for the message checker: the message was forwarded from elsewhere, and the
    # text of the message this one replies to (for "/check" sent as a reply).
    forwarded: bool = False
    reply_to_text: str | None = None
    # Filled by a channel that knows it: the sender administers this group chat.
    is_admin: bool = False
    # Something that happened to the bot in this chat: BOT_ADDED or BOT_REMOVED (removed,
    # banned, or blocked in a private chat).
    event: str = ""

    @property
    def chat(self) -> str:
        return self.chat_id or self.user_id

    @property
    def in_group(self) -> bool:
        return self.chat_type in {"group", "supergroup"}


@dataclass(frozen=True)
class InlineResult:
    """A topic offered in inline mode (``@bot words``)."""

    intent: str
    title: str
    description: str
    text: str  # markup of the full answer
    lang: str
    link: str = ""  # a deep link back to the bot on this topic
    link_label: str = ""
