"""``evaluate FILE --report DIR``: charts and an HTML page a maintainer reads at a glance.

Writes into DIR: ``confusion.png`` (intents × intents, with the fallback), ``f1.png`` (per-intent
F1, worst first), ``length.png`` (accuracy by message length), ``confidence.png`` (how sure the
matcher was when right and when wrong), ``report.txt`` (the text report) and ``index.html``
showing them all with every miss listed.
"""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

from . import charts
from .evaluation import Prediction, Report, format_report

FALLBACK = "(fallback)"
OUT_OF_SCOPE = "(out of scope)"
# Message length buckets, in words: (label, smallest, largest).
LENGTHS = (("≤ 8 words", 0, 8), ("9–30 words", 9, 30), ("> 30 words", 31, 10**9))


def _right(p: Prediction) -> bool:
    return p.intent == p.case.intent


def length_accuracy(report: Report) -> list[tuple[str, float, int]]:
    """(bucket, share handled right in %, cases) for each length bucket that has cases."""
    out = []
    for label, lo, hi in LENGTHS:
        preds = [p for p in report.predictions if lo <= len(p.case.text.split()) <= hi]
        if preds:
            out.append((label, 100.0 * sum(map(_right, preds)) / len(preds), len(preds)))
    return out


def confusion(report: Report) -> tuple[list[str], list[str], list[list[int]]]:
    """Rows: expected intents (and out of scope); columns: predicted intents (and the fallback)."""
    pairs = Counter((p.case.intent or OUT_OF_SCOPE, p.intent or FALLBACK) for p in report.predictions)
    intents = sorted(({e for e, _ in pairs} | {q for _, q in pairs}) - {OUT_OF_SCOPE, FALLBACK})
    rows = intents + ([OUT_OF_SCOPE] if any(e == OUT_OF_SCOPE for e, _ in pairs) else [])
    columns = [*intents, FALLBACK]
    return rows, columns, [[pairs.get((r, c), 0) for c in columns] for r in rows]


def write_report(report: Report, folder: Path, title: str) -> Path:
    """Write the charts and ``index.html`` into ``folder``; returns the page's path."""
    folder.mkdir(parents=True, exist_ok=True)
    rows, columns, counts = confusion(report)
    (folder / "confusion.png").write_bytes(
        charts.matrix_png(rows, columns, counts, title=f"Confusion matrix: {title}")
    )
    f1 = sorted(report.per_intent.items(), key=lambda kv: (kv[1]["f1"], kv[0]))
    (folder / "f1.png").write_bytes(
        charts.horizontal_bars_png(
            [f"{iid} (n={int(m['support'])})" for iid, m in f1],
            [m["f1"] for _, m in f1],
            title=f"F1 per intent, worst first: {title}",
            xlabel="F1",
            xmax=1.1,
            value_format="{:.2f}",
        )
    )
    buckets = length_accuracy(report)
    (folder / "length.png").write_bytes(
        charts.vertical_bars_png(
            [b[0] for b in buckets],
            [b[1] for b in buckets],
            [f"n={b[2]}" for b in buckets],
            title=f"Handled right, by message length: {title}",
            ylabel="% handled right",
        )
    )
    (folder / "confidence.png").write_bytes(
        charts.histogram_png(
            [
                ("right", [p.score for p in report.predictions if _right(p)]),
                ("wrong", [p.score for p in report.predictions if not _right(p)]),
            ],
            title=f"Confidence of the top guess: {title}",
            xlabel="top score",
        )
    )
    text = format_report(report)
    (folder / "report.txt").write_text(text + "\n", "utf-8")
    page = folder / "index.html"
    page.write_text(_html(report, title, buckets), "utf-8")
    return page


def _html(report: Report, title: str, buckets: list[tuple[str, float, int]]) -> str:
    e = html.escape
    misses = "\n".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2f}</td><td>{}</td></tr>".format(
            e(m.case.intent or OUT_OF_SCOPE),
            e(m.intent or FALLBACK),
            e(m.lang if m.lang == m.case.lang else f"{m.lang} (expected {m.case.lang})"),
            m.score,
            e(m.case.text),
        )
        for m in report.misses
    )
    lengths = ", ".join(f"{e(label)}: {pct:.1f}% (n={n})" for label, pct, n in buckets)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evaluation: {e(title)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}}img{{max-width:100%}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}</style>
</head><body>
<h1>Evaluation: {e(title)}</h1>
<p>{len(report.predictions)} cases · in-scope accuracy {report.in_scope_accuracy:.1%} ·
out-of-scope rejection {report.out_of_scope_rejection:.1%} · language {report.language_accuracy:.1%}</p>
<p>By length: {lengths}</p>
<h2>Per-intent F1</h2><img src="f1.png" alt="F1 per intent">
<h2>By message length</h2><img src="length.png" alt="accuracy by message length">
<h2>Confidence</h2><img src="confidence.png" alt="confidence histogram">
<h2>Confusion matrix</h2><img src="confusion.png" alt="confusion matrix">
<h2 id="misses">Misses ({len(report.misses)})</h2>
<table><tr><th>expected</th><th>answered</th><th>language</th><th>score</th><th>message</th></tr>
{misses}
</table>
<p><a href="report.txt">Text report</a></p>
</body></html>
"""
