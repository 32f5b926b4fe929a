"""Quizzes and trainer sessions through the engine and the console (no Telegram)."""

from __future__ import annotations

import csv
import io

import pytest

from cyberhygiene import payloads
from cyberhygiene.channels.console import ConsoleChat
from cyberhygiene.config import Settings
from cyberhygiene.engine import Engine
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.messages import Choice, Incoming, Reply
from cyberhygiene.store import Store, open_store


def choice(replies: list[Reply], kind: str) -> list[Choice]:
    return [
        c
        for r in replies
        for c in r.choices
        if c.payload.startswith(f"1:{kind}:") or c.payload == f"1:{kind}"
    ]


def press(engine: Engine, user: str, payload: str, **kw: str) -> list[Reply]:
    return engine.handle(Incoming(user, payload=payload, **kw))


def play(engine: Engine, user: str, first: list[Reply], picks: list[int], **kw: str) -> list[Reply]:
    """Answer each question with the option index from ``picks``; return the last replies."""
    replies = first
    for i, pick in enumerate(picks):
        options = choice(replies, payloads.QUIZ_ANSWER)
        assert options, f"question {i + 1} shows no options: {[r.text for r in replies]}"
        replies = press(engine, user, options[pick].payload, **kw)
        nxt = choice(replies, payloads.QUIZ_NEXT)
        if i + 1 < len(picks):
            assert nxt, "after an answer comes a Next button"
            replies = press(engine, user, nxt[0].payload, **kw)
    return replies


def correct_picks(kb: KnowledgeBase, quiz_id: str) -> list[int]:
    return [q.answer for q in kb.quizzes[quiz_id].questions]


def wrong_picks(kb: KnowledgeBase, quiz_id: str) -> list[int]:
    return [(q.answer + 1) % len(q.options["en"]) for q in kb.quizzes[quiz_id].questions]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_whole_quiz_in_each_language(engine: Engine, kb: KnowledgeBase, lang: str) -> None:
    engine.store.set_lang("u1", lang, pinned=True)
    listing = engine.handle(Incoming("u1", text="/quiz"))
    starts = choice(listing, payloads.QUIZ_START)
    assert len(starts) == len(kb.quizzes)
    quiz = kb.quizzes["basics"]
    first = press(engine, "u1", payloads.make(payloads.QUIZ_START, "basics"))
    assert quiz.questions[0].question[lang] in first[0].plain()
    picks = correct_picks(kb, "basics")
    picks[1] = wrong_picks(kb, "basics")[1]  # one wrong answer
    last = play(engine, "u1", first, picks)
    result = last[-1].plain()
    total = len(quiz.questions)
    assert f"{total - 1}/{total}" in result
    assert quiz.questions[1].question[lang] in result, "missed questions are listed"
    assert quiz.questions[1].options[lang][quiz.questions[1].answer] in result, "with the right answer"
    passed = (total - 1) / total >= quiz.pass_mark
    assert (kb.ui["quiz_passed"][lang].split("{")[0] in result) == passed
    kinds = {c.payload.split(":")[1] for c in last[-1].choices if c.payload}
    assert {payloads.QUIZ_START, payloads.QUIZ_LIST} <= kinds
    share = [c for c in last[-1].choices if c.url]
    assert share and "start%3Dquiz_basics" in share[0].url


def test_right_and_wrong_feedback(engine: Engine, kb: KnowledgeBase) -> None:
    q = kb.quizzes["passwords_mfa"].questions[0]
    first = press(engine, "u2", payloads.make(payloads.QUIZ_START, "passwords_mfa"))
    options = choice(first, payloads.QUIZ_ANSWER)
    wrong = press(engine, "u2", options[(q.answer + 1) % len(options)].payload)
    assert "Not quite" in wrong[0].plain() and q.options["en"][q.answer] in wrong[0].plain()
    assert q.explanation["en"] in wrong[0].plain()
    # answering the same question again is stale, and does not change the score
    again = press(engine, "u2", options[q.answer].payload)
    assert "no longer valid" in again[0].plain()
    attempt = engine.store.active_attempt("u2")
    assert attempt is not None and attempt.position == 1
    assert engine.store.attempt_answers(attempt.id) == [(0, (q.answer + 1) % len(options), False)]


def test_resume_after_restart(kb: KnowledgeBase, db_path: str) -> None:
    store = open_store(db_path)
    engine = Engine(kb, store, Settings())
    first = press(engine, "u3", payloads.make(payloads.QUIZ_START, "your_phone"))
    q0 = kb.quizzes["your_phone"].questions[0]
    press(engine, "u3", choice(first, payloads.QUIZ_ANSWER)[q0.answer].payload)
    store.close()  # the process goes away

    store2 = open_store(db_path)
    engine2 = Engine(kb, store2, Settings())
    resumed = engine2.handle(Incoming("u3", text="/quiz"))
    assert kb.quizzes["your_phone"].questions[1].question["en"] in resumed[-1].plain()
    # a free-text question in the middle of a quiz is answered, with a way back to the quiz
    mid = engine2.handle(Incoming("u3", text="what is phishing"))
    assert choice(mid, payloads.QUIZ_NEXT)
    store2.close()


def test_forged_quiz_choices(engine: Engine, kb: KnowledgeBase) -> None:
    first = press(engine, "owner", payloads.make(payloads.QUIZ_START, "basics"))
    option = choice(first, payloads.QUIZ_ANSWER)[0].payload
    # another user presses the owner's button: a toast for them only, the attempt untouched
    stolen = press(engine, "intruder", option)
    assert len(stolen) == 1 and stolen[0].toast and stolen[0].text == kb.ui["quiz_not_yours"]["en"]
    attempt = engine.store.active_attempt("owner")
    assert attempt is not None and attempt.position == 0
    _, _, attempt_id, _, _ = option.split(":")
    for forged in (
        f"1:qa:{attempt_id}:5:0",  # not the current question
        f"1:qa:{attempt_id}:0:9",  # no such option
        "1:qa:424242:0:0",  # no such attempt
        f"1:qn:{int(attempt_id) + 99}",
        "1:qs:no_such_quiz",
    ):
        replies = press(engine, "owner", forged)
        assert replies and "no longer valid" in replies[0].plain(), forged
    assert engine.store.get_attempt(int(attempt_id)).position == 0  # type: ignore[union-attr]


def test_console_quiz_by_numbers(kb: KnowledgeBase, store: Store) -> None:
    engine = Engine(kb, store, Settings())
    quiz = kb.quizzes["basics"]
    lines = ["/quiz basics"]
    for i, q in enumerate(quiz.questions):
        lines.append(str(q.answer + 1))
        if i + 1 < len(quiz.questions):
            lines.append("1")  # the Next button
    out = io.StringIO()
    ConsoleChat(engine, io.StringIO("\n".join(lines) + "\n"), out, lang="es").run()
    text = out.getvalue()
    assert quiz.questions[0].question["es"] in text
    assert f"{len(quiz.questions)}/{len(quiz.questions)} correctas" in text


def _session(engine: Engine, trainer: str, title: str = "Clase 3B") -> str:
    replies = engine.handle(Incoming(trainer, text=f"/newsession phishing_links {title}"))
    assert replies[1].attachment is not None and replies[1].attachment.data.startswith(b"\x89PNG")
    ((info, _, _),) = engine.store.sessions_of(trainer)
    assert info.code in replies[0].plain() and f"start=s_{info.code}" in replies[0].plain()
    return info.code


def _join(engine: Engine, user: str, code: str, name: str) -> list[Reply]:
    intro = engine.handle(Incoming(user, text=f"/start s_{code}", first_name=name, username=name.lower()))
    assert "shared with the trainer" in intro[0].plain()
    start = choice(intro, payloads.SESSION_JOIN)[0].payload
    return engine.handle(Incoming(user, payload=start, first_name=name, username=name.lower()))


def test_trainer_session_figures_and_export(engine: Engine, kb: KnowledgeBase) -> None:
    code = _session(engine, "trainer")
    quiz = kb.quizzes["phishing_links"]
    n = len(quiz.questions)
    right, wrong = correct_picks(kb, quiz.id), wrong_picks(kb, quiz.id)
    play(engine, "t1", _join(engine, "t1", code, "Ana"), right)  # n/n
    play(engine, "t2", _join(engine, "t2", code, "Luis"), [wrong[0], *right[1:]])  # n-1/n
    play(engine, "t3", _join(engine, "t3", code, "Zoe"), right[:2])  # abandons after 2
    # Ana retakes with the result's "Try again" button and does worse: a retake, not counted
    finished = engine.store.session_attempts(code)[0]
    result = engine.quiz.result(finished.id, quiz, "en")
    retry = [c for c in result.choices if c.payload.startswith("1:sj:")]
    assert retry, "a session attempt's retry stays in the session"
    retake = press(engine, "t1", retry[0].payload, first_name="Ana", username="ana")
    assert engine.store.active_attempt("t1").session_code == code  # type: ignore[union-attr]
    play(engine, "t1", retake, wrong)

    results = engine.handle(Incoming("trainer", text=f"/results {code}"))
    text = results[0].plain()
    assert "Participants: 3" in text and "Completed: 2" in text
    assert "Retakes (not counted): 1" in text
    expected_avg = round((n + n - 1) / (2 * n) * 100)
    assert f"Average score: {expected_avg}%" in text
    pass_rate = round(sum(s / n >= quiz.pass_mark for s in (n, n - 1)) / 2 * 100)
    assert f"Pass rate: {pass_rate}%" in text
    lines = [line for line in text.splitlines() if line.startswith("Q") and " · " in line]
    assert lines[0].startswith("Q1 · 50% right"), "hardest question first"
    q1 = quiz.questions[0]
    right_option = q1.options["en"][q1.answer]
    wrong_option = q1.options["en"][wrong[0]]
    assert f"✅ {'ABCD'[q1.answer]}. {right_option}: 50% (1)" in text, "the right option, marked"
    assert f"▫️ {'ABCD'[wrong[0]]}. {wrong_option}: 50% (1)" in text, "the popular wrong option"
    assert results[1].attachment is not None and results[1].attachment.data.startswith(b"\x89PNG")

    export = engine.handle(Incoming("trainer", text=f"/export {code}"))
    names = [r.attachment.filename for r in export if r.attachment is not None]
    assert names == [f"session-{code}.xlsx", f"session-{code}.csv"]
    att = export[1].attachment
    assert att is not None
    rows = list(csv.DictReader(io.StringIO(att.data.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["Ana", "Luis", "Zoe"]
    by_name = {r["name"]: r for r in rows}
    assert (by_name["Ana"]["correct"], by_name["Ana"]["questions"], by_name["Ana"]["percent"]) == (
        str(n),
        str(n),
        "100.0",
    )
    assert by_name["Luis"]["correct"] == str(n - 1)
    assert by_name["Zoe"]["correct"] == "" and by_name["Zoe"]["finished (UTC)"] == ""
    assert by_name["Ana"]["started (UTC)"].endswith(" UTC")
    q1_col = next(k for k in rows[0] if k.startswith("Q1. "))
    q3_col = next(k for k in rows[0] if k.startswith("Q3. "))
    assert by_name["Zoe"][q1_col] == right_option and by_name["Zoe"][q3_col] == ""
    assert by_name["Luis"][q1_col] == wrong_option and by_name["Luis"]["username"] == "luis"
    assert by_name["Ana"]["retakes (not counted)"] == "1" and by_name["Luis"]["retakes (not counted)"] == "0"
    assert not any("/" in v for r in rows for k, v in r.items() if k in {"correct", "questions", "percent"})


def test_non_creator_sees_nothing_and_close(engine: Engine) -> None:
    code = _session(engine, "trainer")
    unknown = engine.handle(Incoming("other", text="/results nosuchcode"))[0].plain()
    for command in ("results", "export", "close"):
        assert engine.handle(Incoming("other", text=f"/{command} {code}"))[0].plain() == unknown
    closed = engine.handle(Incoming("trainer", text=f"/close {code}"))
    assert "closed" in closed[0].plain()
    late = engine.handle(Incoming("late", text=f"/start s_{code}"))
    assert "has closed" in late[0].plain()
    assert not choice(late, payloads.SESSION_JOIN)
    # group chats never get trainer data
    group = engine.handle(Incoming("trainer", text=f"/results {code}", chat_id="-5", chat_type="group"))
    assert "private chat" in group[0].plain()


def test_names_and_titles_are_escaped(engine: Engine) -> None:
    nasty = "<b>x</b> **y** [z](https://e.com)"
    code = _session(engine, "trainer", title=nasty)
    replies = _join(engine, "t9", code, nasty)
    assert replies
    listing = engine.handle(Incoming("trainer", text="/sessions"))[0]
    assert nasty in listing.plain() and "<b>x</b>" not in listing.html() and "&lt;b&gt;x" in listing.html()


def test_group_quiz_polls_and_leaderboard(engine: Engine, kb: KnowledgeBase) -> None:
    group = {"chat_id": "-77", "chat_type": "group"}
    listing = engine.handle(Incoming("host", text="/quiz", **group))
    starts = choice(listing, payloads.QUIZ_START)
    assert payloads.make(payloads.QUIZ_START, "basics") in [c.payload for c in starts]
    started = engine.handle(Incoming("host", text="/quiz basics", **group))
    poll = started[-1].poll
    assert (
        poll is not None and poll.position == 0 and poll.correct == kb.quizzes["basics"].questions[0].answer
    )
    assert "already" in engine.handle(Incoming("x", text="/quiz basics", **group))[0].plain()
    engine.quiz.poll_sent("-77", 0, "poll-0")
    from cyberhygiene.messages import PollAnswer

    engine.handle(Incoming("a", first_name="Ana", poll_answer=PollAnswer("poll-0", (poll.correct,))))
    engine.handle(
        Incoming("b", first_name="<Beto>", poll_answer=PollAnswer("poll-0", ((poll.correct + 1) % 2,)))
    )
    engine.handle(Incoming("a", first_name="Ana", poll_answer=PollAnswer("poll-0", (poll.correct,))))  # twice
    nxt = engine.quiz.group_next("-77", 0)
    assert nxt[0].poll is not None and nxt[0].poll.position == 1
    engine.quiz.poll_sent("-77", 1, "poll-1")
    assert engine.quiz.group_next("-77", 0) == []  # a stale timer does nothing
    stopped = engine.handle(Incoming("host", text="/stopquiz", **group))
    board = stopped[0].plain()
    assert "1. Ana: 1/" in board and "2. <Beto>: 0/" in board
    assert "&lt;Beto&gt;" in stopped[0].html()
    assert "no quiz" in engine.handle(Incoming("host", text="/stopquiz", **group))[0].plain()


def test_adapted_quiz_ids(kb: KnowledgeBase) -> None:
    """ "basics-5b": basics with the questions whose bits are set (1, 2, 4, 5, 7); never listed."""
    quizzes = kb.quizzes
    base = quizzes["basics"]
    assert len(base.questions) == 7
    adapted = quizzes["basics-5b"]
    assert adapted.id == "basics-5b"
    assert adapted.questions == tuple(base.questions[i] for i in (0, 1, 3, 4, 6))
    assert adapted.title["es"] == f"{base.title['es']} (5 de 7 preguntas)"
    assert adapted.title["en"] == f"{base.title['en']} (5 of 7 questions)"
    assert adapted.pass_mark == base.pass_mark
    assert quizzes.get("basics-1") is not None and quizzes.get("basics-1").questions == base.questions[:1]  # type: ignore[union-attr]
    # not canonical, empty, every question (that is "basics"), too many bits, unknown quiz
    for bad in (
        "basics-05b",
        "basics-5B",
        "basics-0",
        "basics-7f",
        "basics-80",
        "basics-",
        "nope-1",
        "basics-zz",
    ):
        assert bad not in quizzes, bad
        assert quizzes.get(bad) is None
        with pytest.raises(KeyError):
            quizzes[bad]
    assert "basics-5b" not in list(quizzes) and all("-" not in q.id for q in quizzes.values())
