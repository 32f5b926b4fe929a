"""Button payloads: short, versioned, validated.

A payload is ``"<version>:<kind>[:<arg>…]"``, at most 64 bytes (Telegram's callback-data limit).
Anything that does not parse exactly, including payloads of another version, is *stale*: the
engine answers politely and shows the menu, never an error. Names instead of bare literals:
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "1"
MAX_BYTES = 64

ANSWER = "a"  # a:<intent_id>
GUESS = "ga"  # ga:<intent_id>: a "Did you mean…?" guess (answered like ANSWER, counted apart)
MENU = "m"  # m
GROUP = "g"  # g:<group_id>
LANGUAGE = "l"  # l:<en|es>
FORGET = "f"  # f:<y|n>
QUIZ_LIST = "ql"  # ql
QUIZ_START = "qs"  # qs:<quiz_id>
QUIZ_ANSWER = "qa"  # qa:<attempt_id>:<question>:<option>
QUIZ_NEXT = "qn"  # qn:<attempt_id>
SESSION_JOIN = "sj"  # sj:<code>
COUNTRY = "c"  # c:<us|mx|xx>[:<intent_id>]  (xx = unknown; the intent's answer follows)
ANSWER_FOR = "ac"  # ac:<intent_id>:<us|mx>  (an answer's view for one country)
MORE = "mo"  # mo:<intent_id>  (an answer's "More" part)
UNKNOWN_COUNTRY = "xx"
# Trainer buttons. Each names a session by its code; the engine answers only its owner.
SESSION_NEW = "ns"  # ns:<quiz_id>: create a session for that quiz (or an adapted one, "basics-5b")
SESSION_ADAPT = "na"  # na[:<quiz_id>:<hex mask>]: choose a quiz, then the questions to keep
SESSION_RESULTS = "sr"  # sr:<code>
SESSION_EXPORT = "se"  # se:<code>
SESSION_CLOSE = "sc"  # sc:<code>

# Deep-link payloads (``https://t.me/<bot>?start=<prefix><id>``), answered by ``/start``.
TOPIC_LINK = "topic_"
QUIZ_LINK = "quiz_"
SESSION_LINK = "s_"

_ID = r"[a-z0-9_]{1,40}"
_NUM = r"\d{1,9}"
_QUIZ = rf"{_ID}(-[0-9a-f]{{1,8}})?"  # a quiz, or an adapted one (data.model.ADAPTED_SEP)
_SHAPES: dict[str, re.Pattern[str]] = {
    ANSWER: re.compile(rf"^{_ID}$"),
    GUESS: re.compile(rf"^{_ID}$"),
    MENU: re.compile(r"^$"),
    GROUP: re.compile(rf"^{_ID}$"),
    LANGUAGE: re.compile(r"^(en|es)$"),
    FORGET: re.compile(r"^[yn]$"),
    QUIZ_LIST: re.compile(r"^$"),
    QUIZ_START: re.compile(rf"^{_QUIZ}$"),
    QUIZ_ANSWER: re.compile(rf"^{_NUM}:\d{{1,2}}:\d$"),
    QUIZ_NEXT: re.compile(rf"^{_NUM}$"),
    SESSION_JOIN: re.compile(r"^[A-Za-z0-9]{6,20}$"),
    COUNTRY: re.compile(rf"^(us|mx|xx)(:{_ID})?$"),
    ANSWER_FOR: re.compile(rf"^{_ID}:(us|mx)$"),
    MORE: re.compile(rf"^{_ID}$"),
    SESSION_NEW: re.compile(rf"^{_QUIZ}$"),
    SESSION_ADAPT: re.compile(rf"^({_ID}:[0-9a-f]{{1,8}})?$"),
    SESSION_RESULTS: re.compile(r"^[A-Za-z0-9]{6,20}$"),
    SESSION_EXPORT: re.compile(r"^[A-Za-z0-9]{6,20}$"),
    SESSION_CLOSE: re.compile(r"^[A-Za-z0-9]{6,20}$"),
}


@dataclass(frozen=True)
class Payload:
    kind: str
    args: tuple[str, ...]


def make(kind: str, *args: object) -> str:
    """Build a payload; raises ValueError if it would not parse back (a programming error)."""
    text = ":".join([VERSION, kind, *(str(a) for a in args)])
    if parse(text) is None:
        raise ValueError(f"payload would not validate: {text!r}")
    return text


def parse(text: str | None) -> Payload | None:
    """Parse a payload, or return None for anything malformed, foreign or stale."""
    if not text or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None
    version, _, rest = text.partition(":")
    if version != VERSION:
        return None
    kind, _, args = rest.partition(":")
    shape = _SHAPES.get(kind)
    if shape is None or not shape.match(args):
        return None
    return Payload(kind, tuple(args.split(":")) if args else ())
