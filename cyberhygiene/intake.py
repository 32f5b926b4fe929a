"""Durable intake: every update is in SQLite before Telegram is told it was received.

Telegram forgets an update once the bot confirms it (the next ``getUpdates`` offset, or a 200
answer to the webhook). :class:`Intake` keeps that promise safe:

* :meth:`Intake.accept` takes updates as they arrive (raw JSON), drops any it has seen (a
  re-delivery), and hands the new ones to a single writer thread that stores them in the
  ``updates`` table, many per transaction. It returns at once: the bot starts answering while
  the update is being stored, so a database that is slow or locked delays the *confirmation*
  of an update, never the reply to it.
* :meth:`Intake.offset` is the ``getUpdates`` offset that confirms only stored updates;
  :meth:`Intake.stored` waits until given updates are stored (the webhook answers 200 after it).
* :meth:`Intake.done` records that an update was handled (its reply sent) and erases its body.
  At start-up, :meth:`Intake.start` returns the stored updates that were never done (the
  process died first): the channel handles them before anything new. A done update is never
  handled again; an update whose reply went out just before a crash, before ``done`` was
  stored, is handled again (at least once, never lost).
* Done rows are pruned after :data:`KEEP_DONE` seconds (Telegram re-sends an unconfirmed update
  for 24 hours at most), by the writer thread.

Nothing here imports ``telegram`` and nothing here touches the database on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .store import Store

logger = logging.getLogger(__name__)

KEEP_DONE = 2 * 86400.0  # seconds a handled update's id is remembered
PRUNE_EVERY = 3600.0
RETRY_PAUSE = 0.5  # seconds between attempts when the database refuses a write


@dataclass
class _Batch:
    received: list[tuple[int, str]] = field(default_factory=list)
    done: list[int] = field(default_factory=list)
    stop: bool = False


class Intake:
    """The intake journal of one running bot. Create, ``await start()``, ``await close()``."""

    def __init__(self, store: Store, *, keep_done: float = KEEP_DONE) -> None:
        self.store = store
        self.keep_done = keep_done
        self._known: dict[int, float] = {}  # update ids seen (journal or this process) -> when
        self._unstored: dict[int, asyncio.Future[None]] = {}
        self._next_offset: int | None = None
        self._jobs: queue.Queue[tuple[str, object]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._progress = asyncio.Event()
        self._last_prune = 0.0
        self.stored_count = 0
        self.done_count = 0

    # -- life cycle -------------------------------------------------------------------------
    async def start(self) -> list[tuple[int, str]]:
        """Load what the journal knows (off the loop) and start the writer thread. Returns the
        updates stored but never handled, oldest first, to be handled before anything new."""
        self._loop = asyncio.get_running_loop()
        known, pending = await asyncio.to_thread(self._load)
        now = time.monotonic()
        self._known = dict.fromkeys(known, now)
        self._thread = threading.Thread(target=self._writer, name="intake-writer", daemon=True)
        self._thread.start()
        if pending:
            logger.info(
                "%d update(s) received before a stop were not handled: handling them now", len(pending)
            )
        return pending

    def _load(self) -> tuple[set[int], list[tuple[int, str]]]:
        return self.store.journal_ids(), self.store.journal_pending()

    async def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the writer thread."""
        if self._thread is None:
            return
        self._jobs.put(("stop", None))
        await asyncio.to_thread(self._thread.join, timeout)
        if self._thread.is_alive():
            logger.warning("the intake journal could not write its last records within %.0fs", timeout)
        self._thread = None

    # -- on the event loop ---------------------------------------------------------------------
    def accept(self, updates: Sequence[tuple[int, str]]) -> list[int]:
        """Register arriving updates ``(update_id, raw JSON)``; return the ids not seen before
        (to be handled), in order. Storing them starts in the background."""
        fresh: list[int] = []
        now = time.monotonic()
        assert self._loop is not None, "Intake.start() first"
        for update_id, body in updates:
            if update_id in self._known:
                continue
            self._known[update_id] = now
            self._unstored[update_id] = self._loop.create_future()
            self._jobs.put(("received", (update_id, body)))
            fresh.append(update_id)
        if updates:
            self._next_offset = updates[-1][0] + 1
        if len(self._known) > 100_000:  # bounded memory: ids older than the keep period go
            cutoff = now - self.keep_done
            self._known = {k: t for k, t in self._known.items() if t >= cutoff or k in self._unstored}
        return fresh

    def offset(self) -> int | None:
        """The ``getUpdates`` offset confirming exactly the stored updates."""
        if self._unstored:
            return min(self._unstored)
        return self._next_offset

    @property
    def unstored(self) -> int:
        return len(self._unstored)

    async def stored(self, update_ids: Iterable[int]) -> None:
        """Wait until these updates are in the journal."""
        waits = [self._unstored[i] for i in update_ids if i in self._unstored]
        if waits:
            await asyncio.gather(*(asyncio.shield(w) for w in waits))

    async def wait_progress(self, timeout: float) -> None:
        """Wait (at most ``timeout`` s) until the writer stored something."""
        self._progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._progress.wait(), timeout)

    def done(self, update_id: int) -> None:
        """The update was handled: record it (never handled again after a restart)."""
        self._jobs.put(("done", update_id))

    def _on_stored(self, update_ids: list[int]) -> None:
        for update_id in update_ids:
            future = self._unstored.pop(update_id, None)
            if future is not None and not future.done():
                future.set_result(None)
        self._progress.set()

    # -- the writer thread ---------------------------------------------------------------------
    def _writer(self) -> None:
        stopping = False
        while not stopping:
            batch = _Batch()
            kind, value = self._jobs.get()
            while True:
                if kind == "stop":
                    batch.stop = True
                elif kind == "received":
                    batch.received.append(value)  # type: ignore[arg-type]
                elif kind == "done":
                    batch.done.append(value)  # type: ignore[arg-type]
                if len(batch.received) + len(batch.done) >= 500:
                    break
                try:
                    kind, value = self._jobs.get_nowait()
                except queue.Empty:
                    break
            stopping = batch.stop
            self._write(batch)
            if time.time() - self._last_prune > PRUNE_EVERY:
                self._prune()

    def _write(self, batch: _Batch) -> None:
        if not batch.received and not batch.done:
            return
        warned = False
        attempts = 0
        while True:
            attempts += 1
            try:
                self.store.journal(batch.received, batch.done)
                break
            except sqlite3.Error as exc:
                if not warned:  # once per batch: a locked database can last a while
                    logger.warning("intake journal: cannot write yet (%s); retrying", exc)
                    warned = True
                if batch.stop and attempts >= 10:
                    # Stopping: what is not written was not confirmed either; Telegram sends
                    # it again, and a done mark lost means at most one repeated reply.
                    logger.error(
                        "intake journal: stopping with %d record(s) unwritten",
                        len(batch.received) + len(batch.done),
                    )
                    return
                time.sleep(RETRY_PAUSE)
        if warned:
            logger.info("intake journal: written again")
        self.stored_count += len(batch.received)
        self.done_count += len(batch.done)
        ids = [uid for uid, _ in batch.received]
        loop = self._loop
        if ids and loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
                loop.call_soon_threadsafe(self._on_stored, ids)

    def _prune(self) -> None:
        self._last_prune = time.time()
        try:
            n = self.store.journal_prune(time.time() - self.keep_done)
        except sqlite3.Error as exc:
            logger.warning("intake journal: pruning failed (%s); will retry later", exc)
            return
        if n:
            logger.info("intake journal: forgot %d handled update(s)", n)
