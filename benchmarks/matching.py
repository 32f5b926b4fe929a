"""Matching speed, as a ratio against a baseline run in the same process.

Baseline: the naive approach, one ``rapidfuzz.process.extractOne`` (WRatio) of the normalized
message over every pattern. Ours: :meth:`Matcher.match` (normalization, spelling correction,
per-language intent profiles, WRatio on the top candidates). Also times the one-off index build.

    python -m benchmarks.matching [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cyberhygiene.config import Settings  # noqa: E402
from cyberhygiene.evaluation import load_cases  # noqa: E402
from cyberhygiene.knowledge import load_or_raise  # noqa: E402
from cyberhygiene.matcher import Matcher  # noqa: E402
from cyberhygiene.normalize import Lexicon, normalize  # noqa: E402


def timed(fn, texts: list[str], rounds: int) -> float:  # type: ignore[no-untyped-def]
    """Median seconds per message over ``rounds`` passes."""
    per_round = []
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            fn(text)
        per_round.append((time.perf_counter() - start) / len(texts))
    return statistics.median(per_round)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    kb = load_or_raise(ROOT / "intents", ROOT / "content")
    lexicon = Lexicon(kb.lexicon)
    start = time.perf_counter()
    matcher = Matcher(kb, Settings().match, lexicon)
    build = time.perf_counter() - start
    cases, _ = load_cases(ROOT / "tests" / "data" / "eval.yaml")
    texts = [c.text for c in cases]
    langs = {c.text: c.lang for c in cases}
    patterns = [
        normalize(p, lang, lexicon)
        for i in kb.intents.values()
        for lang, ps in i.patterns.items()
        for p in ps
    ]

    def naive(text: str) -> object:
        return process.extractOne(normalize(text, langs[text], lexicon), patterns, scorer=fuzz.WRatio)

    def ours(text: str) -> object:
        return matcher.match(text, langs[text])

    ours(texts[0])  # warm caches fairly for both
    naive(texts[0])
    base = timed(naive, texts, args.rounds)
    mine = timed(ours, texts, args.rounds)
    print(f"matching: {len(texts)} messages x {args.rounds} rounds, {len(patterns)} patterns")
    print(f"  index build (once, at start-up): {build * 1000:.0f} ms")
    print(f"  baseline extractOne(WRatio) over all patterns: {base * 1000:.2f} ms/message")
    print(
        f"  Matcher.match:                                 {mine * 1000:.2f} ms/message = {mine / base:.2f} x baseline"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
