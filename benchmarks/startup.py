"""Start-up: process start to the first console reply, and resident memory, with a current model.

Runs ``python bot.py chat`` in a fresh process (state in a temporary SQLite file), types one
question the moment the process starts, and stops the clock when the answer's first line has
been printed. Memory is the process's peak resident set (VmHWM) at that moment. The baseline, run
in the same session, is a bare ``python -c pass``: the printed ratio is what the bot adds to the
interpreter's own start. The model is made current first (untimed): the first start after a
data change trains it (``python bot.py train``), which is not what this measures.

    python -m benchmarks.startup [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "how do I make a strong password\n"


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["DATABASE_URL"] = f"sqlite:///{db}"
    return env


def bare_python() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def answer_start() -> str:
    """The first line the console prints for the `passwords` answer."""
    sys.path.insert(0, str(ROOT))
    from cyberhygiene.knowledge import load_or_raise
    from cyberhygiene.markup import to_plain

    kb = load_or_raise(ROOT / "intents", ROOT / "content")
    return to_plain(kb.answers["passwords"].text["en"]).strip().splitlines()[0]


def first_reply(db: Path, marker: str) -> tuple[float, float]:
    """Seconds from process start to the first line of the answer, and peak RSS in MB."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bot.py"), "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(db),
        cwd=ROOT,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(QUESTION)
    proc.stdin.flush()
    elapsed = float("nan")
    for line in proc.stdout:
        if marker in line:
            elapsed = time.perf_counter() - start
            break
    rss = peak_rss_mb(proc.pid)
    proc.stdin.close()
    proc.stdout.read()  # the rest of the conversation, so the process can end
    proc.stdout.close()
    proc.wait(timeout=30)
    return elapsed, rss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        warm = subprocess.run(  # makes the model current (trains only if the data changed)
            [sys.executable, str(ROOT / "bot.py"), "match", "hello"],
            capture_output=True,
            text=True,
            env=_env(db),
            cwd=ROOT,
        )
        if warm.returncode != 0:
            print(warm.stderr, file=sys.stderr)
            return 1
        marker = answer_start()
        runs = [first_reply(db, marker) for _ in range(args.rounds)]
        base = statistics.median(bare_python() for _ in range(args.rounds))
    seconds = statistics.median(r[0] for r in runs)
    rss = max(r[1] for r in runs)
    print(f"startup: {args.rounds} rounds, median")
    print(f"  baseline `python -c pass`:                 {base * 1000:6.0f} ms")
    print(
        f"  `bot.py chat` to the first console reply:  {seconds * 1000:6.0f} ms = {seconds / base:.1f}x baseline"
    )
    print(f"  peak resident memory:                      {rss:6.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
