"""Every chart the project draws, with one library (matplotlib, headless "Agg" backend).

Charts are PNG bytes, made to read on a phone and when projected: large type, a title, labelled
axes, values on the bars. matplotlib is imported on first use, so starting the bot stays fast.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from typing import Any

FONT = 13
DPI = 110


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _literal(text: str) -> str:
    """Text shown as typed: a ``$`` would otherwise start matplotlib's math mode."""
    return text.replace("$", r"\$")


def _png(fig: Any, fmt: str = "png") -> bytes:
    """The figure as PNG bytes (``fmt="svg"``: as SVG with its text kept as text, which is how
    tests read what a chart says)."""
    plt = _pyplot()
    buf = io.BytesIO()
    try:
        with warnings.catch_warnings():
            # user text (a session title, a name) may hold characters the font lacks: they
            # are drawn as boxes, which is no reason to fail the chart
            warnings.filterwarnings("ignore", message="Glyph .* missing from")
            with plt.rc_context({"svg.fonttype": "none"}):
                fig.savefig(buf, format=fmt, dpi=DPI, bbox_inches="tight")
    finally:
        plt.close(fig)
    return buf.getvalue()


def stacked_days_png(
    days: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *, title: str, ylabel: str
) -> bytes:
    """Stacked bars per day (e.g. messages in English and in Spanish), with totals on top."""
    plt = _pyplot()
    width = max(6.0, min(16.0, 0.45 * len(days) + 3))
    fig, ax = plt.subplots(figsize=(width, 4.8))
    bottoms = [0] * len(days)
    positions = list(range(len(days)))
    for label, values in series:
        ax.bar(positions, values, bottom=bottoms, label=label)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    for x, total in zip(positions, bottoms, strict=True):
        if total:
            ax.annotate(str(total), (x, total), ha="center", va="bottom", fontsize=FONT - 3)
    step = max(1, len(days) // 12)
    ax.set_xticks(positions[::step], [d[5:] for d in days][::step], fontsize=FONT - 2)
    ax.set_ylabel(ylabel, fontsize=FONT)
    ax.set_title(title, fontsize=FONT + 2, weight="bold")
    ax.set_ylim(0, max([*bottoms, 1]) * 1.15)
    ax.legend(fontsize=FONT - 2)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def horizontal_bars_png(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    xlabel: str,
    xmax: float | None = None,
    value_format: str = "{:.0f}",
) -> bytes:
    """One horizontal bar per label, first label on top, the value written at each bar's end."""
    plt = _pyplot()
    height = max(2.5, 0.32 * len(labels) + 1.4)
    fig, ax = plt.subplots(figsize=(9, height))
    positions = list(range(len(labels)))[::-1]
    top = xmax if xmax is not None else max([*values, 1.0]) * 1.15
    ax.barh(positions, values, color="#3b6ea8", edgecolor="#1d3d63")
    for y, v in zip(positions, values, strict=True):
        ax.annotate(
            value_format.format(v),
            (v, y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=FONT - 3,
        )
    ax.set_yticks(positions, labels, fontsize=FONT - 3)
    ax.set_xlim(0, top)
    ax.set_xlabel(xlabel, fontsize=FONT)
    ax.set_title(title, fontsize=FONT + 1, weight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def vertical_bars_png(
    labels: Sequence[str], values: Sequence[float], notes: Sequence[str], *, title: str, ylabel: str
) -> bytes:
    """A few vertical bars on a 0-100 axis, each with its value and a note (e.g. ``n=40``)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    positions = list(range(len(labels)))
    ax.bar(positions, values, color="#3b6ea8", edgecolor="#1d3d63")
    for x, v, note in zip(positions, values, notes, strict=True):
        ax.annotate(
            f"{v:.0f}%\n{note}",
            (x, v),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=FONT - 2,
        )
    ax.set_xticks(positions, labels, fontsize=FONT - 1)
    ax.set_ylim(0, 115)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.set_ylabel(ylabel, fontsize=FONT)
    ax.set_title(title, fontsize=FONT + 1, weight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def histogram_png(
    groups: Sequence[tuple[str, Sequence[float]]], *, title: str, xlabel: str, bins: int = 20
) -> bytes:
    """Overlaid histograms (e.g. confidence of right and of wrong answers)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    everything = [v for _, values in groups for v in values]
    lo, hi = (min(everything), max(everything)) if everything else (0.0, 1.0)
    if lo == hi:
        hi = lo + 1.0
    for label, values in groups:
        ax.hist(values, bins=bins, range=(lo, hi), alpha=0.6, label=f"{label} (n={len(values)})")
    ax.set_xlabel(xlabel, fontsize=FONT)
    ax.set_ylabel("messages", fontsize=FONT)
    ax.set_title(title, fontsize=FONT + 1, weight="bold")
    ax.legend(fontsize=FONT - 2)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def matrix_png(
    labels: Sequence[str], columns: Sequence[str], counts: Sequence[Sequence[int]], *, title: str
) -> bytes:
    """A confusion matrix: rows expected, columns predicted, counts written in non-empty cells."""
    plt = _pyplot()
    size = max(6.0, 0.3 * max(len(labels), len(columns)) + 3)
    fig, ax = plt.subplots(figsize=(size, size))
    # colour by share of the row, so a small intent's diagonal is as dark as a big one's
    shares = [[n / (sum(row) or 1) for n in row] for row in counts]
    ax.imshow(shares, cmap="Blues", aspect="auto", vmin=0, vmax=1)
    for i, row in enumerate(counts):
        for j, n in enumerate(row):
            if n:
                dark = shares[i][j] > 0.5
                ax.text(
                    j, i, str(n), ha="center", va="center", fontsize=7, color="white" if dark else "black"
                )
    ax.set_xticks(range(len(columns)), columns, rotation=90, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted", fontsize=FONT)
    ax.set_ylabel("expected", fontsize=FONT)
    ax.set_title(title, fontsize=FONT + 1, weight="bold")
    return _png(fig)


def percent_bars_png(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    subtitle: str,
    xlabel: str,
    fmt: str = "png",
) -> bytes:
    """Horizontal bars on a fixed 0-100 % axis, first label on top, the value on every bar.

    Made to be projected and read on a phone: large type, a light full-width track behind each
    bar so a 0 % bar is still visibly a bar, colours by band (red < 50, amber < 80, green).
    """
    plt = _pyplot()
    height = max(3.2, 0.62 * len(labels) + 1.8)
    fig, ax = plt.subplots(figsize=(10, height))
    positions = list(range(len(labels)))[::-1]
    ax.barh(positions, [100.0] * len(values), color="#eeeeee", edgecolor="#cccccc", height=0.7)
    colours = ["#c0392b" if v < 50 else "#e67e22" if v < 80 else "#27ae60" for v in values]
    shown = [max(v, 0.8) for v in values]  # a sliver at 0 % so the bar is there
    ax.barh(positions, shown, color=colours, height=0.7)
    for y, v in zip(positions, values, strict=True):
        inside = v >= 18
        ax.annotate(
            f"{v:.0f}%",
            (v if not inside else v - 1, y),
            xytext=(4 if not inside else 0, 0),
            textcoords="offset points",
            ha="left" if not inside else "right",
            va="center",
            fontsize=FONT + 1,
            weight="bold",
            color="white" if inside else "black",
        )
    ax.set_yticks(positions, [_literal(label) for label in labels], fontsize=FONT)
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"], fontsize=FONT - 1)
    ax.set_xlabel(_literal(xlabel), fontsize=FONT)
    ax.set_title(_literal(f"{title}\n{subtitle}"), fontsize=FONT + 3, weight="bold", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig, fmt)
