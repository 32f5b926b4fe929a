"""Quizzes inside the engine: one question at a time, saved after every answer.

Private quizzes run on buttons (so the console has them too). Progress is written to SQLite
before the feedback is returned, so a restart, even ``kill -9``, resumes at the same question.
Live group quizzes use native quiz polls: the engine returns a :class:`PollSpec`; the channel
sends it, tells the engine the poll id (:meth:`QuizFlow.poll_sent`) and, when the poll's time is
up, asks for the next step (:meth:`QuizFlow.group_next`).
"""

from __future__ import annotations

import logging
import string
import urllib.parse

from . import markup, payloads
from .knowledge import Quiz
from .messages import Choice, Incoming, PollSpec, Reply
from .payloads import Payload
from .store import Attempt, SessionInfo
from .toolkit import Toolkit

logger = logging.getLogger(__name__)
LETTERS = string.ascii_uppercase
BUTTON_CHARS = 30  # longer options are cut off on a phone's button


class QuizFlow:
    def __init__(self, tools: Toolkit) -> None:
        self.tools = tools
        self.kb = tools.kb
        self.store = tools.store

    def _t(self, key: str, lang: str, **values: object) -> str:
        return self.tools.text(key, lang, **values)

    # -- links --------------------------------------------------------------------------------
    def link(self, quiz_id: str) -> str:
        return self.tools.deep_link(payloads.QUIZ_LINK + quiz_id)

    def group_link(self, quiz_id: str) -> str:
        """Add the bot to a group of the user's choice and start this quiz there as a game."""
        return f"https://t.me/{self.tools.bot_username()}?startgroup={payloads.QUIZ_LINK}{quiz_id}"

    @staticmethod
    def share_url(link: str, text: str) -> str:
        query = urllib.parse.urlencode({"url": link, "text": text})
        return f"https://t.me/share/url?{query}"

    # -- listing and starting -------------------------------------------------------------------
    def list_quizzes(self, lang: str) -> list[Reply]:
        choices = tuple(
            Choice(q.title[lang], payloads.make(payloads.QUIZ_START, q.id)) for q in self.kb.quizzes.values()
        )
        if not choices:
            return [Reply(self._t("quiz_no_quiz", lang), lang)]
        return [Reply(self._t("quiz_list_intro", lang), lang, choices)]

    def on_command(self, incoming: Incoming, arg: str, lang: str) -> list[Reply]:
        quiz_id = arg.strip().lower()
        if incoming.in_group:
            return self.start_group(incoming, quiz_id, lang)
        if quiz_id:
            if quiz_id in self.kb.quizzes:
                return self.start(incoming, quiz_id, lang)
            return [Reply(self._t("quiz_not_found", lang), lang), *self.list_quizzes(lang)]
        attempt = self.store.active_attempt(incoming.user_id)
        if attempt is not None and attempt.quiz_id in self.kb.quizzes:
            quiz = self.kb.quizzes[attempt.quiz_id]
            if self._healed(attempt, quiz):
                return [self.result(attempt.id, quiz, lang)]
            return self._resume(attempt, lang)
        return self.list_quizzes(lang)

    def start(
        self, incoming: Incoming, quiz_id: str, lang: str, session_code: str | None = None
    ) -> list[Reply]:
        quiz = self.kb.quizzes[quiz_id]
        attempt = self.store.start_attempt(incoming.user_id, quiz_id, lang, session_code)
        self.store.count(f"quiz_started.{quiz_id}")
        return [self.question(attempt, quiz, lang)]

    def _resume(self, attempt: Attempt, lang: str) -> list[Reply]:
        quiz = self.kb.quizzes[attempt.quiz_id]
        return [
            Reply(self._t("quiz_resume", lang, title=markup.escape(quiz.title[lang])), lang),
            self.question(attempt, quiz, lang),
        ]

    def in_progress_hint(self, incoming: Incoming, lang: str) -> list[Reply]:
        """A gentle 'continue your quiz' button when free text interrupts a quiz."""
        if incoming.in_group:
            return []
        attempt = self.store.active_attempt(incoming.user_id)
        if attempt is None or attempt.quiz_id not in self.kb.quizzes:
            return []
        quiz = self.kb.quizzes[attempt.quiz_id]
        if self._healed(attempt, quiz):
            return []
        choice = Choice(self._t("quiz_next_button", lang), payloads.make(payloads.QUIZ_NEXT, attempt.id))
        text = self._t("quiz_in_progress_hint", lang, title=markup.escape(quiz.title[lang]))
        return [Reply(text, lang, (choice,))]

    def _healed(self, attempt: Attempt, quiz: Quiz) -> bool:
        """True when ``attempt`` has every question answered but was never finished (a crash
        between two writes of an earlier version, or a quiz shortened since): it is finished
        now, so it counts in results and nobody is stuck on a question that does not exist."""
        if attempt.finished_at is not None or attempt.position < len(quiz.questions):
            return False
        self.store.finish_complete_attempts(quiz.id, len(quiz.questions), attempt.session_code)
        self.store.finish_attempt(attempt.id)
        return True

    # -- one question -----------------------------------------------------------------------
    @staticmethod
    def lettered(options: tuple[str, ...]) -> bool:
        """Whether options are too long for a button and are written out as A-D instead."""
        return any(len(option) > BUTTON_CHARS for option in options)

    def _question_text(self, quiz: Quiz, index: int, lang: str) -> str:
        q = quiz.questions[index]
        text = self._t(
            "quiz_question",
            lang,
            title=markup.escape(quiz.title[lang]),
            n=index + 1,
            total=len(quiz.questions),
            question=markup.escape(q.question[lang]),
        )
        if self.lettered(q.options[lang]):
            lines = [f"{LETTERS[i]}. {markup.escape(option)}" for i, option in enumerate(q.options[lang])]
            text += "\n\n" + "\n".join(lines)
        return text

    def question(self, attempt: Attempt, quiz: Quiz, lang: str) -> Reply:
        """One question as one message: the options as buttons, or as letters when long."""
        index = attempt.position
        options = quiz.questions[index].options[lang]
        letters = self.lettered(options)
        choices = tuple(
            Choice(
                LETTERS[i] if letters else option, payloads.make(payloads.QUIZ_ANSWER, attempt.id, index, i)
            )
            for i, option in enumerate(options)
        )
        return Reply(self._question_text(quiz, index, lang), lang, choices)

    def on_payload(self, incoming: Incoming, p: Payload, lang: str) -> list[Reply]:
        if p.kind == payloads.QUIZ_LIST:
            return self.list_quizzes(lang)
        if p.kind == payloads.QUIZ_START:
            if p.args[0] not in self.kb.quizzes:
                return self.tools.stale(lang)
            if incoming.in_group:  # a group plays the live poll game, never a private quiz
                return self.start_group(incoming, p.args[0], lang)
            return self.start(incoming, p.args[0], lang)
        attempt = self.store.get_attempt(int(p.args[0]))
        if attempt is not None and attempt.user_id != incoming.user_id:
            # someone else's quiz: a short notice to the presser, nothing changes
            own = self.tools.own_language(incoming)  # the presser's language, not the group's
            return [Reply(self._t("quiz_not_yours", own), own, toast=True)]
        if attempt is None or attempt.quiz_id not in self.kb.quizzes:
            return self.tools.stale(lang)
        quiz = self.kb.quizzes[attempt.quiz_id]
        if self._healed(attempt, quiz):
            return [self.result(attempt.id, quiz, lang)]
        if p.kind == payloads.QUIZ_NEXT:
            if attempt.finished_at is not None or not attempt.active:
                return self.tools.stale(lang)
            # the pressed message keeps its text (the answered question) and loses its button
            return [Reply("", lang, edit=True), self.question(attempt, quiz, lang)]
        question, option = int(p.args[1]), int(p.args[2])
        if (
            attempt.finished_at is not None
            or not attempt.active
            or question != attempt.position
            or question >= len(quiz.questions)
            or option >= len(quiz.questions[question].options[lang])
        ):
            replies = self.tools.stale(lang)
            current = self.store.active_attempt(incoming.user_id)
            if current is not None and current.quiz_id in self.kb.quizzes:
                current_quiz = self.kb.quizzes[current.quiz_id]
                if self._healed(current, current_quiz):
                    replies.append(self.result(current.id, current_quiz, lang))
                else:
                    replies.append(self.question(current, current_quiz, lang))
            return replies
        return self._answer(attempt, quiz, question, option, lang)

    def _answer(self, attempt: Attempt, quiz: Quiz, index: int, option: int, lang: str) -> list[Reply]:
        """The question's message, edited: the chosen option marked, right or wrong, why, Next."""
        q = quiz.questions[index]
        correct = option == q.answer
        last = index + 1 >= len(quiz.questions)
        # One transaction: the last answer and the end of the attempt are saved together.
        if not self.store.record_answer(attempt.id, index, option, correct, finish=last):
            return self.tools.stale(lang)
        right = markup.escape(f"{LETTERS[q.answer]}. {q.options[lang][q.answer]}")
        chosen = self._t(
            "quiz_your_answer_right" if correct else "quiz_your_answer_wrong",
            lang,
            answer=markup.escape(f"{LETTERS[option]}. {q.options[lang][option]}"),
        )
        key = "quiz_correct" if correct else "quiz_wrong"
        feedback = self._t(key, lang, answer=right, explanation=markup.escape(q.explanation[lang]))
        text = "\n\n".join([self._question_text(quiz, index, lang), chosen, feedback])
        if not last:
            next_choice = Choice(
                self._t("quiz_next_button", lang), payloads.make(payloads.QUIZ_NEXT, attempt.id)
            )
            return [Reply(text, lang, (next_choice,), edit=True)]
        score = sum(1 for _, _, ok in self.store.attempt_answers(attempt.id) if ok)
        self.store.count(f"quiz_finished.{quiz.id}", 100.0 * score / len(quiz.questions))
        return [Reply(text, lang, edit=True), self.result(attempt.id, quiz, lang)]

    def result(self, attempt_id: int, quiz: Quiz, lang: str) -> Reply:
        answers = self.store.attempt_answers(attempt_id)
        score = sum(1 for _, _, ok in answers if ok)
        total = len(quiz.questions)
        passed = total > 0 and score / total >= quiz.pass_mark
        lines = [
            self._t("quiz_result", lang, title=markup.escape(quiz.title[lang]), score=score, total=total),
            self._t("quiz_passed" if passed else "quiz_failed", lang, mark=round(quiz.pass_mark * 100)),
        ]
        missed = [i for i, _, ok in answers if not ok]
        if missed:
            lines.append(self._t("quiz_missed_header", lang))
            for i in missed:
                q = quiz.questions[i]
                lines.append(
                    self._t(
                        "quiz_missed_item",
                        lang,
                        n=i + 1,
                        question=markup.escape(q.question[lang]),
                        answer=markup.escape(q.options[lang][q.answer]),
                    )
                )
        else:
            lines.append(self._t("quiz_all_right", lang))
        link = self.link(quiz.id)
        lines.append(self._t("quiz_share", lang, link=markup.escape(link)))
        # A retake of a trainer's session stays in that session (shown to the trainer as a retake).
        attempt = self.store.get_attempt(attempt_id)
        code = attempt.session_code if attempt is not None else None
        info = self.store.get_session(code) if code else None
        if info is not None and attempt is not None:
            lines.append(self._session_notice(info, attempt, lang))
        if info is not None and info.closed_at is None:
            retry = payloads.make(payloads.SESSION_JOIN, info.code)
        else:
            retry = payloads.make(payloads.QUIZ_START, quiz.id)
        choices = (
            Choice(self._t("quiz_retry_button", lang), retry),
            Choice(self._t("quiz_other_button", lang), payloads.make(payloads.QUIZ_LIST)),
            Choice(self._t("quiz_share_button", lang), url=self.share_url(link, quiz.title[lang])),
            Choice(self._t("quiz_group_button", lang), url=self.group_link(quiz.id)),
        )
        return Reply("\n\n".join(lines), lang, choices)

    def _session_notice(self, info: SessionInfo, attempt: Attempt, lang: str) -> str:
        """Tell a trainee whether this result reached the trainer or counts as a retake."""
        counted = [
            a
            for a in self.store.session_attempts(info.code)
            if a.user_id == attempt.user_id
            and a.finished_at is not None
            and (info.closed_at is None or a.started_at < info.closed_at)
        ]
        first = min(counted, key=lambda a: a.finished_at or 0.0) if counted else None
        key = (
            "session_result_shared"
            if first is not None and first.id == attempt.id
            else "session_result_retake"
        )
        return self._t(key, lang, title=markup.escape(info.title))

    # -- live group quizzes ---------------------------------------------------------------------
    def start_group(self, incoming: Incoming, quiz_id: str, lang: str) -> list[Reply]:
        if not quiz_id:
            return self.list_quizzes(lang)  # tap a quiz: in a group it starts the live game
        if quiz_id not in self.kb.quizzes:
            return [Reply(self._t("quiz_not_found", lang), lang), *self.list_quizzes(lang)]
        if not self.store.start_group_game(incoming.chat, quiz_id, lang, incoming.user_id):
            return [Reply(self._t("group_quiz_already", lang), lang)]
        quiz = self.kb.quizzes[quiz_id]
        intro = self._t(
            "group_quiz_started",
            lang,
            title=markup.escape(quiz.title[lang]),
            total=len(quiz.questions),
            seconds=self.tools.group_quiz_seconds,
        )
        return [Reply(intro, lang), self._poll(quiz, 0, lang)]

    def _poll(self, quiz: Quiz, index: int, lang: str) -> Reply:
        q = quiz.questions[index]
        prefix = f"{index + 1}/{len(quiz.questions)} "
        text = q.question[lang]
        question = prefix + text if len(prefix + text) <= 300 else text
        spec = PollSpec(
            question=question,
            options=q.options[lang],
            correct=q.answer,
            explanation=q.explanation[lang],
            open_period=min(600, max(5, self.tools.group_quiz_seconds)),  # Bot API range
            position=index,
        )
        return Reply(markup.escape(question), lang, poll=spec)

    def poll_sent(self, chat_id: str, position: int, poll_id: str, thread_id: int | None = None) -> None:
        """The channel sent the poll for ``position`` (into forum topic ``thread_id``); remember
        its id to score votes, and the topic so a restarted channel goes on there."""
        game = self.store.group_game(chat_id)
        if game is not None:
            self.store.set_group_poll(chat_id, position, poll_id, thread_id)

    def group_vote(self, incoming: Incoming) -> list[Reply]:
        vote = incoming.poll_answer
        if vote is None:
            return []
        game = self.store.group_game_by_poll(vote.poll_id)
        if game is None or game.quiz_id not in self.kb.quizzes or not vote.option_ids:
            return []  # a retracted vote, or a poll of a finished game: nothing to score
        quiz = self.kb.quizzes[game.quiz_id]
        if game.position >= len(quiz.questions):
            return []
        correct = tuple(vote.option_ids) == (quiz.questions[game.position].answer,)
        name = incoming.first_name or (f"@{incoming.username}" if incoming.username else "?")
        self.store.record_group_vote(game.chat_id, vote.poll_id, incoming.user_id, name, correct)
        return []

    def group_next(self, chat_id: str, position: int) -> list[Reply]:
        """Time is up for question ``position``: the next poll, or the leaderboard at the end."""
        game = self.store.group_game(chat_id)
        if game is None or game.position != position or game.quiz_id not in self.kb.quizzes:
            return []
        quiz = self.kb.quizzes[game.quiz_id]
        if position + 1 < len(quiz.questions):
            return [self._poll(quiz, position + 1, game.lang)]
        return [self._finish_group(chat_id, quiz, game.lang, stopped=False)]

    def _finish_group(self, chat_id: str, quiz: Quiz, lang: str, *, stopped: bool) -> Reply:
        board = self.store.group_leaderboard(chat_id)
        total = len(quiz.questions)
        lines = []
        if stopped:
            lines.append(self._t("group_quiz_stopped", lang))
        lines.append(self._t("group_quiz_leaderboard", lang, title=markup.escape(quiz.title[lang])))
        if board:
            for rank, (name, correct, _answered) in enumerate(board, start=1):
                lines.append(
                    self._t(
                        "group_quiz_leader_row",
                        lang,
                        rank=rank,
                        name=markup.escape(name),
                        correct=correct,
                        total=total,
                    )
                )
        else:
            lines.append(self._t("group_quiz_no_answers", lang))
        self.store.end_group_game(chat_id)
        return Reply("\n".join(lines), lang)

    def stop_group(self, incoming: Incoming, lang: str) -> list[Reply]:
        if not incoming.in_group:
            return [Reply(self._t("group_only_in_group", lang), lang)]
        game = self.store.group_game(incoming.chat)
        if game is None or game.quiz_id not in self.kb.quizzes:
            if game is not None:
                self.store.end_group_game(incoming.chat)
            return [Reply(self._t("group_quiz_none", lang), lang)]
        if game.started_by != incoming.user_id and not incoming.is_admin:
            return [Reply(self._t("group_quiz_stop_not_allowed", lang), lang)]
        return [self._finish_group(incoming.chat, self.kb.quizzes[game.quiz_id], game.lang, stopped=True)]

    def chat_gone(self, chat_id: str) -> None:
        """The bot was removed from (or blocked in) a chat: its game ends, no more polls."""
        if self.store.group_game(chat_id) is not None:
            self.store.end_group_game(chat_id)

    def active_group_games(self) -> list[tuple[str, int, int | None]]:
        """(chat_id, position, thread_id) of games in progress, so a restarted channel can
        resume them in their forum topic."""
        return self.store.group_games_in_progress()
