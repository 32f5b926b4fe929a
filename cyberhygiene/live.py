"""Trainers' live views: a session message that keeps itself up to date.

The engine decides everything here: which message is live (one per session, the newest), what it
shows (:meth:`~cyberhygiene.sessions.TrainerSessions.live_reply`), whether that changed since it
was last shown, and when the view ends (the session closed, the view ran
``Settings.live_view_max_seconds``, the trainer's chat is gone, the message can't be edited). A
channel only schedules: it registers the message it sent (:meth:`LiveViews.started`), asks
:meth:`LiveViews.tick` every ``Settings.live_view_seconds``, edits the message when told to and
reports back (:meth:`LiveViews.shown`, :meth:`LiveViews.failed`). Views are rows in SQLite, so a
restarted channel resumes them (:meth:`LiveViews.to_resume`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .knowledge import LANGS
from .messages import LiveUpdate
from .sessions import LIVE_CLOSED, LIVE_KINDS, LIVE_STOPPED, LIVE_UPDATING, TrainerSessions, view_digest
from .store import SessionInfo, Store


class LiveViews:
    def __init__(
        self,
        store: Store,
        sessions: TrainerSessions,
        max_seconds: float,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.max_seconds = max_seconds
        self._wall_clock = wall_clock  # views outlive a restart: Unix times, not monotonic ones

    def _session(self, code: str, chat_id: str) -> SessionInfo | None:
        """The session, if it still exists, its quiz too, and ``chat_id`` is its owner's chat."""
        info = self.store.get_session(code)
        if info is None or info.owner_id != chat_id or info.quiz_id not in self.sessions.kb.quizzes:
            return None
        return info

    def started(self, token: str, chat_id: str, message_id: int) -> tuple[str, list[LiveUpdate]] | None:
        """The channel sent a reply whose ``live`` is ``token`` as ``message_id`` in ``chat_id``.

        Returns the view's key for :meth:`tick`, and the last state of the session's earlier live
        message, if this one replaces it (to show once; that message then stops updating).
        None when the token is not one of ours (nothing to keep up to date)."""
        kind, lang, code, shown = [*token.split(":", 3), "", "", ""][:4]
        if kind not in LIVE_KINDS or lang not in LANGS or not shown:
            return None
        info = self._session(code, chat_id)
        if info is None or info.closed_at is not None:
            return None
        old = self.store.start_live_view(code, chat_id, message_id, kind, lang, shown, self._wall_clock())
        replaced: list[LiveUpdate] = []
        if old is not None:
            reply = self.sessions.live_reply(info, old.kind, old.lang, LIVE_STOPPED)
            replaced.append(LiveUpdate(code, old.chat_id, old.message_id, reply, done=True))
        return code, replaced

    def tick(self, key: str) -> LiveUpdate | None:
        """What the live message of session ``key`` should show now; None: there is no view
        (any more), stop asking."""
        view = self.store.live_view(key)
        if view is None:
            return None
        info = self._session(key, view.chat_id)
        if info is None:
            self.store.end_live_view(key)
            return None
        if info.closed_at is not None:
            state = LIVE_CLOSED
        elif self._wall_clock() - view.started_at >= self.max_seconds:
            state = LIVE_STOPPED
        else:
            state = LIVE_UPDATING
        reply = self.sessions.live_reply(info, view.kind, view.lang, state)
        done = state != LIVE_UPDATING
        changed = view_digest(reply) != view.shown
        return LiveUpdate(key, view.chat_id, view.message_id, reply if changed else None, done)

    def shown(self, update: LiveUpdate) -> None:
        """The channel showed ``update`` (or had nothing to change): remember what the message
        shows, or end the view after its last state."""
        if update.done:
            self.store.end_live_view(update.key, update.message_id)
        elif update.reply is not None:
            self.store.set_live_view_shown(update.key, update.message_id, view_digest(update.reply))

    def failed(self, key: str, message_id: int) -> None:
        """The message can no longer be edited (deleted, too old) or the chat is gone: stop."""
        self.store.end_live_view(key, message_id)

    def chat_gone(self, chat_id: str) -> None:
        self.store.end_live_views_in_chat(chat_id)

    def to_resume(self) -> list[str]:
        """Keys of the live views a restarted channel must keep ticking."""
        return [view.session_code for view in self.store.live_views()]
