"""Trainer sessions: a shareable quiz link, and results only its creator can see.

No sign-up: whoever creates a session owns it. To anyone else, a session code behaves exactly like
an unknown code, so results, exports and the existence of a session never leak. Only the first
completed attempt of each trainee counts (attempts started after the session was closed do not
count); retakes are shown separately.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from . import charts, markup, payloads, spreadsheets
from .data.model import adapted_id
from .exports import safe_cell
from .images import qr_png
from .knowledge import Quiz
from .messages import Attachment, Choice, Incoming, Reply
from .payloads import Payload
from .quiz import LETTERS, QuizFlow
from .store import Attempt, SessionInfo
from .toolkit import Toolkit

TITLE_MAX = 100
MAX_NAMES_IN_RESULTS = 40
LIST_MAX = 10  # sessions shown by /sessions and the pickers, newest first
SUGGEST_SCORE = 60.0  # rapidfuzz WRatio a mistyped quiz id must reach to be suggested
PENDING_TITLE_SECONDS = 600.0
PIN_TRIES = 5  # wrong PINs a user may send per window before being told to wait
PIN_WINDOW = 600.0  # seconds; wrong PINs are stored (user id and time) this long, then deleted
LIVE_NAMES = 10  # a live view names the last trainees to join, then "and N more"
LIVE_NAME_CHARS = 30
ADAPT_LABEL_CHARS = 40  # a question's text on its keep / leave-out button
# What a live view's message says at its end: still updating, the session closed, or it stopped
# (ran its maximum time, or a newer message of the same session took over).
LIVE_UPDATING, LIVE_CLOSED, LIVE_STOPPED = "updating", "closed", "stopped"
LIVE_KINDS = ("created", "card")  # the message made by /newsession, or a /sessions card
PIN_RE = re.compile(r"^\d{6}$")
CODE_RE = re.compile(r"^[A-Za-z0-9]{12}$")  # the shape of Store.create_session's codes


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
    # question index -> how many counted attempts chose each option (index = option)
    option_counts: dict[int, list[int]] = field(default_factory=dict)


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
    option_counts: dict[int, list[int]] = {
        i: [0] * max((len(opts) for opts in q.options.values()), default=0)
        for i, q in enumerate(quiz.questions)
    }
    if completed:
        for i in range(total):
            right = sum(1 for a in counted for q, _, ok in answers_of.get(a.id, []) if q == i and ok)
            per_question.append((i, right / completed * 100))
        per_question.sort(key=lambda qp: (qp[1], qp[0]))
        for a in counted:
            for q, chosen, _ in answers_of.get(a.id, []):
                if q in option_counts and 0 <= chosen < len(option_counts[q]):
                    option_counts[q][chosen] += 1
    return SessionStats(
        len(participants), completed, average, pass_rate, per_question, retakes, rows, option_counts
    )


def view_digest(reply: Reply) -> str:
    """A short fingerprint of what a message shows (its text and buttons)."""
    parts = [reply.text, *(f"{c.label}\x00{c.payload}\x00{c.url}" for c in reply.choices)]
    return hashlib.sha256("\x01".join(parts).encode("utf-8")).hexdigest()[:20]


class TrainerSessions:
    def __init__(self, tools: Toolkit, quiz: QuizFlow, wall_clock: Callable[[], float] = time.time) -> None:
        self.tools = tools
        self.quiz = quiz  # a trainee's session attempt is a quiz like any other
        self.kb = tools.kb
        self.store = tools.store
        self._clock = tools.clock
        # Wrong PINs are stored in SQLite with Unix times (a restart keeps the throttle).
        self._wall_clock = wall_clock
        self._lock = threading.Lock()  # the engine may run in several worker threads
        # A title typed with a mistyped quiz id ("/newsession basic Room 4"), kept for the
        # "did you mean" button that follows; memory only, so a restart just loses the title.
        self._pending_titles: dict[str, tuple[str, float]] = {}

    def _t(self, key: str, lang: str, **values: object) -> str:
        return self.tools.text(key, lang, **values)

    def link(self, code: str) -> str:
        return self.tools.deep_link(payloads.SESSION_LINK + code)

    def _heading(self, info: SessionInfo, quiz: Quiz, lang: str) -> str:
        title = markup.escape(info.title)
        if info.title in quiz.title.values():
            return title
        return self._t("session_heading", lang, title=title, quiz=markup.escape(quiz.title[lang]))

    def on_command(self, incoming: Incoming, command: str, arg: str, lang: str) -> list[Reply]:
        if incoming.in_group:
            return self._private_only(lang)
        if command == "newsession":
            return self.create(incoming, arg, lang)
        if command == "adapt":
            return self.adapt(incoming, (), lang)
        if command == "sessions":
            return self.list_sessions(incoming, lang)
        if command == "join":
            return self.join_typed(incoming, arg, lang) or [Reply(self._t("session_join_usage", lang), lang)]
        code = arg.split()[0] if arg.split() else ""
        if not code:
            return self.pick_session(incoming, command, lang)
        info = self.store.owned_session(code, incoming.user_id)
        if info is None or info.quiz_id not in self.kb.quizzes:
            return [Reply(self._t("session_unknown", lang), lang)]
        return self._act(command, info, lang)

    def _private_only(self, lang: str) -> list[Reply]:
        """In a group: trainer sessions are private, with a button to the bot's private chat."""
        private = Choice(self._t("open_private_chat_button", lang), url=self.tools.deep_link("trainer"))
        return [Reply(self._t("session_private_only", lang), lang, (private,))]

    def _act(self, command: str, info: SessionInfo, lang: str) -> list[Reply]:
        if command == "results":
            return self.results(info, lang)
        if command == "export":
            return self.export(info, lang)
        return self.close(info, lang)

    def on_payload(self, incoming: Incoming, p: Payload, lang: str) -> list[Reply]:
        """The trainer's buttons: new session for a quiz, and results / export / close."""
        if incoming.in_group:
            return self._private_only(lang)
        if p.kind == payloads.SESSION_ADAPT:
            return self.adapt(incoming, p.args, lang)
        if p.kind == payloads.SESSION_NEW:
            if p.args[0] not in self.kb.quizzes:
                return self.tools.stale(lang)
            with self._lock:
                pending = self._pending_titles.pop(incoming.user_id, None)
            fresh = pending is not None and self._clock() - pending[1] < PENDING_TITLE_SECONDS
            return self._create(incoming, p.args[0], pending[0] if pending and fresh else "", lang)
        info = self.store.owned_session(p.args[0], incoming.user_id)
        if info is None or info.quiz_id not in self.kb.quizzes:
            return [Reply(self._t("session_unknown", lang), lang)]
        command = {
            payloads.SESSION_RESULTS: "results",
            payloads.SESSION_EXPORT: "export",
            payloads.SESSION_CLOSE: "close",
        }[p.kind]
        return self._act(command, info, lang)

    # -- creating -----------------------------------------------------------------------------
    def _quiz_choices(self, lang: str, ids: list[str] | None = None) -> tuple[Choice, ...]:
        return tuple(
            Choice(self.kb.quizzes[qid].title[lang], payloads.make(payloads.SESSION_NEW, qid))
            for qid in (ids if ids is not None else list(self.kb.quizzes))
        )

    def suggest_quizzes(self, typed: str) -> list[str]:
        """Quiz ids close to a mistyped id or title, best first (rapidfuzz, 0-100)."""
        typed = typed.strip().lower()
        if not typed:
            return []
        best: dict[str, float] = {}
        for qid, quiz in self.kb.quizzes.items():
            names = [qid, qid.replace("_", " "), *(t.lower() for t in quiz.title.values())]
            best[qid] = max(fuzz.WRatio(typed, name) for name in names)
        ranked = sorted((q for q, score in best.items() if score >= SUGGEST_SCORE), key=lambda q: -best[q])
        return ranked[:3]

    def create(self, incoming: Incoming, arg: str, lang: str) -> list[Reply]:
        if not arg.strip():
            adapt = Choice(self._t("session_adapt_button", lang), payloads.make(payloads.SESSION_ADAPT))
            return [Reply(self._t("session_pick_quiz", lang), lang, (*self._quiz_choices(lang), adapt))]
        quiz_id, _, title = arg.strip().partition(" ")
        if quiz_id.lower() in self.kb.quizzes:
            return self._create(incoming, quiz_id.lower(), title, lang)
        guesses = self.suggest_quizzes(quiz_id) or self.suggest_quizzes(arg)
        if title.strip():
            with self._lock:
                if len(self._pending_titles) > 10_000:  # bounded memory
                    self._pending_titles.clear()
                self._pending_titles[incoming.user_id] = (title, self._clock())
        typed = markup.escape(quiz_id[:40])
        if guesses:
            text = self._t("session_did_you_mean", lang, typed=typed)
            return [Reply(text, lang, self._quiz_choices(lang, guesses))]
        text = self._t("session_quiz_unknown", lang, typed=typed)
        return [Reply(text, lang, self._quiz_choices(lang))]

    def adapt(self, incoming: Incoming, args: tuple[str, ...], lang: str) -> list[Reply]:
        """Choose a quiz (no ``args``), then which of its questions the session keeps.

        Everything the trainer chose travels in the buttons (quiz id and question mask), so
        nothing is stored until the session is created for the adapted quiz ("basics-5b")."""
        edit = incoming.payload is not None
        if not args:
            quizzes = tuple(
                Choice(
                    quiz.title[lang],
                    payloads.make(payloads.SESSION_ADAPT, qid, f"{(1 << len(quiz.questions)) - 1:x}"),
                )
                for qid, quiz in self.kb.quizzes.items()
            )
            return [Reply(self._t("session_adapt_pick", lang), lang, quizzes, edit=edit)]
        quiz_id, mask_text = args
        quiz = self.kb.quizzes.get(quiz_id)  # a quiz of content/quizzes/: the payload has no "-"
        mask = int(mask_text, 16)
        if quiz is None or mask >= 1 << len(quiz.questions):
            return self.tools.stale(lang)
        full = (1 << len(quiz.questions)) - 1
        kept = bin(mask).count("1")
        choices: list[Choice] = []
        for i, question in enumerate(quiz.questions):
            label = self._t(
                "session_adapt_kept" if mask >> i & 1 else "session_adapt_left_out",
                lang,
                n=i + 1,
                question=_short(question.question[lang], ADAPT_LABEL_CHARS),
            )
            choices.append(
                Choice(label, payloads.make(payloads.SESSION_ADAPT, quiz_id, f"{mask ^ 1 << i:x}"))
            )
        if kept:
            chosen = quiz_id if mask == full else adapted_id(quiz_id, mask)
            create = self._t("session_adapt_create", lang, n=kept)
            choices.append(Choice(create, payloads.make(payloads.SESSION_NEW, chosen)))
        choices.append(Choice(self._t("session_adapt_back", lang), payloads.make(payloads.SESSION_ADAPT)))
        text = self._t(
            "session_adapt", lang, title=markup.escape(quiz.title[lang]), n=kept, total=len(quiz.questions)
        )
        if not kept:
            text += "\n\n" + self._t("session_adapt_none", lang)
        return [Reply(text, lang, tuple(choices), edit=edit)]

    def _create(self, incoming: Incoming, quiz_id: str, title: str, lang: str) -> list[Reply]:
        quiz = self.kb.quizzes[quiz_id]
        title = " ".join(title.split())[:TITLE_MAX] or quiz.title[lang]
        info = self.store.create_session(incoming.user_id, quiz_id, title)
        self.store.count("session_created")
        link = self.link(info.code)
        photo = Attachment(
            "photo",
            f"session-{info.code}.png",
            qr_png(link),
            self._t("session_qr_caption", lang, title=markup.escape(title), pin=info.pin or ""),
        )
        # the message with the link, the PIN and the buttons is the trainer's live view
        return [self.live_reply(info, "created", lang, LIVE_UPDATING), Reply("", lang, attachment=photo)]

    def live_reply(self, info: SessionInfo, kind: str, lang: str, state: str) -> Reply:
        """A trainer's session message with who joined and how many finished.

        ``kind``: the message /newsession made (with the how-to) or a /sessions card; ``state``:
        :data:`LIVE_UPDATING` (the reply asks the channel to keep it up to date), :data:`LIVE_CLOSED`
        or :data:`LIVE_STOPPED` (its last state). Names are first names (else @username), the
        ones trainees were told are shared with the trainer."""
        quiz = self.kb.quizzes[info.quiz_id]
        if kind == "created" and state != LIVE_CLOSED:  # closed: no more PIN or how-to to show
            head = self._t(
                "session_created",
                lang,
                heading=self._heading(info, quiz, lang),
                link=markup.escape(self.link(info.code)),
                code=info.code,
                pin=info.pin or "",
            ).rstrip("\n")
        else:
            head = self._t(
                "session_live_card",
                lang,
                title=markup.escape(info.title),
                status=self._status(info, lang),
                pin=info.pin if info.pin and info.closed_at is None else "-",
                code=info.code,
            )
        joined, finished = self.store.session_counts(info.code)
        lines = [head, "", self._t("session_live_counts", lang, joined=joined, finished=finished)]
        latest = self.store.latest_participants(info.code, LIVE_NAMES)
        if latest:
            names = ", ".join(
                markup.escape(_short(first or (f"@{username}" if username else "?"), LIVE_NAME_CHARS))
                for first, username in latest
            )
            if joined > len(latest):
                names = self._t("session_live_more_names", lang, names=names, n=joined - len(latest))
            lines.append(self._t("session_live_names", lang, names=names))
        lines.append(self._t(f"session_live_{state}", lang))
        reply = Reply("\n".join(lines), lang, self.session_buttons(info, lang))
        if state != LIVE_UPDATING or info.closed_at is not None:
            return reply
        token = f"{kind}:{lang}:{info.code}:{view_digest(reply)}"  # see live.LiveViews.started
        return Reply(reply.text, lang, reply.choices, live=token)

    def session_buttons(self, info: SessionInfo, lang: str) -> tuple[Choice, ...]:
        """Results and Export; while open also Close and Share (the link, to forward)."""
        choices = [
            Choice(
                self._t("session_results_button", lang), payloads.make(payloads.SESSION_RESULTS, info.code)
            ),
            Choice(self._t("session_export_button", lang), payloads.make(payloads.SESSION_EXPORT, info.code)),
        ]
        if info.closed_at is None:
            choices.append(
                Choice(
                    self._t("session_close_button", lang), payloads.make(payloads.SESSION_CLOSE, info.code)
                )
            )
            share = self.quiz.share_url(self.link(info.code), info.title)
            choices.append(Choice(self._t("session_share_button", lang), url=share))
        return tuple(choices)

    # -- listing ------------------------------------------------------------------------------
    def _status(self, info: SessionInfo, lang: str) -> str:
        return self._t("session_status_closed" if info.closed_at else "session_status_open", lang)

    def list_sessions(self, incoming: Incoming, lang: str) -> list[Reply]:
        """One message per session (newest first), each with its buttons."""
        rows = self.store.sessions_of(incoming.user_id)
        if not rows:
            return [Reply(self._t("session_list_empty", lang), lang, self._quiz_choices(lang))]
        replies = []
        for info, people, done in rows[:LIST_MAX]:
            if info.closed_at is None and info.quiz_id in self.kb.quizzes:
                replies.append(self.live_reply(info, "card", lang, LIVE_UPDATING))  # kept up to date
                continue
            text = self._t(
                "session_list_row",
                lang,
                title=markup.escape(info.title),
                code=info.code,
                people=people,
                done=done,
                status=self._status(info, lang),
                pin=info.pin if info.pin and info.closed_at is None else "-",
            )
            replies.append(Reply(text, lang, self.session_buttons(info, lang)))
        if len(rows) > LIST_MAX:
            replies.append(Reply(self._t("session_list_more", lang, n=len(rows) - LIST_MAX), lang))
        return replies

    def pick_session(self, incoming: Incoming, command: str, lang: str) -> list[Reply]:
        """A bare /results, /export or /close: the trainer's sessions as buttons."""
        rows = [info for info, _, _ in self.store.sessions_of(incoming.user_id)]
        if command == "close":
            rows = [info for info in rows if info.closed_at is None]
        if not rows:
            key = "session_none_open" if command == "close" else "session_list_empty"
            return [Reply(self._t(key, lang), lang, self._quiz_choices(lang))]
        kind = {
            "results": payloads.SESSION_RESULTS,
            "export": payloads.SESSION_EXPORT,
            "close": payloads.SESSION_CLOSE,
        }[command]
        choices = tuple(
            Choice(
                self._t(
                    "session_pick_label", lang, title=_short(info.title, 40), status=self._status(info, lang)
                ),
                payloads.make(kind, info.code),
            )
            for info in rows[:LIST_MAX]
        )
        return [Reply(self._t(f"session_pick_{command}", lang), lang, choices)]

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
        """The figures, each question with the share who chose each option, and the chart."""
        quiz = self.kb.quizzes[info.quiz_id]
        st = self.stats(info)
        head = self._t(
            "session_results",
            lang,
            heading=self._heading(info, quiz, lang),
            status=self._status(info, lang),
            participants=st.participants,
            completed=st.completed,
            average=f"{st.average:.0f}",
            pass_rate=f"{st.pass_rate:.0f}",
            retakes=st.retakes,
        )
        if not st.completed:
            return [Reply(head + "\n\n" + self._t("session_results_empty", lang), lang)]
        lines = [head, "", self._t("session_results_questions_header", lang)]
        for i, pct in st.per_question:
            q = quiz.questions[i]
            lines.append("")
            lines.append(
                self._t(
                    "session_results_question",
                    lang,
                    n=i + 1,
                    pct=f"{pct:.0f}",
                    question=markup.escape(q.question[lang]),
                )
            )
            counts = st.option_counts.get(i, [])
            for j, option in enumerate(q.options[lang]):
                n = counts[j] if j < len(counts) else 0
                key = "session_results_option_right" if j == q.answer else "session_results_option"
                lines.append(
                    self._t(
                        key,
                        lang,
                        letter=LETTERS[j],
                        option=markup.escape(option),
                        pct=f"{n / st.completed * 100:.0f}",
                        n=n,
                    )
                )
        lines.append("")
        total = len(quiz.questions)
        for row in st.rows[:MAX_NAMES_IN_RESULTS]:
            if row.score is None:
                score = self._t("session_results_unfinished", lang)
            else:
                score = f"{row.score} / {total}"
            lines.append(self._t("session_results_person", lang, name=self._name(row), score=score))
        if len(st.rows) > MAX_NAMES_IN_RESULTS:
            lines.append(self._t("session_results_more", lang, n=len(st.rows) - MAX_NAMES_IN_RESULTS))
        chart = self.chart(info, quiz, st, lang)
        caption = self._t("session_chart_caption", lang, title=markup.escape(info.title))
        return [
            Reply("\n".join(lines), lang),
            Reply("", lang, attachment=Attachment("photo", f"results-{info.code}.png", chart, caption)),
        ]

    def chart(self, info: SessionInfo, quiz: Quiz, st: SessionStats, lang: str, fmt: str = "png") -> bytes:
        """% right per question, hardest on top, on a 0-100 axis (see :mod:`charts`); ``fmt``
        ``svg`` keeps its text readable (tests)."""
        labels = [
            self._t(
                "session_chart_label", lang, n=i + 1, question=_short(quiz.questions[i].question[lang], 42)
            )
            for i, _ in st.per_question
        ]
        title = info.title if info.title in quiz.title.values() else f"{info.title} · {quiz.title[lang]}"
        return charts.percent_bars_png(
            labels,
            [pct for _, pct in st.per_question],
            title=_short(title, 70),
            subtitle=self._t("session_chart_subtitle", lang, n=st.completed),
            xlabel=self._t("session_chart_axis", lang),
            fmt=fmt,
        )

    # -- exports -----------------------------------------------------------------------------
    def results_sheet(
        self, info: SessionInfo, lang: str, st: SessionStats | None = None
    ) -> spreadsheets.Sheet:
        """One row per trainee: numbers as numbers, the chosen option's text per question."""
        quiz = self.kb.quizzes[info.quiz_id]
        st = st or self.stats(info)
        total = len(quiz.questions)
        header = [
            self._t(f"export_header_{k}", lang)
            for k in ("name", "username", "started", "finished", "correct", "total", "percent", "retakes")
        ]
        fixed = len(header)
        header += [
            self._t("export_header_question", lang, n=i + 1, question=_short(q.question[lang], 60))
            for i, q in enumerate(quiz.questions)
        ]
        rows: list[list[spreadsheets.Cell]] = []
        marks: dict[tuple[int, int], bool] = {}
        for r, row in enumerate(st.rows):
            done = row.score is not None
            cells: list[spreadsheets.Cell] = [
                _cell(row.first_name),
                _cell(row.username),
                spreadsheets.utc(row.started),
                spreadsheets.utc(row.finished),
                row.score if done else None,
                total if done else None,
                round(100 * (row.score or 0) / total, 1) if done and total else None,
                row.retakes,
            ]
            for i, q in enumerate(quiz.questions):
                given = row.answers.get(i)
                if given is None or not 0 <= given[0] < len(q.options[lang]):
                    cells.append(None)
                    continue
                cells.append(_cell(q.options[lang][given[0]]))
                marks[(r, fixed + i)] = given[1]
            rows.append(cells)
        widths = [18, 16, 20, 20, 10, 8, 10, 12] + [30] * total
        return spreadsheets.Sheet(self._t("export_sheet_results", lang), header, rows, marks, widths)

    def questions_sheet(self, info: SessionInfo, lang: str, st: SessionStats) -> spreadsheets.Sheet:
        quiz = self.kb.quizzes[info.quiz_id]
        width = max((len(q.options[lang]) for q in quiz.questions), default=0)
        header = [self._t("export_header_number", lang), self._t("export_header_question_text", lang)]
        header += [self._t("export_header_option", lang, letter=LETTERS[j]) for j in range(width)]
        header += [self._t("export_header_right_answer", lang), self._t("export_header_right_share", lang)]
        share = dict(st.per_question)
        rows: list[list[spreadsheets.Cell]] = []
        for i, q in enumerate(quiz.questions):
            options: list[spreadsheets.Cell] = [_cell(o) for o in q.options[lang]]
            options += [None] * (width - len(options))
            right = f"{LETTERS[q.answer]}. {q.options[lang][q.answer]}"
            pct = round(share[i], 1) if i in share else None
            rows.append([i + 1, _cell(q.question[lang]), *options, _cell(right), pct])
        widths = [6, 60, *([30] * width), 34, 12]
        return spreadsheets.Sheet(self._t("export_sheet_questions", lang), header, rows, None, widths)

    def summary_sheet(self, info: SessionInfo, lang: str, st: SessionStats) -> spreadsheets.Sheet:
        quiz = self.kb.quizzes[info.quiz_id]
        pairs: list[tuple[str, spreadsheets.Cell]] = [
            ("export_summary_session", _cell(info.title)),
            ("export_summary_quiz", _cell(quiz.title[lang])),
            ("export_summary_status", self._status(info, lang)),
            ("export_summary_created", spreadsheets.utc(info.created_at)),
            ("export_summary_participants", st.participants),
            ("export_summary_completed", st.completed),
            ("export_summary_average", round(st.average, 1)),
            ("export_summary_pass_rate", round(st.pass_rate, 1)),
            ("export_summary_retakes", st.retakes),
        ]
        rows = [[self._t(key, lang), value] for key, value in pairs]
        header = [self._t("export_summary_what", lang), self._t("export_summary_value", lang)]
        return spreadsheets.Sheet(self._t("export_sheet_summary", lang), header, rows, None, [34, 40])

    def export_csv(self, info: SessionInfo, lang: str) -> bytes:
        """The results table as CSV (the xlsx's first sheet)."""
        return spreadsheets.csv_bytes(self.results_sheet(info, lang))

    def export_xlsx(self, info: SessionInfo, lang: str) -> bytes:
        st = self.stats(info)
        return spreadsheets.xlsx_bytes(
            [
                self.results_sheet(info, lang, st),
                self.questions_sheet(info, lang, st),
                self.summary_sheet(info, lang, st),
            ]
        )

    def export(self, info: SessionInfo, lang: str) -> list[Reply]:
        title = markup.escape(info.title)
        xlsx = Attachment(
            "document",
            f"session-{info.code}.xlsx",
            self.export_xlsx(info, lang),
            self._t("session_export_caption", lang, title=title),
        )
        csv_file = Attachment(
            "document",
            f"session-{info.code}.csv",
            self.export_csv(info, lang),
            self._t("session_export_csv_caption", lang, title=title),
        )
        return [Reply("", lang, attachment=xlsx), Reply("", lang, attachment=csv_file)]

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

    @staticmethod
    def is_join_text(text: str) -> bool:
        """Whether ``text`` has the shape of a PIN or a session code (a cheap check, no I/O)."""
        typed = text.strip()
        return bool(PIN_RE.match(typed.replace(" ", "").replace("-", "")) or CODE_RE.match(typed))

    def join_typed(self, incoming: Incoming, text: str, lang: str) -> list[Reply] | None:
        """A PIN (``123456``, ``123 456``) or a session code sent as text: the session's intro.

        None when ``text`` is neither, so the message is understood as usual. Wrong PINs are
        throttled per user (:data:`PIN_TRIES` per :data:`PIN_WINDOW` seconds) so a room's PIN
        can't be found by trying them all.
        """
        if incoming.in_group:
            return None
        typed = text.strip()
        compact = typed.replace(" ", "").replace("-", "")
        if PIN_RE.match(compact):
            return self.join_by_pin(incoming, compact, lang)
        if CODE_RE.match(typed):
            return self.on_link(incoming, typed, lang) or None
        return None

    def join_by_pin(self, incoming: Incoming, pin: str, lang: str) -> list[Reply]:
        """Wrong PINs are kept in SQLite (user id and time, :data:`PIN_WINDOW` seconds), so a
        restart does not reset the throttle; older rows are deleted with each new one."""
        now = self._wall_clock()
        if self.store.pin_failures_since(incoming.user_id, now - PIN_WINDOW) >= PIN_TRIES:
            return [Reply(self._t("session_pin_throttled", lang), lang)]
        info = self.store.session_by_pin(pin)
        replies = self.on_link(incoming, info.code, lang) if info is not None else []
        if replies:
            return replies
        self.store.record_pin_failure(incoming.user_id, PIN_WINDOW, now)
        return [Reply(self._t("session_pin_unknown", lang), lang)]

    def on_join(self, incoming: Incoming, code: str, lang: str) -> list[Reply]:
        info = self.store.get_session(code)
        if info is None or info.quiz_id not in self.kb.quizzes:
            return self.tools.stale(lang)
        if info.closed_at is not None:
            return self.on_link(incoming, code, lang)
        self.store.join_session(code, incoming.user_id, incoming.first_name, incoming.username)
        self.store.count("session_joined")
        return self.quiz.start(incoming, info.quiz_id, lang, session_code=code)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cell(value: str) -> str:
    """Every text cell of an export (CSV and xlsx) goes through here: the one place to make
    user-provided text safe in a spreadsheet, so the escaping can be swapped in one spot."""
    return safe_cell(value)
