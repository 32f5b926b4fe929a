"""Run the real bot Application against the fake Bot API server, in the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cyberhygiene.channels.telegram import TelegramChannel
from cyberhygiene.config import Settings
from cyberhygiene.engine import Engine
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.store import Store, open_store
from tests.fakes.bot_api import Call, FakeBotAPI

ROOT_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    fake: FakeBotAPI
    channel: TelegramChannel
    engine: Engine
    store: Store
    settings: Settings

    async def say(self, user_id: int, text: str, **kw: Any) -> list[Call]:
        """Send a message and wait until the bot went quiet; return what it sent to that chat."""
        return await self._then_sent(
            kw.get("chat_id", user_id), lambda: self.fake.message(user_id, text, **kw)
        )

    async def say_until(self, user_id: int, text: str, method: str, count: int = 1, **kw: Any) -> list[Call]:
        """Like :meth:`say`, for slow replies (charts, exports): also wait for ``count`` new
        ``method`` calls to that chat before waiting for quiet."""
        chat = kw.get("chat_id", user_id)
        before = len(self.fake.sent_messages(chat))

        def new(c: Call) -> bool:
            return c in self.fake.sent_messages(chat)[before:]

        self.fake.message(user_id, text, **kw)
        await self.fake.wait_for(method, new, count=count, timeout=60)
        await self.fake.wait_idle(quiet=0.4, timeout=15)
        return self.fake.sent_messages(chat)[before:]

    async def press_until(
        self, user_id: int, data: str, method: str, count: int = 1, **kw: Any
    ) -> list[Call]:
        """Like :meth:`press`, waiting for ``count`` new ``method`` calls (see :meth:`say_until`)."""
        chat = kw.get("chat_id", user_id)
        before = len(self.fake.sent_messages(chat))

        def new(c: Call) -> bool:
            return c in self.fake.sent_messages(chat)[before:]

        self.fake.callback_query(user_id, data, **kw)
        await self.fake.wait_for(method, new, count=count, timeout=60)
        await self.fake.wait_idle(quiet=0.4, timeout=15)
        return self.fake.sent_messages(chat)[before:]

    async def press(self, user_id: int, data: str, **kw: Any) -> list[Call]:
        """Press a button (callback data) and return what the bot then sent to that chat."""
        return await self._then_sent(
            kw.get("chat_id", user_id), lambda: self.fake.callback_query(user_id, data, **kw)
        )

    async def _then_sent(self, chat_id: int, act: Callable[[], object]) -> list[Call]:
        before = len(self.fake.sent_messages(chat_id))
        act()
        await self.fake.wait_idle(quiet=0.4, timeout=15)
        return self.fake.sent_messages(chat_id)[before:]


def right_and_wrong(quiz: Any, lang: str) -> tuple[list[int], list[int]]:
    """For each question of ``quiz``: the right option's index, and a wrong one's."""
    right = [q.answer for q in quiz.questions]
    wrong = [(q.answer + 1) % len(q.options[lang]) for q in quiz.questions]
    return right, wrong


def buttons(call: Call) -> list[dict[str, Any]]:
    """Inline keyboard buttons of a sendMessage call, flattened."""
    markup = call.params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def text_of(calls: list[Call]) -> str:
    return "\n".join(
        str(c.params.get("text") or c.params.get("caption") or c.params.get("question") or "") for c in calls
    )


@contextlib.asynccontextmanager
async def running_bot(
    kb: KnowledgeBase,
    tmp_path: Path,
    *,
    webhook: bool = False,
    fake: FakeBotAPI | None = None,
    **settings_kw: Any,
) -> AsyncIterator[Running]:
    """The bot on ``tmp_path/bot.sqlite3``. Pass the ``fake`` of an earlier ``running_bot`` (on
    the same ``tmp_path``) to restart the bot against the same Telegram: it is left running.
    Trainers' live views tick once an hour unless a test sets ``live_view_seconds``, so their
    edits never land in the middle of another test's exchange."""
    own_fake = fake is None
    if fake is None:
        fake = FakeBotAPI()
        await fake.start()
    defaults: dict[str, Any] = {
        "flood_messages": 10_000,
        "flood_presses": 10_000,
        "live_view_seconds": 3600.0,
    }
    settings = Settings(
        telegram_token=fake.token,
        bot_api_url=fake.base_url,
        database_url=str(tmp_path / "bot.sqlite3"),
        **{**defaults, **settings_kw},
    )
    store = open_store(settings.database_path, settings.db_busy_timeout)
    engine = Engine(kb, store, settings)
    channel = TelegramChannel(engine, settings, store)
    app = channel.build()
    await app.initialize()
    await channel._post_init(app)
    await app.start()
    assert app.updater is not None
    server = None
    if webhook:  # the bot's own webhook server (cyberhygiene/channels/webhook.py), as in production
        port = free_port()
        server = await channel.start_webhook(
            f"http://127.0.0.1:{port}/hook", "127.0.0.1", port, settings.webhook_secret
        )
        fake.deliver_to_webhook = True
    else:
        await channel.start_polling(timeout=1)  # as `serve` does, with a shorter long poll
    try:
        yield Running(fake, channel, engine, store, settings)
    finally:
        if server is not None:
            server.stop()
        with contextlib.suppress(Exception):
            await app.updater.stop()
        await app.stop()
        await channel._post_stop(app)
        await app.shutdown()
        if own_fake:
            await fake.stop()
        store.close()
        fake.assert_no_errors()


async def start_bot_process(
    fake: FakeBotAPI,
    db: Path,
    log_level: str = "WARNING",
    command: tuple[str, ...] = ("telegram",),
    extra_env: dict[str, str] | None = None,
) -> asyncio.subprocess.Process:
    """`python bot.py telegram` (or ``command``) in a real child process, talking to ``fake``."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_BOT_API_URL": fake.base_url,
        "DATABASE_URL": f"sqlite:///{db}",
        "LOG_LEVEL": log_level,
        **(extra_env or {}),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT_DIR / "bot.py"),
        *command,
        env=env,
        cwd=str(ROOT_DIR),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
