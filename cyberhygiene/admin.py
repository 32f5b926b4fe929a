"""The maintainers' commands inside a chat: ``/stats`` and ``/unmatched``.

Only the user ids in ``ADMIN_IDS`` have them, and only in a private chat; for anyone else, or in
a group, they do not exist (the engine answers as for any unknown command). What they show is
what ``python bot.py stats`` and ``python bot.py unmatched`` print: aggregates, and unanswered
questions that were stored without any id.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from . import charts, insights, markup
from .messages import Attachment, Incoming, Reply
from .toolkit import Toolkit

COMMANDS = frozenset({"stats", "unmatched"})
STATS_DAYS = 30
UNMATCHED_GROUPS = 10
EXAMPLE_MAX = 120


class AdminCommands:
    """Gets the narrow things it uses (like quizzes and sessions), never the engine itself:
    the store and UI strings (``tools``), who the maintainers are, the retention period, and
    the matcher's best guess for an unanswered question."""

    def __init__(
        self,
        tools: Toolkit,
        *,
        admin_ids: Collection[str],
        retention_days: int,
        best_guess: Callable[[str, str], tuple[str | None, float]],
    ) -> None:
        self.tools = tools
        self.admin_ids = frozenset(admin_ids)
        self.retention_days = retention_days
        self.best_guess = best_guess

    def allowed(self, incoming: Incoming) -> bool:
        return not incoming.in_group and incoming.user_id in self.admin_ids

    def on_command(self, command: str, lang: str) -> list[Reply]:
        return self.stats(lang) if command == "stats" else self.unmatched(lang)

    def _t(self, key: str, lang: str, **values: object) -> str:
        return self.tools.text(key, lang, **values)

    def stats(self, lang: str) -> list[Reply]:
        s = insights.usage_summary(
            self.tools.store, since_days=STATS_DAYS, retention_days=self.retention_days
        )
        m = s["messages"]
        quizzes = s["quizzes"].values()
        finished = sum(q["finished"] for q in quizzes)
        scored = [q["average_score"] * q["finished"] for q in quizzes if q["average_score"] is not None]
        countries = ", ".join(f"{c.upper()} {n}" for c, n in s["countries"].items()) or "–"
        text = [
            self._t(
                "admin_stats",
                lang,
                days=s["days"],
                since=s["since"],
                until=s["until"],
                messages=m["total"],
                en=m["en"],
                es=m["es"],
                answered=sum(s["answers"].values()),
                fallbacks=s["fallbacks"],
                fallback_rate=f"{s['fallback_rate']:.0%}",
                declined=s["declined"],
                decline_rate=f"{s['decline_rate']:.0%}",
                guesses=sum(s["did_you_mean_taken"].values()),
                quizzes_started=sum(q["started"] for q in quizzes),
                quizzes_finished=finished,
                quiz_average=f"{sum(scored) / finished:.0f}%" if finished else "–",
                sessions=s["sessions"]["created"],
                trainees=s["sessions"]["trainees_joined"],
                countries=markup.escape(countries),
            )
        ]
        top = list(s["answers"].items())[:5]
        if top:
            text.append(self._t("admin_stats_top", lang))
            text += [
                self._t("admin_stats_row", lang, n=n, topic=markup.escape(self._title(iid, lang)))
                for iid, n in top
            ]
        days = [d["day"] for d in s["per_day"]]
        png = charts.stacked_days_png(
            days,
            [
                (self._t("admin_chart_english", lang), [d["en"] for d in s["per_day"]]),
                (self._t("admin_chart_spanish", lang), [d["es"] for d in s["per_day"]]),
            ],
            title=self._t("admin_chart_title", lang, days=s["days"]),
            ylabel=self._t("admin_chart_axis", lang),
        )
        caption = self._t("admin_chart_title", lang, days=s["days"])
        return [
            Reply("\n".join(text), lang),
            Reply("", lang, attachment=Attachment("photo", "usage.png", png, caption)),
        ]

    def _title(self, intent_id: str, lang: str) -> str:
        answer = self.tools.kb.answers.get(intent_id)
        return answer.title[lang] if answer else intent_id

    def unmatched(self, lang: str) -> list[Reply]:
        days = self.retention_days
        groups = insights.unmatched(
            self.tools.store, retention_days=days, limit=UNMATCHED_GROUPS, guess=self.best_guess
        )
        if not groups:
            return [Reply(self._t("admin_unmatched_empty", lang, days=days), lang)]
        lines = [self._t("admin_unmatched_header", lang, days=days, groups=len(groups))]
        for g in groups:
            example = g.examples[0]
            if len(example) > EXAMPLE_MAX:
                example = example[: EXAMPLE_MAX - 1] + "…"
            lines.append(
                self._t(
                    "admin_unmatched_row",
                    lang,
                    count=g.count,
                    language=g.lang,
                    example=markup.escape(example),
                    guess=markup.escape(self._title(g.guess, lang) if g.guess else "–"),
                    score=f"{g.guess_score:.2f}",
                )
            )
        return [Reply("\n".join(lines), lang)]
