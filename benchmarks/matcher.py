"""Matching cost per message, as a ratio against a baseline run in the same process.

Ours: what the engine does for every message: language detection, normalization, spelling
correction and the trained model with its decision (``Engine.detect`` + ``Matcher.match``). The
spelling cache is emptied before every round, so every round pays for corrections.
Baseline: the naive approach, one ``rapidfuzz.process.extractOne(query, patterns, scorer=WRatio)``
of the normalized message over every normalized pattern.

Messages: every evaluation set in tests/data/*.yaml (conversations.yaml is not one and is skipped).
Then again with a x10 pattern set, synthesized by perturbing each pattern nine times (letters
swapped, dropped or doubled, a word dropped, two words swapped; fixed seed), with its own model
(trained once, kept under MODEL_DIR/bench-x10) and the baseline over the x10 patterns.

Rounds alternate between the two pattern sets; each figure is the median over rounds.

    python -m benchmarks.matcher [--rounds 5] [--no-x10]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cyberhygiene.config import Settings  # noqa: E402
from cyberhygiene.engine import Engine  # noqa: E402
from cyberhygiene.evaluation import NEW_USER, Case, evaluate, load_cases  # noqa: E402
from cyberhygiene.knowledge import KnowledgeBase, load_or_raise  # noqa: E402
from cyberhygiene.matcher import Matcher  # noqa: E402
from cyberhygiene.model import ensure_model  # noqa: E402
from cyberhygiene.normalize import normalize  # noqa: E402
from cyberhygiene.store import UserPrefs, open_store  # noqa: E402


def evaluation_cases() -> tuple[list[Case], list[str]]:
    cases: list[Case] = []
    names = []
    for path in sorted((ROOT / "tests" / "data").glob("*.yaml")):
        found, problems = load_cases(path)
        if found and not problems:
            cases += found
            names.append(path.name)
    return cases, names


def perturb(text: str, rng: random.Random) -> str:
    words = text.split()
    kind = rng.randrange(5)
    if kind == 3 and len(words) > 2:
        del words[rng.randrange(len(words))]
    elif kind == 4 and len(words) > 2:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    else:
        long = [i for i, w in enumerate(words) if len(w) > 3] or [0]
        i = rng.choice(long)
        w = words[i]
        j = rng.randrange(max(len(w) - 1, 1))
        if kind == 0 and len(w) > 1:
            w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        elif kind == 1:
            w = w[:j] + w[j + 1 :]
        else:
            w = w[: j + 1] + w[j] + w[j + 1 :]
        words[i] = w
    return " ".join(words)


def times_ten(kb: KnowledgeBase) -> KnowledgeBase:
    rng = random.Random(9)
    intents = {}
    for iid, intent in kb.intents.items():
        patterns = {
            lang: tuple(p for pat in pats for p in [pat, *(perturb(pat, rng) for _ in range(9))])
            for lang, pats in intent.patterns.items()
        }
        intents[iid] = dataclasses.replace(intent, patterns=patterns)
    oos = {
        lang: tuple(p for pat in pats for p in [pat, *(perturb(pat, rng) for _ in range(9))])
        for lang, pats in kb.out_of_scope.items()
    }
    return dataclasses.replace(kb, intents=intents, out_of_scope=oos)


Timer = tuple[Callable[[Case], object], Callable[[], None]]  # (per-message work, before a round)


def one_pass(timer: Timer, cases: list[Case]) -> float:
    """Seconds per message over one pass."""
    fn, before = timer
    before()
    start = time.perf_counter()
    for case in cases:
        fn(case)
    return (time.perf_counter() - start) / len(cases)


def contestants(engine: Engine, kb: KnowledgeBase, matcher: Matcher) -> tuple[Timer, Timer, int]:
    """The baseline and our matcher over ``kb``'s patterns, and the number of patterns."""
    lexicon = engine.lexicon
    patterns = [
        normalize(p, lang, lexicon)
        for i in kb.intents.values()
        for lang, ps in i.patterns.items()
        for p in ps
    ]
    prefs = UserPrefs(None, False)

    def naive(case: Case) -> object:
        return process.extractOne(normalize(case.text, case.lang, lexicon), patterns, scorer=fuzz.WRatio)

    def ours(case: Case) -> object:
        lang, _ = engine.detect(case.text, NEW_USER, prefs)
        return matcher.match(case.text, lang)

    def nothing() -> None:
        return None

    return (naive, nothing), (ours, matcher.model.clear_caches), len(patterns)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-x10", action="store_true", help="skip the x10 pattern set")
    parser.add_argument("--limit", type=int, default=0, help="time only the first N messages (a quick check)")
    args = parser.parse_args(argv)
    settings = Settings()
    kb = load_or_raise(ROOT / "intents", ROOT / "content")
    engine = Engine(kb, open_store(":memory:"), settings)
    cases, names = evaluation_cases()
    if args.limit:
        cases = cases[: args.limit]
    sets = [("x1", kb, engine.matcher)]
    built = 0.0
    if not args.no_x10:
        kb10 = times_ten(kb)
        start = time.perf_counter()
        model10 = ensure_model(kb10, engine.lexicon, settings.model_dir / "bench-x10")
        built = time.perf_counter() - start
        sets.append(("x10", kb10, Matcher(model10, settings.match, engine.lexicon)))
    timers = [contestants(engine, k, m) for _, k, m in sets]
    # Rounds alternate between the pattern sets, so a change in the machine's load hits both alike.
    times: list[list[list[float]]] = [[[], []] for _ in sets]
    for _ in range(args.rounds):
        for i, (naive, ours, _) in enumerate(timers):
            times[i][0].append(one_pass(naive, cases))
            times[i][1].append(one_pass(ours, cases))
    print(
        f"matcher: {len(cases)} messages from {', '.join(names)}, median of {args.rounds} alternating rounds"
    )
    mine_x1 = 0.0
    for (label, _, matcher), (_, _, n), (base_t, mine_t) in zip(sets, timers, times, strict=True):
        base, mine = statistics.median(base_t), statistics.median(mine_t)
        mine_x1 = mine_x1 or mine
        acc = evaluate(engine, cases, matcher)
        extra = f" (model loaded or trained in {built:.0f} s)" if label == "x10" else ""
        print(f"  {label}: {n} patterns, {matcher.model.n_features} features{extra}")
        print(f"    baseline extractOne(WRatio):       {base * 1000:7.3f} ms/message")
        growth = f"; {mine / mine_x1:.2f}x the cost at x1" if label == "x10" else ""
        print(
            f"    language + normalization + model:  {mine * 1000:7.3f} ms/message = "
            f"{base / mine:.0f}x faster than the baseline{growth}"
        )
        print(
            f"    in-scope {acc.in_scope_accuracy:.1%}, out-of-scope rejection {acc.out_of_scope_rejection:.1%}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
