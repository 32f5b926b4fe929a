"""Trainer sessions: a shareable quiz link, and results only its creator can see.

No sign-up: whoever creates a session owns it. To anyone else, a session code behaves exactly like
an unknown code, so results, exports and the existence of a session never leak. Only the first
completed attempt of each trainee counts (attempts started after the session was closed do not
count); retakes are shown separately.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import markup, payloads
from .exports import safe_cell
from .images import bar_chart_png, qr_png
from .knowledge import Quiz
from .messages import Attachment, Choice, Incoming, Reply
from .quiz import LETTERS
from .store import Attempt, SessionInfo

if TYPE_CHECKING:
    from .engine import Engine

TITLE_MAX = 100
MAX_NAMES_IN_RESULTS = 40


@dataclass(frozen=True)
class TraineeRow:
    user_id: str
    first_name: str
    username: str
    started: float | None
    finished: float | None
    score: int | None
    answers: dict[int, tuple[int, bool]]
    retakes: int


@dataclass(frozen=True)
class SessionStats:
    participants: int
    completed: int
    average: float  # mean score as a percentage of the questions
    pass_rate: float  # percentage of completed trainees who passed
    per_question: list[tuple[int, float]]  # (question index, % correct), hardest first
    retakes: int
    rows: list[TraineeRow]


def _fmt_time(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts)) if ts else ""


def compute_stats(
    info: SessionInfo,
    quiz: Quiz,
    participants: list[tuple[str, str, str]],
    attempts: list[Attempt],
    answers_of: dict[int, list[tuple[int, int, bool]]],
) -> SessionStats:
    """The figures behind /results and /export (a pure function, tested on its own)."""
    total = len(quiz.questions)
    by_user: dict[str, list[Attempt]] = {}
    for a in attempts:
        by_user.setdefault(a.user_id, []).append(a)
    rows: list[TraineeRow] = []
    counted: list[Attempt] = []
    retakes = 0
    for user_id, first_name, username in participants:
        mine = sorted(by_user.get(user_id, []), key=lambda a: a.started_at)
        finished = sorted(
            (
                a
                for a in mine
                if a.finished_at is not None and (info.closed_at is None or a.started_at < info.closed_at)
            ),
            key=lambda a: a.finished_at or 0.0,
        )
        first = finished[0] if finished else None
        retakes_here = max(0, len([a for a in mine if a.finished_at is not None]) - (1 if first else 0))
        retakes += retakes_here
        shown = first or (mine[-1] if mine else None)
        given = {q: (c, ok) for q, c, ok in answers_of.get(shown.id, [])} if shown else {}
        score = sum(1 for _, ok in given.values() if ok) if first else None
        if first is not None:
            counted.append(first)
        rows.append(
            TraineeRow(
                user_id,
                first_name,
                username,
                mine[0].started_at if mine else None,
                first.finished_at if first else None,
                score,
                given,
                retakes_here,
            )
        )
    completed = len(counted)
    scores = [sum(1 for _, _, ok in answers_of.get(a.id, []) if ok) for a in counted]
    average = (sum(scores) / (completed * total) * 100) if completed and total else 0.0
    passed = sum(1 for s in scores if total and s / total >= quiz.pass_mark)
    pass_rate = passed / completed * 100 if completed else 0.0
    per_question: list[tuple[int, float]] = []
    if completed:
        for i in range(total):
            right = sum(1 for a in counted for q, _, ok in answers_of.get(a.id, []) if q == i and ok)
            per_question.append((i, right / completed * 100))
        per_question.sort(key=lambda qp: (qp[1], qp[0]))
    return SessionStats(len(participants), completed, average, pass_rate, per_question, retakes, rows)


class TrainerSessions:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.kb = engine.kb
        self.store = engine.store

    def _t(self, key: str, lang: str, **values: object) -> str:
        return self.engine.text(key, lang, **values)

    def link(self, code: str) -> str:
        return self.engine.deep_link(payloads.SESSION_LINK + code)

    def _usage(self, lang: str) -> list[Reply]:
        return [Reply(self._t("session_usage", lang, ids=self.engine.quiz_ids()), lang)]

    def on_command(self, incoming: Incoming, command: str, arg: str, lang: str) -> list[Reply]:
        if incoming.in_group:
            return [Reply(self._t("session_private_only", lang), lang)]
        if command == "newsession":
            return self.create(incoming, arg, lang)
        if command == "sessions":
            return self.list_sessions(incoming, lang)
        code = arg.split()[0] if arg.split() else ""
        info = self.store.owned_session(code, incoming.user_id) if code else None
        if not code:
            return self._usage(lang)
        if info is None or info.quiz_id not in self.kb.quizzes:
            return [Reply(self._t("session_unknown", lang), lang)]
        if command == "results":
            return self.results(info, lang)
        if command == "export":
            return self.export(info, lang)
        return self.close(info, lang)

    def create(self, incoming: Incoming, arg: str, lang: str) -> list[Reply]:
        quiz_id, _, title = arg.strip().partition(" ")
        quiz_id = quiz_id.lower()
        if quiz_id not in self.kb.quizzes:
            return self._usage(lang)
        quiz = self.kb.quizzes[quiz_id]
        title = " ".join(title.split())[:TITLE_MAX] or quiz.title[lang]
        info = self.store.create_session(incoming.user_id, quiz_id, title)
        self.store.count("session_created")
        link = self.link(info.code)
        text = self._t(
            "session_created",
            lang,
            title=markup.escape(title),
            link=markup.escape(link),
            code=info.code,
            quiz=markup.escape(quiz.title[lang]),
        )
        photo = Attachment(
            "photo",
            f"session-{info.code}.png",
            qr_png(link),
            self._t("session_qr_caption", lang, title=markup.escape(title)),
        )
        return [Reply(text, lang), Reply("", lang, attachment=photo)]

    def list_sessions(self, incoming: Incoming, lang: str) -> list[Reply]:
        rows = self.store.sessions_of(incoming.user_id)
        if not rows:
            return [Reply(self._t("session_list_empty", lang), lang)]
        lines = [self._t("session_list_header", lang)]
        for info, people, done in rows[:50]:
            status = self._t("session_status_closed" if info.closed_at else "session_status_open", lang)
            lines.append(
                self._t(
                    "session_list_row",
                    lang,
                    title=markup.escape(info.title),
                    code=info.code,
                    people=people,
                    done=done,
                    status=status,
                )
            )
        return [Reply("\n".join(lines), lang)]

    def stats(self, info: SessionInfo) -> SessionStats:
        quiz = self.kb.quizzes[info.quiz_id]
        # Heal attempts an earlier version left complete but open, so they count.
        self.store.finish_complete_attempts(quiz.id, len(quiz.questions), info.code)
        participants = [
            (r["user_id"], r["first_name"], r["username"]) for r in self.store.session_participants(info.code)
        ]
        attempts = self.store.session_attempts(info.code)
        answers_of = {a.id: self.store.attempt_answers(a.id) for a in attempts}
        return compute_stats(info, quiz, participants, attempts, answers_of)

    def _name(self, row: TraineeRow) -> str:
        name = markup.escape(row.first_name or "?")
        return f"{name} (@{markup.escape(row.username)})" if row.username else name

    def results(self, info: SessionInfo, lang: str) -> list[Reply]:
        quiz = self.kb.quizzes[info.quiz_id]
        st = self.stats(info)
        status = self._t("session_status_closed" if info.closed_at else "session_status_open", lang)
        head = self._t(
            "session_results",
            lang,
            title=markup.escape(info.title),
            quiz=markup.escape(quiz.title[lang]),
            status=status,
            participants=st.participants,
            completed=st.completed,
            average=f"{st.average:.0f}",
            pass_rate=f"{st.pass_rate:.0f}",
            retakes=st.retakes,
        )
        if not st.completed:
            return [Reply(head + "\n\n" + self._t("session_results_empty", lang), lang)]
        lines = [head, ""]
        for i, pct in st.per_question:
            question = quiz.questions[i].question[lang]
            short = question if len(question) <= 70 else question[:67].rstrip() + "…"
            lines.append(
                self._t(
                    "session_results_question", lang, n=i + 1, pct=f"{pct:.0f}", question=markup.escape(short)
                )
            )
        lines.append("")
        total = len(quiz.questions)
        for row in st.rows[:MAX_NAMES_IN_RESULTS]:
            if row.score is None:
                score = self._t("session_results_unfinished", lang)
            else:
                score = f"{row.score}/{total}"
            lines.append(self._t("session_results_person", lang, name=self._name(row), score=score))
        if len(st.rows) > MAX_NAMES_IN_RESULTS:
            lines.append(self._t("session_results_more", lang, n=len(st.rows) - MAX_NAMES_IN_RESULTS))
        labels = [self._t("export_header_question", lang, n=i + 1) for i, _ in st.per_question]
        chart = bar_chart_png([(label, pct) for label, (_, pct) in zip(labels, st.per_question, strict=True)])
        caption = self._t("session_chart_caption", lang, title=markup.escape(info.title))
        return [
            Reply("\n".join(lines), lang),
            Reply("", lang, attachment=Attachment("photo", f"results-{info.code}.png", chart, caption)),
        ]

    def export_csv(self, info: SessionInfo, lang: str) -> str:
        quiz = self.kb.quizzes[info.quiz_id]
        st = self.stats(info)
        out = io.StringIO()
        # Every field quoted (a reader splitting on ';' keeps each cell whole), every cell escaped.
        writer = csv.writer(out, quoting=csv.QUOTE_ALL)
        header = [
            self._t(f"export_header_{k}", lang)
            for k in ("name", "username", "started", "finished", "score", "retakes")
        ]
        header += [self._t("export_header_question", lang, n=i + 1) for i in range(len(quiz.questions))]
        writer.writerow([safe_cell(c) for c in header])
        for row in st.rows:
            cells = [
                row.first_name,
                row.username,
                _fmt_time(row.started),
                _fmt_time(row.finished),
                "" if row.score is None else f"{row.score}/{len(quiz.questions)}",
                str(row.retakes),
            ]
            for i in range(len(quiz.questions)):
                given = row.answers.get(i)
                cells.append("" if given is None else f"{LETTERS[given[0]]} {'✓' if given[1] else '✗'}")
            writer.writerow([safe_cell(c) for c in cells])
        return out.getvalue()

    def export(self, info: SessionInfo, lang: str) -> list[Reply]:
        data = self.export_csv(info, lang).encode("utf-8-sig")  # BOM: spreadsheets read UTF-8
        caption = self._t("session_export_caption", lang, title=markup.escape(info.title))
        return [Reply("", lang, attachment=Attachment("document", f"session-{info.code}.csv", data, caption))]

    def close(self, info: SessionInfo, lang: str) -> list[Reply]:
        if info.closed_at is not None:
            return [Reply(self._t("session_already_closed", lang, title=markup.escape(info.title)), lang)]
        self.store.close_session(info.code)
        return [Reply(self._t("session_close_done", lang, title=markup.escape(info.title)), lang)]

    # -- trainees ---------------------------------------------------------------------------
    def on_link(self, incoming: Incoming, code: str, lang: str) -> list[Reply]:
        """``/start s_<code>``: the consent notice and a start button; [] for unknown codes."""
        info = self.store.get_session(code)
        if info is None or info.quiz_id not in self.kb.quizzes:
            return []
        quiz = self.kb.quizzes[info.quiz_id]
        if info.closed_at is not None:
            anyway = Choice(self._t("take_quiz_button", lang), payloads.make(payloads.QUIZ_START, quiz.id))
            return [Reply(self._t("session_closed", lang, title=markup.escape(info.title)), lang, (anyway,))]
        text = self._t(
            "session_intro",
            lang,
            title=markup.escape(info.title),
            quiz=markup.escape(quiz.title[lang]),
            description=markup.escape(quiz.description[lang]),
            total=len(quiz.questions),
        )
        start = Choice(self._t("session_start_button", lang), payloads.make(payloads.SESSION_JOIN, info.code))
        return [Reply(text, lang, (start,))]

    def on_join(self, incoming: Incoming, code: str, lang: str) -> list[Reply]:
        info = self.store.get_session(code)
        if info is None or info.quiz_id not in self.kb.quizzes:
            return self.engine.stale(lang)
        if info.closed_at is not None:
            return self.on_link(incoming, code, lang)
        self.store.join_session(code, incoming.user_id, incoming.first_name, incoming.username)
        self.store.count("session_joined")
        return self.engine.quiz.start(incoming, info.quiz_id, lang, session_code=code)
