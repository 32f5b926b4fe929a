"""Chaos benchmark: N users × M messages to the real bot process, killed with SIGKILL K times.

The fake Bot API (tests/fakes/bot_api.py) runs here; ``python bot.py telegram`` runs as a child
process (polling, or a webhook the fake posts to and, like Telegram, posts to again until it
gets a 200). Messages are injected at a steady pace; at K random moments the bot is killed with
SIGKILL and restarted at once. At the end we wait until the bot is quiet and count, for every
update (each user's message k asks about a different topic, so each reply names its update):

* lost: updates that never got a reply (must be 0);
* duplicated, confirmed: updates answered again after a kill although, at that kill, the bot
  had recorded them as handled (must be 0);
* duplicated, other: updates answered again because the kill fell after the reply went out and
  before the bot recorded it (at least once: reported). Of those, how many had their reply
  acknowledged by Telegram before the kill is printed too.

    python -m benchmarks.chaos --users 200 --messages 5 --kills 5
    python -m benchmarks.chaos --root /tmp/old-checkout   # the same against another version
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cyberhygiene import markup  # noqa: E402
from cyberhygiene.config import Settings  # noqa: E402
from cyberhygiene.engine import Engine  # noqa: E402
from cyberhygiene.knowledge import load_or_raise  # noqa: E402
from cyberhygiene.messages import Incoming  # noqa: E402
from cyberhygiene.store import open_store  # noqa: E402
from tests.fakes.bot_api import FakeBotAPI  # noqa: E402
from tests.tg_harness import free_port  # noqa: E402

TOPICS = [
    "what is phishing",
    "what is smishing",
    "what is ransomware",
    "how do I make a strong password",
    "what is two factor authentication",
    "what is vishing",
    "how do I back up my phone",
    "what is a vpn",
]


@dataclass
class Run:
    mode: str
    users: int
    messages: int
    kills: int
    sent: int = 0
    replies: int = 0
    lost: int = 0
    dup_confirmed: int = 0
    dup_other: int = 0
    dup_acknowledged: int = 0
    unrecognised: int = 0
    seconds: float = 0.0
    kill_times: list[float] = field(default_factory=list)


def expected_prefixes() -> list[str]:
    """The start of the reply to each topic, as the bot sends it (HTML)."""
    kb = load_or_raise(ROOT / "intents", ROOT / "content")
    engine = Engine(kb, open_store(":memory:"), Settings(flood_messages=10_000))
    prefixes = []
    for i, text in enumerate(TOPICS):
        reply = engine.handle(Incoming(user_id=f"probe{i}", text=text, language_code="en"))[0]
        prefixes.append(markup.to_html(reply.text)[:60])
    if len(set(prefixes)) != len(prefixes):
        raise SystemExit("chaos: two topics get the same answer; pick other TOPICS")
    return prefixes


async def start_bot(
    fake: FakeBotAPI, root: Path, db: Path, command: tuple[str, ...]
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_BOT_API_URL": fake.base_url,
        "DATABASE_URL": f"sqlite:///{db}",
        "LOG_LEVEL": "WARNING",
        "FLOOD_MESSAGES": "1000",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(root / "bot.py"),
        *command,
        env=env,
        cwd=str(root),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


def done_ids(db: Path) -> set[int]:
    """Updates the bot had recorded as handled (empty for a version without the journal)."""
    try:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            rows = conn.execute("SELECT update_id FROM updates WHERE done_at IS NOT NULL").fetchall()
    except sqlite3.Error:
        return set()
    return {int(r[0]) for r in rows}


async def run(mode: str, users: int, messages: int, kills: int, root: Path, seed: int, pace: float) -> Run:
    rng = random.Random(seed)
    prefixes = expected_prefixes()
    result = Run(mode, users, messages, kills)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "chaos.sqlite3"
        async with FakeBotAPI() as fake:
            command: tuple[str, ...] = ("telegram",)
            if mode == "webhook":
                port = free_port()
                command = ("telegram", "--webhook-url", f"http://127.0.0.1:{port}/hook", "--port", str(port))
                fake.deliver_to_webhook = True
                fake.webhook_retry_delay = 0.3
            proc = await start_bot(fake, root, db, command)
            await fake.wait_for("setMyCommands", count=2, timeout=60)
            if mode == "webhook":
                await fake.wait_for("setWebhook", ok=True, timeout=30)
            started = time.monotonic()
            total = users * messages
            inject_time = total * pace
            moments = sorted(rng.uniform(0.5, inject_time + 3.0) for _ in range(kills))
            owner: dict[int, tuple[int, int]] = {}  # update_id -> (user, k)
            done_at_kill: list[tuple[float, set[int]]] = []

            async def killer() -> None:
                nonlocal proc
                for moment in moments:
                    await asyncio.sleep(max(0.0, started + moment - time.monotonic()))
                    proc.send_signal(signal.SIGKILL)
                    await proc.wait()
                    killed_at = time.monotonic()
                    result.kill_times.append(killed_at - started)
                    done_at_kill.append((killed_at, done_ids(db)))
                    proc = await start_bot(fake, root, db, command)

            killing = asyncio.create_task(killer())
            order = [(u, k) for k in range(messages) for u in range(users)]
            for user_index, k in order:
                user = 900_000 + user_index
                update = fake.message(user, TOPICS[k % len(TOPICS)], language_code="en")
                owner[int(update["update_id"])] = (user, k)
                await asyncio.sleep(pace)
            result.sent = len(owner)
            await killing
            # Wait until every update is answered, or the bot has been quiet for a while.
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                answered = {c.params.get("chat_id") for c in fake.sent_messages()}
                if len(answered) >= users and fake._inflight == 0:
                    with contextlib.suppress(TimeoutError):
                        await fake.wait_idle(quiet=3.0, timeout=10)
                        break
                await asyncio.sleep(0.5)
            result.seconds = time.monotonic() - started
            proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 30)
            if proc.returncode is None:
                proc.kill()
                await proc.wait()

            # Attribute every reply to its update: (user, topic of message k).
            replies: dict[tuple[int, int], list[float]] = {}
            for call in fake.calls("sendMessage"):
                if not call.ok:
                    continue
                result.replies += 1
                user = int(call.params["chat_id"])
                text = str(call.params.get("text", ""))
                ks = [k for k in range(messages) if text.startswith(prefixes[k % len(TOPICS)])]
                if not ks:
                    result.unrecognised += 1
                    continue
                replies.setdefault((user, ks[0]), []).append(call.time)
            for update_id, key in owner.items():
                times = sorted(replies.get(key, []))
                if not times:
                    result.lost += 1
                    continue
                if len(times) == 1:
                    continue
                confirmed = any(
                    update_id in done and any(t > killed_at for t in times)
                    for killed_at, done in done_at_kill
                )
                if confirmed:
                    result.dup_confirmed += 1
                else:
                    result.dup_other += 1
                    first = times[0]
                    if any(first < killed_at < times[1] for killed_at, _ in done_at_kill):
                        result.dup_acknowledged += 1
    return result


def report(r: Run) -> str:
    return (
        f"{r.mode:8} {r.users} users x {r.messages} messages, {r.kills} SIGKILLs "
        f"(at {', '.join(f'{t:.1f}' for t in r.kill_times)} s): "
        f"updates sent {r.sent}, replies {r.replies}, lost {r.lost}, "
        f"duplicated {r.dup_confirmed} (recorded as handled before a kill) + {r.dup_other} other "
        f"(reply out, not yet recorded when killed; {r.dup_acknowledged} acknowledged by Telegram "
        f"before the kill), unrecognised replies {r.unrecognised}, {r.seconds:.1f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--mode", choices=["polling", "webhook", "both"], default="both")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose bot.py to run")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--pace", type=float, default=0.01, help="seconds between injected messages")
    args = parser.parse_args(argv)
    modes = ["polling", "webhook"] if args.mode == "both" else [args.mode]
    failed = False
    for mode in modes:
        r = asyncio.run(
            run(mode, args.users, args.messages, args.kills, args.root.resolve(), args.seed, args.pace)
        )
        print(report(r), flush=True)
        failed |= r.lost > 0 or r.dup_confirmed > 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
