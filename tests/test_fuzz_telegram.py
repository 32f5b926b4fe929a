"""Hostile input through the real Telegram layer: every message answered, every reply valid HTML.

Hypothesis drives the engine directly (tests/test_properties.py); here a seeded random generator
sends a batch of nasty texts, callback data and deep links through python-telegram-bot and the fake
Bot API server, whose HTML parser rejects anything Telegram would reject with a 400.
"""

from __future__ import annotations

import random
from pathlib import Path

from cyberhygiene.knowledge import KnowledgeBase
from tests.tg_harness import running_bot

NASTY = [
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u202e",
    "مرحبا",
    "שלום",
    "🔥",
    "👩‍👩‍👧",
    "<",
    ">",
    "&",
    "&amp;",
    "<b>",
    "</i>",
    "**",
    "__",
    "`",
    "[",
    "](https://x.y)",
    "\\",
    "\n",
    "\t",
    "\x00",
    "\x1b[31m",
    "'",
    '"',
    "%s",
    "{0}",
    "{name}",
    "contraseña",
    "phishing",
    "/start",
    "@CyberHygieneTestBot",
    "ñ",
    "¿",
    "¡",
    "a" * 300,
]


def nasty_text(rng: random.Random, max_len: int = 4096) -> str:
    out = []
    while sum(map(len, out)) < rng.randint(1, max_len):
        out.append(rng.choice(NASTY) if rng.random() < 0.6 else chr(rng.randint(0x20, 0x2FFF)))
    return "".join(out)[:max_len]


async def test_nasty_messages_callbacks_and_payloads(kb: KnowledgeBase, tmp_path: Path) -> None:
    rng = random.Random(20261122)
    async with running_bot(kb, tmp_path) as bot:
        texts = [nasty_text(rng, rng.choice([20, 200, 4096])) for _ in range(40)]
        texts += ["/" + nasty_text(rng, 30) for _ in range(10)]
        texts += ["/start " + nasty_text(rng, 64) for _ in range(10)]
        texts = [t if t.strip() else "x" + t for t in texts]
        for i, text in enumerate(texts):
            bot.fake.message(5000 + i, text)
        datas = [nasty_text(rng, 64)[:64] for _ in range(30)]
        datas += [f"1:qa:{rng.randint(0, 10**9)}:{rng.randint(0, 99)}:{rng.randint(0, 9)}" for _ in range(10)]
        for i in range(len(datas)):
            bot.fake.message(6000 + i, "/start")  # a message whose (forged) button gets pressed
        await bot.fake.wait_idle(quiet=0.5, timeout=60)
        welcomed = {i: len(bot.fake.sent_messages(6000 + i)) for i in range(len(datas))}
        for i, data in enumerate(datas):
            bot.fake.callback_query(
                6000 + i,
                data.encode("utf-8", "ignore")[:64].decode("utf-8", "ignore") or "?",
                check_buttons=False,
            )
        await bot.fake.wait_idle(quiet=1.0, timeout=120)
        sends = bot.fake.calls("sendMessage")
        refused = [c.summary() for c in sends if not c.ok]
        assert not refused, refused  # no 400 for bad HTML or too long, nothing else either
        for i in range(len(texts)):
            assert bot.fake.sent_messages(5000 + i), f"no reply to message {texts[i][:40]!r}"
        answered = {c.params.get("callback_query_id") for c in bot.fake.calls("answerCallbackQuery") if c.ok}
        assert len(answered) == len(datas), "every callback query is answered"
        for i in range(len(datas)):
            assert len(bot.fake.sent_messages(6000 + i)) > welcomed[i], (
                f"no reply to callback data {datas[i]!r}"
            )
