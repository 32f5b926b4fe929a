"""Load benchmark: N simulated users × M messages each, all at once, over real HTTP.

The real bot Application polls the fake Bot API server (tests/fakes/bot_api.py) on 127.0.0.1.
Every message is injected at once; we then wait until every reply arrived (or a deadline passed)
and report updates/s, reply latency (p50/p99) and lost and duplicated replies. As a baseline, the
same messages are first answered by the engine alone, in the same process, so the Telegram figure
is also printed as a ratio of it (how much the HTTP round trips and python-telegram-bot cost).

    python -m benchmarks.load --users 200 --messages 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cyberhygiene.config import Settings  # noqa: E402
from cyberhygiene.engine import Engine  # noqa: E402
from cyberhygiene.knowledge import load_or_raise  # noqa: E402
from cyberhygiene.messages import Incoming  # noqa: E402
from cyberhygiene.store import open_store  # noqa: E402
from tests.tg_harness import running_bot  # noqa: E402

MESSAGES = [
    "how do I make a strong password",
    "me hackearon el face que hago",
    "what is phishing",
    "me llego un sms de que mi paquete esta retenido",
    "is public wifi safe",
    "como activo la verificacion en dos pasos",
    "someone stole my phone",
    "donde denuncio un fraude en mexico",
    "what is ransomware",
    "gracias",
    "what's the weather tomorrow",
    "hola",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def baseline(kb, users: int, messages: int, plan: dict[int, list[str]]) -> float:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "base.sqlite3"))
        engine = Engine(kb, store, Settings(flood_messages=10**6))
        for uid in plan:  # as over Telegram: one reply per message, no country question
            store.set_country(str(uid), "us")
        start = time.perf_counter()
        for uid, texts in plan.items():
            for text in texts:
                engine.handle(Incoming(str(uid), text=text))
        elapsed = time.perf_counter() - start
        store.close()
    return users * messages / elapsed


async def over_telegram(kb, plan: dict[int, list[str]], deadline: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    total = sum(len(t) for t in plan.values())
    with tempfile.TemporaryDirectory() as tmp:
        async with running_bot(kb, Path(tmp), flood_messages=10**6) as bot:
            fake = bot.fake
            # Users whose country is known get exactly one reply per message (no first-time
            # country question), so every extra reply really is a duplicate.
            for uid in plan:
                bot.store.set_country(str(uid), "us")
            sent_at: dict[int, list[float]] = defaultdict(list)
            start = time.monotonic()
            for uid, texts in plan.items():
                for text in texts:
                    fake.message(uid, text, language_code=random.choice(["en", "es"]))
                    sent_at[uid].append(time.monotonic())
            with contextlib.suppress(TimeoutError):  # lost replies are counted below
                await fake.wait_for("sendMessage", ok=True, count=total, timeout=deadline)
            await fake.wait_idle(quiet=1.0, timeout=30)
            end = max((c.time for c in fake.sent_messages()), default=time.monotonic())
            latencies: list[float] = []
            lost = duplicated = 0
            for uid, times in sent_at.items():
                replies = [c.time for c in fake.sent_messages(uid)]
                lost += max(0, len(times) - len(replies))
                duplicated += max(0, len(replies) - len(times))
                latencies.extend(r - s for r, s in zip(replies, times, strict=False))
    return {
        "updates_per_s": total / (end - start),
        "p50_ms": percentile(latencies, 50) * 1000 if latencies else float("nan"),
        "p99_ms": percentile(latencies, 99) * 1000 if latencies else float("nan"),
        "lost": float(lost),
        "duplicated": float(duplicated),
        "seconds": end - start,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--deadline", type=float, default=300.0, help="seconds to wait for every reply")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    random.seed(args.seed)
    kb = load_or_raise(ROOT / "intents", ROOT / "content")
    plan = {10_000 + u: [random.choice(MESSAGES) for _ in range(args.messages)] for u in range(args.users)}
    base = baseline(kb, args.users, args.messages, plan)
    result = asyncio.run(over_telegram(kb, plan, args.deadline))
    total = args.users * args.messages
    print(f"load: {args.users} users x {args.messages} messages = {total} updates, all at once")
    print(f"  baseline (engine only, same process):  {base:8.1f} messages/s")
    print(
        f"  over Telegram HTTP (fake Bot API):     {result['updates_per_s']:8.1f} updates/s"
        f"  = {result['updates_per_s'] / base:.2f} x baseline"
    )
    print(
        f"  reply latency p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms"
        f" (from injection; all {total} injected at t=0)"
    )
    print(f"  lost replies: {int(result['lost'])}, duplicated replies: {int(result['duplicated'])}")
    return 0 if result["lost"] == 0 and result["duplicated"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
