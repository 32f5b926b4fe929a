"""The narrow set of things quizzes and trainer sessions need from the rest of the bot.

:class:`~cyberhygiene.quiz.QuizFlow` and :class:`~cyberhygiene.sessions.TrainerSessions` get a
:class:`Toolkit` instead of the whole engine, so the module graph is one-way (the engine imports
them; they import neither the engine nor each other's owner) and each can be built and tested
with only what it uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .knowledge import KnowledgeBase
from .messages import Incoming, Reply
from .store import Store


@dataclass(frozen=True)
class Toolkit:
    kb: KnowledgeBase
    store: Store
    text: Callable[..., str]  # text(key, lang, **values): a UI string from content/ui.yaml
    deep_link: Callable[[str], str]  # payload -> https://t.me/<the bot>?start=<payload>
    bot_username: Callable[[], str]  # read when needed: the channel may learn it from getMe
    stale: Callable[[str], list[Reply]]  # the polite answer to an old or forged button
    own_language: Callable[[Incoming], str]  # the user's language, even in a group
    clock: Callable[[], float]  # monotonic seconds (injectable in tests)
    group_quiz_seconds: int
