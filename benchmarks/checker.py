"""Message-checker speed, as a ratio against the intent matcher on the same messages.

Messages: every ``content/scam_examples/*.yaml`` and ``tests/data/scam_*.yaml`` (scams and legitimate ones). Baseline: the
engine's matcher through its public ``Matcher.match(text, lang)`` (whatever model the branch has),
run in the same process. Ours: :meth:`ScamChecker.findings` (normalization, every text signal's
patterns and fuzzy phrases, links). Target: at most 1 ms per message. Also the cost of deciding
whether a typed message is one to check, paid on every message.

    python -m benchmarks.checker [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cyberhygiene.checker import ScamChecker  # noqa: E402
from cyberhygiene.config import Settings  # noqa: E402
from cyberhygiene.engine import Engine  # noqa: E402
from cyberhygiene.knowledge import load_or_raise  # noqa: E402
from cyberhygiene.signals_data import load_or_raise as load_signals  # noqa: E402
from cyberhygiene.store import open_store  # noqa: E402

TARGET_MS = 1.0


def timed(fn, cases: list[tuple[str, str]], rounds: int) -> float:  # type: ignore[no-untyped-def]
    """Median seconds per message over ``rounds`` passes."""
    per_round = []
    for _ in range(rounds):
        start = time.perf_counter()
        for text, lang in cases:
            fn(text, lang)
        per_round.append((time.perf_counter() - start) / len(cases))
    return statistics.median(per_round)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    kb = load_or_raise(ROOT / "intents", ROOT / "content")
    engine = Engine(kb, open_store(":memory:"), Settings())  # the trained models, as the bot runs them
    matcher = engine.matcher
    start = time.perf_counter()
    checker = ScamChecker(load_signals(kb, ROOT / "content"))
    build = time.perf_counter() - start
    checker.model = engine.checker.model  # the scam model, loaded (or trained) by the engine
    files = sorted(ROOT.glob("content/scam_examples/*.yaml")) + sorted(ROOT.glob("tests/data/scam_*.yaml"))
    cases: list[tuple[str, str]] = []
    for path in files:
        cases += [(c["text"], c["lang"]) for c in yaml.safe_load(path.read_text("utf-8"))]

    def ours(text: str, lang: str) -> object:
        return checker.findings(text)

    def triggers(text: str, lang: str) -> object:
        return checker.pasted(text) or checker.mostly_link(text)

    def baseline(text: str, lang: str) -> object:
        return matcher.match(text, lang)

    ours(*cases[0])  # warm caches fairly for both
    baseline(*cases[0])
    base = timed(baseline, cases, args.rounds)
    mine = timed(ours, cases, args.rounds)
    trig = timed(triggers, cases, args.rounds)
    print(f"checker: {len(cases)} messages from {', '.join(p.name for p in files)} x {args.rounds} rounds")
    print(f"  checker build (once, at start-up): {build * 1000:.0f} ms")
    print(f"  baseline Matcher.match:            {base * 1000:.3f} ms/message")
    print(
        f"  ScamChecker.findings:              {mine * 1000:.3f} ms/message = {mine / base:.2f} x baseline"
        f" (target <= {TARGET_MS:.0f} ms: {'met' if mine * 1000 <= TARGET_MS else 'NOT met'})"
    )
    print(
        f"  triggers (pasted, mostly_link):    {trig * 1000:.3f} ms/message = {trig / base:.2f} x baseline"
        " (run on every typed message)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
