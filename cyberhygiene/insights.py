"""What maintainers read to improve the bot: unanswered questions, grouped, and aggregate use.

Nothing here reads or returns a user id: unanswered questions are stored without one, and usage
is a per-day, per-key count (see :meth:`cyberhygiene.store.Store.count`). Both respect the
retention period: nothing older than ``RETENTION_DAYS`` is shown, even if asked for.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from .normalize import fold
from .store import Store, UnansweredRow

# Two wordings whose sorted words are at least this similar (rapidfuzz 0-100) are one group.
GROUP_SIMILARITY = 85.0
DAY = 86400.0
_NOISE = re.compile(r"[^\w\s]+")


@dataclass
class UnmatchedGroup:
    """Near-identical unanswered questions, counted together."""

    key: str
    lang: str
    count: int = 0
    last_seen: float = 0.0
    kinds: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    guess: str | None = None
    guess_score: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "last_seen": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.last_seen)),
            "lang": self.lang,
            "fallback": self.kinds.get("fallback", 0),
            "declined": self.kinds.get("declined", 0),
            "examples": self.examples,
            "guess": self.guess,
            "guess_score": self.guess_score,
        }


def _key(text: str) -> str:
    return " ".join(_NOISE.sub(" ", fold(text)).split())


def cutoff(since_days: int | None, retention_days: int, now: float) -> float:
    """The oldest moment shown: ``since_days`` ago, never past the retention period."""
    days = retention_days if since_days is None else min(since_days, retention_days)
    return now - days * DAY


def group_unmatched(rows: list[UnansweredRow], similarity: float = GROUP_SIMILARITY) -> list[UnmatchedGroup]:
    """Group near-identical wordings (per language), largest group first, then most recent."""
    exact: dict[tuple[str, str], list[UnansweredRow]] = defaultdict(list)
    for row in rows:
        key = _key(row.text)
        if key:
            exact[(row.lang, key)].append(row)
    groups: list[UnmatchedGroup] = []
    reps: dict[str, list[str]] = defaultdict(list)  # per language: representative keys
    by_rep: dict[tuple[str, str], UnmatchedGroup] = {}
    for (lang, key), members in sorted(exact.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        best = process.extractOne(key, reps[lang], scorer=fuzz.token_sort_ratio, score_cutoff=similarity)
        if best is None:
            group = UnmatchedGroup(key=key, lang=lang)
            groups.append(group)
            reps[lang].append(key)
            by_rep[(lang, key)] = group
        else:
            group = by_rep[(lang, best[0])]
        group.count += len(members)
        group.last_seen = max(group.last_seen, *(m.created_at for m in members))
        group.kinds.update(m.kind for m in members)
        latest = max(members, key=lambda m: m.created_at).text
        if len(group.examples) < 2 and latest not in group.examples:
            group.examples.append(latest)
    groups.sort(key=lambda g: (-g.count, -g.last_seen, g.key))
    return groups


def unmatched(
    store: Store,
    *,
    retention_days: int,
    since_days: int | None = None,
    lang: str | None = None,
    limit: int | None = None,
    guess: Callable[[str, str], tuple[str | None, float]] | None = None,
    now: float | None = None,
) -> list[UnmatchedGroup]:
    """The grouped unanswered questions, each with the bot's current best guess."""
    now = time.time() if now is None else now
    rows = store.unanswered_since(cutoff(since_days, retention_days, now), lang)
    groups = group_unmatched(rows)
    if limit is not None:
        groups = groups[:limit]
    if guess is not None:
        for group in groups:
            group.guess, group.guess_score = guess(group.examples[0], group.lang)
    return groups


def _day(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


def usage_summary(
    store: Store, *, since_days: int, retention_days: int, now: float | None = None
) -> dict[str, Any]:
    """Aggregate use over the last ``since_days`` days (today included). No id, no text."""
    now = time.time() if now is None else now
    days_back = max(1, min(since_days, retention_days))
    days = [_day(now - (days_back - 1 - i) * DAY) for i in range(days_back)]
    counts: Counter[str] = Counter()
    totals: defaultdict[str, float] = defaultdict(float)
    per_day: dict[str, Counter[str]] = {d: Counter() for d in days}
    for day, key, n, total in store.usage_since(days[0]):
        if day > days[-1]:
            continue
        counts[key] += n
        totals[key] += total
        if key.startswith("messages."):
            per_day[day][key.partition(".")[2]] += n

    def family(prefix: str) -> dict[str, int]:
        items = [(k[len(prefix) :], n) for k, n in counts.items() if k.startswith(prefix)]
        return dict(sorted(items, key=lambda kv: (-kv[1], kv[0])))

    messages = family("messages.")
    total_messages = sum(messages.values())
    quizzes: dict[str, dict[str, Any]] = {}
    for quiz_id in sorted(
        {k.partition(".")[2] for k in counts if k.startswith(("quiz_started.", "quiz_finished."))}
    ):
        finished = counts[f"quiz_finished.{quiz_id}"]
        quizzes[quiz_id] = {
            "started": counts[f"quiz_started.{quiz_id}"],
            "finished": finished,
            "average_score": round(totals[f"quiz_finished.{quiz_id}"] / finished, 1) if finished else None,
        }

    def rate(n: int) -> float:
        return round(n / total_messages, 4) if total_messages else 0.0

    return {
        "since": days[0],
        "until": days[-1],
        "days": days_back,
        "messages": {"total": total_messages, **{lang: messages.get(lang, 0) for lang in ("en", "es")}},
        "per_day": [{"day": d, "en": per_day[d]["en"], "es": per_day[d]["es"]} for d in days],
        "answers": family("answer."),
        "fallbacks": counts["fallback"],
        "declined": counts["declined"],
        "fallback_rate": rate(counts["fallback"]),
        "decline_rate": rate(counts["declined"]),
        "did_you_mean_taken": family("guess_taken."),
        "quizzes": quizzes,
        "sessions": {"created": counts["session_created"], "trainees_joined": counts["session_joined"]},
        "countries": family("country."),
        "messages_checked": {
            "with_signs": counts["checked_with_signs"],
            "without_signs": counts["checked_without_signs"],
        },
    }


def format_unmatched(groups: list[UnmatchedGroup], days: int) -> str:
    """Plain text for the command line (operators read English here, like other CLI output)."""
    if not groups:
        return f"no unanswered questions in the last {days} day(s)"
    total = sum(g.count for g in groups)
    lines = [f"{len(groups)} group(s), {total} message(s), last {days} day(s), largest first:", ""]
    for g in groups:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(g.kinds.items()))
        guess = f"{g.guess} ({g.guess_score:.2f})" if g.guess else "(none)"
        lines.append(
            f"{g.count:>4}x  [{g.lang}]  last {time.strftime('%Y-%m-%d', time.gmtime(g.last_seen))}  {kinds}  best guess: {guess}"
        )
        lines += [f"        “{e}”" for e in g.examples]
    return "\n".join(lines)


def format_stats(summary: dict[str, Any]) -> str:
    """Plain text for the command line."""
    m = summary["messages"]
    lines = [
        f"usage {summary['since']} .. {summary['until']} ({summary['days']} day(s))",
        f"messages: {m['total']} (en {m['en']}, es {m['es']})",
        f"did you mean / fallback: {summary['fallbacks']} ({summary['fallback_rate']:.1%}), "
        f"declined: {summary['declined']} ({summary['decline_rate']:.1%})",
        "",
        "per day:           en     es",
    ]
    lines += [f"  {d['day']}  {d['en']:>6} {d['es']:>6}" for d in summary["per_day"] if d["en"] or d["es"]]
    lines += ["", "answers per intent:"]
    lines += [f"  {n:>6}  {iid}" for iid, n in summary["answers"].items()] or ["  (none)"]
    lines += ["", "did-you-mean choices taken:"]
    lines += [f"  {n:>6}  {iid}" for iid, n in summary["did_you_mean_taken"].items()] or ["  (none)"]
    lines += ["", "quizzes:             started finished average"]
    for qid, q in summary["quizzes"].items():
        avg = "-" if q["average_score"] is None else f"{q['average_score']:.0f}%"
        lines.append(f"  {qid:<26} {q['started']:>6} {q['finished']:>8} {avg:>7}")
    if not summary["quizzes"]:
        lines.append("  (none)")
    s = summary["sessions"]
    lines += ["", f"trainer sessions created: {s['created']}, trainees joined: {s['trainees_joined']}"]
    countries = ", ".join(f"{c} {n}" for c, n in summary["countries"].items()) or "(none)"
    lines.append(f"countries chosen: {countries}")
    c = summary["messages_checked"]
    lines.append(
        f"messages checked for scams: {c['with_signs']} with warning signs, {c['without_signs']} without"
    )
    return "\n".join(lines)
