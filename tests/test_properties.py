"""Property-based tests (hypothesis) of the engine, payloads, markup and message chunking.

Whatever a user sends (text, button payloads, deep links, poll votes), the engine must never
raise, never go silent, and every reply must render as valid Telegram HTML within Telegram's
limits. User-provided strings (session titles, names) must show up literally, never as markup.

Hypothesis reuses function-scoped fixtures across examples, so every example works with fresh
user and chat ids (a process-wide counter) and never relies on a clean database.
"""

from __future__ import annotations

import html
import itertools
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from cyberhygiene import markup, payloads
from cyberhygiene.channels import telegram as tg
from cyberhygiene.config import Settings
from cyberhygiene.engine import Engine
from cyberhygiene.knowledge import KnowledgeBase, load_or_raise
from cyberhygiene.messages import Incoming, PollAnswer, Reply
from cyberhygiene.store import open_store
from tests.fakes.bot_api import html_error, parse_telegram_html, utf16_len

ROOT = Path(__file__).resolve().parent.parent
# Only used to build strategies (valid ids to mutate); the tests themselves use the `kb` fixture.
_KB = load_or_raise(ROOT / "intents", ROOT / "content")
INTENT_IDS = sorted(_KB.intents)
QUIZ_IDS = sorted(_KB.quizzes)
GROUP_IDS = sorted(g.id for g in _KB.topics)

TELEGRAM_LIMIT = 4096  # UTF-16 code units of a message's text after entities are parsed
CAPTION_LIMIT = 1024
LANGS = {"en", "es"}


def props(max_examples: int, **kw: object) -> settings:
    """Our settings: no deadline (SQLite, PNGs), fixtures shared by examples, no example database
    written into the project."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        **kw,  # type: ignore[arg-type]
    )


_ids = itertools.count(1_000_000)


def fresh_id() -> str:
    """A user id no earlier example used (fixtures outlive examples)."""
    return str(next(_ids))


@pytest.fixture
def mem_engine(kb: KnowledgeBase) -> Iterator[Engine]:
    """An engine on a fresh in-memory store (faster than the on-disk `engine` fixture)."""
    store = open_store(":memory:")
    yield Engine(kb, store, Settings(flood_messages=10_000, flood_presses=10_000))
    store.close()


# -- strategies ---------------------------------------------------------------------------------

NASTY_CHARS = [
    "<", ">", "&", "*", "_", "`", "[", "]", "(", ")", "\\", "/", "-", "#", "!", "|", "~", "{", "}",
    '"', "'", ":", "@", " ", "  ", "\n", "\r", "\r\n", "\t", "\x00", "\x07", "\x1b", "\x0b", "\x0c",
    "\x1c", "\x85", "\xa0", "\u2028", "\u2029", "\u200b", "\u200c", "\u200d", "\ufeff", "\u202e",
    "\u200f", "\u2066", "ש", "לום", "ع", "مرحبا", "😀", "👩‍👩‍👧", "🏽", "🇲🇽", "é", "ñ", "¿", "¡",
    "ß", "İ", "ﬁ", "Ω", "a", "Z", "0", "9",
]  # fmt: skip
NASTY_TOKENS = [
    "**", "__", "``", "&amp;", "&lt;", "&#0;", "&#x110000;", "<b>", "</b>", "<a href='x'>", "</a>",
    "<script>", "[x](https://e.com)", "[x](javascript:alert(1))", "](", "https://", "> ", "- ",
    "{title}", "{0}", "%s", "hola", "password", "contraseña", "phishing", "wifi", "quiz",
    "english", "español", "s_", "quiz_", "topic_", "1:qa:", "1:a:", ":",
]  # fmt: skip

nasty_text = st.lists(st.sampled_from(NASTY_CHARS + NASTY_TOKENS), max_size=60).map("".join)
long_word = st.text(alphabet="a", min_size=100, max_size=4096)
long_words = st.builds(
    lambda word, n, sep: sep.join([word] * n),
    st.sampled_from(["a" * 50, "😀" * 30, "\\" * 40, "*_`" * 10, "contraseña", "&<>"]),
    st.integers(1, 120),
    st.sampled_from(["", " ", "\n"]),
)
known_args = st.one_of(
    st.sampled_from(QUIZ_IDS),
    st.sampled_from(["topic_" + i for i in INTENT_IDS]),
    st.sampled_from(["quiz_" + q for q in QUIZ_IDS]),
    st.sampled_from(GROUP_IDS),
    st.just("s_AAAAAAAAAAAA"),
)
arg_text = st.one_of(
    nasty_text,
    st.text(max_size=200),
    known_args,
    st.builds(lambda p, s: p + s, st.sampled_from(["topic_", "quiz_", "s_", ""]), st.text(max_size=40)),
)
COMMANDS = [
    "/start", "/help", "/topics", "/menu", "/temas", "/language", "/idioma", "/lang", "/privacy",
    "/privacidad", "/forget", "/olvidar", "/borrar", "/cancel", "/cancelar", "/quiz", "/examen",
    "/stopquiz", "/newsession", "/sessions", "/results", "/export", "/close", "/unknown", "/",
    "/START", "/Quiz", "//", "/ñ", "/😀",
]  # fmt: skip
command_text = st.builds(
    lambda cmd, sep, arg: cmd + sep + arg,
    st.sampled_from(COMMANDS),
    st.sampled_from(["", " ", "  ", "\n", "@cyberhygienebot ", "@other_bot "]),
    arg_text,
)
any_text = st.one_of(
    st.text(max_size=4096),
    st.text(max_size=200),
    nasty_text,
    long_word,
    long_words,
    command_text,
    st.builds(lambda s: "/" + s, st.text(max_size=100)),
    st.sampled_from(["/start", "/quiz basics", "english", "español", "hola", "quiz", "", "   "]),
    st.none(),
)
chat_types = st.sampled_from(["private", "private", "group", "supergroup", "channel"])
language_codes = st.one_of(
    st.none(), st.sampled_from(["en", "es", "es-MX", "EN", "fr", "", "e"]), st.text(max_size=6)
)
names = st.one_of(st.just(""), nasty_text, st.text(max_size=80))


# -- checks -------------------------------------------------------------------------------------


def check_markup_renders(src: str, limit: int) -> None:
    """``src`` renders to HTML that Telegram accepts, within ``limit`` UTF-16 units."""
    rendered = markup.to_html(src)
    assert html_error(rendered) is None, (src, rendered)
    assert utf16_len(parse_telegram_html(rendered).text) <= limit, src


def check_reply(reply: Reply) -> None:
    assert reply.lang in LANGS, reply
    rendered = reply.html()
    assert html_error(rendered) is None, (reply.text, rendered)
    for piece in tg.chunks(reply.text):
        check_markup_renders(piece, TELEGRAM_LIMIT)
    for choice in reply.choices:
        assert choice.label.strip(), reply
        if choice.url:
            assert choice.url.startswith("https://"), choice
            assert not choice.payload, choice
        elif choice.share:  # an inline query typed for the user: Telegram takes up to 256 characters
            assert not choice.payload and len(choice.share) <= 256 and choice.share.strip(), choice
        else:
            assert payloads.parse(choice.payload) is not None, choice
            assert 1 <= len(choice.payload.encode("utf-8")) <= payloads.MAX_BYTES, choice
    tg.keyboard(reply.choices)  # builds the PTB markup without complaint
    if reply.attachment is not None:
        assert reply.attachment.data
        check_markup_renders(reply.attachment.caption, CAPTION_LIMIT)
    if reply.poll is not None:
        poll = reply.poll
        assert 1 <= len(poll.question) <= 300, poll
        assert 2 <= len(poll.options) <= 10 and all(1 <= len(o) <= 100 for o in poll.options), poll
        assert 0 <= poll.correct < len(poll.options), poll
    if not reply.text:
        # an empty text is a file, a poll, or an edit that only replaces the pressed buttons
        assert reply.attachment is not None or reply.poll is not None or reply.edit, reply
        if reply.edit:
            assert reply.attachment is None and reply.poll is None, reply


def check_replies(replies: list[Reply]) -> None:
    assert replies, "the engine went silent"
    for reply in replies:
        check_reply(reply)


def incoming(uid: str, chat_type: str = "private", **kw: object) -> Incoming:
    chat_id = uid if chat_type == "private" else f"-100{uid}"
    return Incoming(user_id=uid, chat_id=chat_id, chat_type=chat_type, **kw)  # type: ignore[arg-type]


def press(engine: Engine, uid: str, payload: str, **kw: object) -> list[Reply]:
    return engine.handle(Incoming(user_id=uid, payload=payload, **kw))  # type: ignore[arg-type]


def choice_of(replies: list[Reply], kind: str) -> str | None:
    """The first payload of ``kind`` offered by ``replies``."""
    for reply in replies:
        for choice in reply.choices:
            parsed = payloads.parse(choice.payload) if choice.payload else None
            if parsed is not None and parsed.kind == kind:
                return choice.payload
    return None


# -- 1. arbitrary text ----------------------------------------------------------------------------


@props(300)
@given(
    texts=st.lists(any_text, min_size=1, max_size=3),
    chat_type=chat_types,
    language_code=language_codes,
    first_name=names,
)
def test_handle_never_raises_for_any_text(
    mem_engine: Engine, texts: list[str | None], chat_type: str, language_code: str | None, first_name: str
) -> None:
    uid = fresh_id()
    for text in texts:
        msg = incoming(uid, chat_type, text=text, language_code=language_code, first_name=first_name)
        check_replies(mem_engine.handle(msg))


# -- 2. arbitrary and forged payloads ---------------------------------------------------------------


def payload_strategy(attempt_ids: list[int]) -> st.SearchStrategy[str]:
    num = st.one_of(st.sampled_from(attempt_ids), st.integers(0, 10**10), st.integers(-5, 5))
    small = st.integers(-1, 120)
    valid = st.sampled_from(
        [payloads.make(payloads.ANSWER, i) for i in INTENT_IDS]
        + [payloads.make(payloads.QUIZ_START, q) for q in QUIZ_IDS]
        + [payloads.make(payloads.GROUP, g) for g in GROUP_IDS]
        + ["1:m", "1:ql", "1:l:en", "1:l:es", "1:f:n", "1:sj:AAAAAAAAAAAA"]
    )
    return st.one_of(
        st.text(max_size=100),
        st.binary(max_size=80).map(lambda b: b.decode("utf-8", "replace")),
        st.binary(max_size=80).map(lambda b: b.decode("utf-8", "surrogateescape")),
        nasty_text,
        valid,
        st.builds(lambda a, q, o: f"1:qa:{a}:{q}:{o}", num, small, small),
        st.builds(lambda a: f"1:qn:{a}", num),
        st.builds(lambda s: f"1:a:{s}", st.text(max_size=50)),
        st.builds(lambda s: f"1:g:{s}", st.text(max_size=50)),
        st.builds(
            lambda s: f"1:qs:{s}", st.one_of(st.text(max_size=50), st.sampled_from(QUIZ_IDS).map(str.upper))
        ),
        st.builds(
            lambda s: f"1:sj:{s}",
            st.one_of(st.text(max_size=30), st.from_regex(r"[A-Za-z0-9]{6,20}", fullmatch=True)),
        ),
        st.builds(lambda s: f"1:l:{s}", st.text(max_size=4)),
        st.builds(lambda s: f"1:f:{s}", st.text(max_size=4)),
        st.sampled_from(
            ["2:m", "0:m", "1:m:", "1:m:x", "1", "1:", ":", "", "1:ql:", "1:a:" + "a" * 41, "1:a:" + "a" * 70]
        ),
        # mutations of valid payloads: truncated, extended, version bumped
        st.builds(lambda p, n: p[:n], valid, st.integers(0, 20)),
        st.builds(lambda p, s: p + s, valid, st.text(max_size=10)),
        st.builds(lambda p: "2" + p[1:], valid),
    )


def attempt_state(engine: Engine, attempt_id: int) -> tuple[object, ...]:
    a = engine.store.get_attempt(attempt_id)
    assert a is not None
    return (a.position, a.finished_at, a.active, tuple(engine.store.attempt_answers(attempt_id)))


def start_victim_quiz(engine: Engine, quiz_id: str, answered: int) -> tuple[str, int]:
    """Another user with a quiz in progress (``answered`` questions answered)."""
    victim = fresh_id()
    replies = engine.handle(Incoming(user_id=victim, text=f"/quiz {quiz_id}"))
    for _ in range(answered):
        answer = choice_of(replies, payloads.QUIZ_ANSWER)
        assert answer is not None
        replies = press(engine, victim, answer)
        next_ = choice_of(replies, payloads.QUIZ_NEXT)
        assert next_ is not None
        replies = press(engine, victim, next_)
    attempt = engine.store.active_attempt(victim)
    assert attempt is not None and attempt.position == answered
    return victim, attempt.id


@props(250)
@given(data=st.data(), quiz_id=st.sampled_from(QUIZ_IDS), answered=st.integers(0, 3), own_quiz=st.booleans())
def test_arbitrary_payloads_never_raise(
    mem_engine: Engine, data: st.DataObject, quiz_id: str, answered: int, own_quiz: bool
) -> None:
    engine = mem_engine
    _, victim_attempt = start_victim_quiz(engine, quiz_id, answered)
    before = attempt_state(engine, victim_attempt)
    user = fresh_id()
    if own_quiz:
        engine.handle(Incoming(user_id=user, text=f"/quiz {quiz_id}"))
    for payload in data.draw(
        st.lists(payload_strategy([victim_attempt, victim_attempt + 1]), min_size=1, max_size=3)
    ):
        chat_type = data.draw(chat_types)
        check_replies(engine.handle(incoming(user, chat_type, payload=payload)))
    assert attempt_state(engine, victim_attempt) == before


@props(200)
@given(
    quiz_id=st.sampled_from(QUIZ_IDS),
    answered=st.integers(0, 4),
    own_quiz=st.booleans(),
    question=st.one_of(st.just(-1), st.integers(0, 99)),  # -1: the victim's current question
    option=st.integers(0, 9),
    language_code=language_codes,
    forge_next=st.booleans(),
)
def test_forged_quiz_answers_are_stale_and_change_nothing(
    engine: Engine,
    quiz_id: str,
    answered: int,
    own_quiz: bool,
    question: int,
    option: int,
    language_code: str | None,
    forge_next: bool,
) -> None:
    _, attempt_id = start_victim_quiz(engine, quiz_id, answered)
    before = attempt_state(engine, attempt_id)
    attacker = fresh_id()
    if own_quiz:
        engine.handle(Incoming(user_id=attacker, text=f"/quiz {quiz_id}"))
    q = answered if question == -1 else question
    forged = f"1:qn:{attempt_id}" if forge_next else f"1:qa:{attempt_id}:{q}:{option}"
    assert payloads.parse(forged) is not None
    msg = Incoming(user_id=attacker, payload=forged, language_code=language_code)
    replies = engine.handle(msg)
    check_replies(replies)
    # someone else's quiz: only a short notice (a toast) in the presser's own language
    lang = engine.preferred(msg, own=True)
    assert replies == [Reply(engine.kb.ui["quiz_not_yours"][lang], lang, toast=True)]
    assert attempt_state(engine, attempt_id) == before


# -- 3. deep links ----------------------------------------------------------------------------------


@props(250)
@given(
    arg=st.one_of(arg_text, st.text(max_size=300), long_word),
    chat_type=chat_types,
    in_quiz=st.booleans(),
    real_session=st.booleans(),
)
def test_start_deep_links(
    mem_engine: Engine, arg: str, chat_type: str, in_quiz: bool, real_session: bool
) -> None:
    engine = mem_engine
    uid = fresh_id()
    if in_quiz:
        engine.handle(Incoming(user_id=uid, text="/quiz basics"))
    if real_session and arg.startswith("s_"):
        trainer = fresh_id()
        engine.handle(Incoming(user_id=trainer, text="/newsession basics t"))
        arg = "s_" + engine.store.sessions_of(trainer)[0][0].code
    replies = engine.handle(incoming(uid, chat_type, text="/start " + arg))
    check_replies(replies)
    link = arg.strip()
    private = chat_type not in {"group", "supergroup"}
    known = (
        (link.startswith("topic_") and link[len("topic_") :] in engine.kb.intents)
        # a quiz link starts the quiz in private, the live game in a group (?startgroup=)
        or (link.startswith("quiz_") and link[len("quiz_") :] in engine.kb.quizzes)
        or (link.startswith("s_") and private and engine.store.get_session(link[len("s_") :]) is not None)
    )
    if not known:
        assert replies == engine.handle(incoming(uid, chat_type, text="/start"))
        assert replies[0] == engine.welcome(engine.preferred(incoming(uid)))


# -- 4. user text is escaped -------------------------------------------------------------------------

NASTY_TITLES = [
    "<b>x</b> **y** [z](https://e.com) & `c`",
    "<i>t</i> __u__ > quote - bullet &amp; &lt;b&gt;",
    '\\*not bold\\* ` [a]( <a href="https://evil.example">click</a>',
    "{title} {0} %s <script>alert(1)</script>",
]


def flat(text: str) -> str:
    """What markup.escape keeps of ``text``: line breaks become spaces."""
    return " ".join(text.splitlines()) if ("\n" in text or "\r" in text) else text


@props(150)
@given(
    title=st.one_of(st.sampled_from(NASTY_TITLES), nasty_text, st.text(max_size=150)),
    first_name=st.one_of(
        st.sampled_from([t.replace("x", "Ann") for t in NASTY_TITLES]),
        nasty_text,
        st.text(min_size=1, max_size=250),
    ),
    username=st.one_of(st.just(""), st.sampled_from(["ann_b", "<b>u</b>", "**u**"]), nasty_text),
    quiz_id=st.sampled_from(QUIZ_IDS),
)
def test_user_text_is_shown_literally(
    mem_engine: Engine, title: str, first_name: str, username: str, quiz_id: str
) -> None:
    engine = mem_engine
    trainer, trainee = fresh_id(), fresh_id()
    created = engine.handle(Incoming(user_id=trainer, text=f"/newsession {quiz_id} {title}"))
    check_replies(created)
    (info, _, _), *_ = engine.store.sessions_of(trainer)
    shown_title = " ".join(title.split())[:100] or engine.kb.quizzes[quiz_id].title["en"]
    assert info.title == shown_title

    # the trainee opens the link, presses Start and answers every question with the first option
    replies = engine.handle(
        Incoming(user_id=trainee, text=f"/start s_{info.code}", first_name=first_name, username=username)
    )
    check_replies(replies)
    assert shown_title in replies[0].plain()
    join = choice_of(replies, payloads.SESSION_JOIN)
    assert join is not None
    replies = press(engine, trainee, join, first_name=first_name, username=username)
    for _ in range(3 * len(engine.kb.quizzes[quiz_id].questions) + 2):
        check_replies(replies)
        step = choice_of(replies, payloads.QUIZ_ANSWER) or choice_of(replies, payloads.QUIZ_NEXT)
        if step is None:
            break
        replies = press(engine, trainee, step)
    else:  # pragma: no cover - the quiz never ended
        pytest.fail("the quiz did not finish")
    assert engine.store.active_attempt(trainee) is None

    listing = engine.handle(Incoming(user_id=trainer, text="/sessions"))
    results = engine.handle(Incoming(user_id=trainer, text=f"/results {info.code}"))
    for reply in (*listing, *results):
        check_reply(reply)
    name = flat(first_name[:200]) or "?"
    user = flat(username[:100])
    for reply, expected in (
        (listing[0], [shown_title]),
        (results[0], [shown_title, name] + ([f"(@{user})"] if user else [])),
    ):
        plain, rendered = reply.plain(), reply.html()
        for text in expected:
            assert text in plain, (text, plain)
            assert html.escape(text, quote=False) in rendered, (text, rendered)
        if "<b>x</b>" in title:
            assert "&lt;b&gt;" in rendered and "<b>x</b>" not in rendered
        for raw in ("<i>t</i>", "<script>", '<a href="https://evil'):
            assert raw not in rendered


def test_documented_nasty_title_example(engine: Engine) -> None:
    """The brief's exact example, as a plain test (also exercised by the property above)."""
    title = NASTY_TITLES[0]
    trainer = fresh_id()
    engine.handle(Incoming(user_id=trainer, text=f"/newsession basics {title}"))
    (listing,) = engine.handle(Incoming(user_id=trainer, text="/sessions"))
    assert title in listing.plain()
    assert "&lt;b&gt;x&lt;/b&gt; **y** [z](https://e.com) &amp; `c`" in listing.html()
    assert "<b>x</b>" not in listing.html()


# -- 5. markup.escape ----------------------------------------------------------------------------------


@props(300)
@given(s=st.one_of(st.text(), nasty_text, long_words))
@example(s="<b>x</b> **y** [z](https://e.com) & `c`")
@example(s="line one\r\n> two\n- three\n")
@example(s="trailing space ")
def test_escape_makes_text_literal(s: str) -> None:
    escaped = markup.escape(s)
    expected = flat(s)
    assert "\n" not in escaped
    # markup.parse drops trailing whitespace of every line (so does Telegram, at message ends)
    assert markup.to_plain(escaped) == expected.rstrip()
    rendered = markup.to_html(escaped)
    assert html_error(rendered) is None, rendered
    parsed = parse_telegram_html(rendered)
    assert parsed.entities == []  # user text never turns into formatting
    assert parsed.text == expected.strip()


# -- 6. poll answers -------------------------------------------------------------------------------------


@props(200)
@given(
    poll_id=st.one_of(st.just("REAL"), st.text(max_size=64), st.from_regex(r"[0-9]{1,20}", fullmatch=True)),
    option_ids=st.lists(st.one_of(st.integers(-3, 12), st.integers(-(2**63), 2**63)), max_size=12),
    first_name=names,
    username=names,
    position=st.integers(0, 2),
)
def test_poll_answers_return_nothing(
    mem_engine: Engine, poll_id: str, option_ids: list[int], first_name: str, username: str, position: int
) -> None:
    engine = mem_engine
    starter = fresh_id()
    chat = f"-100{starter}"
    started = engine.handle(Incoming(user_id=starter, chat_id=chat, chat_type="group", text="/quiz basics"))
    check_replies(started)
    real = f"poll-{starter}"
    for p in range(position + 1):
        if p:
            engine.quiz.group_next(chat, p - 1)
        engine.quiz.poll_sent(chat, p, real)
    voter = fresh_id()
    vote = PollAnswer(real if poll_id == "REAL" else poll_id, tuple(option_ids))
    for _ in range(2):  # voting twice (or retracting) is fine too
        msg = Incoming(
            user_id=voter,
            chat_id=chat,
            chat_type="group",
            first_name=first_name,
            username=username,
            poll_answer=vote,
        )
        assert engine.handle(msg) == []
    # the leaderboard with the voter's name still renders
    check_replies(engine.handle(Incoming(user_id=starter, chat_id=chat, chat_type="group", text="/stopquiz")))


# -- chunking of long lines (telegram.chunks) --------------------------------------------------------------


class ChunkingHung(Exception):
    pass


def _chunks_with_timeout(text: str, seconds: float = 0.5) -> list[str]:
    def on_alarm(signum: int, frame: object) -> None:
        raise ChunkingHung(f"chunks() did not return within {seconds}s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return tg.chunks(text)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@props(150)
@given(
    lines=st.lists(st.one_of(nasty_text, st.text(max_size=200)), min_size=1, max_size=15),
    repeat=st.integers(1, 12),
)
def test_chunks_of_many_short_escaped_lines(lines: list[str], repeat: int) -> None:
    """Long messages of short lines (like /results with 40 names) split into valid pieces that
    lose nothing but whitespace. chunks() re-parses the growing piece for every line, so it is
    slow-ish on huge inputs: the generous timeout only guards against a hang."""
    source = "\n".join(markup.escape(line) for line in lines * repeat)
    pieces = _chunks_with_timeout(source, seconds=10)
    for piece in pieces:
        check_markup_renders(piece, tg.CHUNK_LIMIT)
    assert "".join("".join(pieces).split()) == "".join(source.split())


@props(150, phases=[Phase.explicit, Phase.reuse, Phase.generate], report_multiple_bugs=False)
@given(
    prefix=nasty_text,
    char=st.sampled_from(["a", "é", "<", "*", "😀", "\\", "🇲🇽"]),
    n=st.integers(2_000, 9_000),
)
@example(prefix="", char="😀", n=2_500)
@example(prefix="", char="\\", n=5_000)
def test_chunks_of_one_long_escaped_line(prefix: str, char: str, n: int) -> None:
    source = markup.escape(prefix + char * n)
    for piece in _chunks_with_timeout(source):
        check_markup_renders(piece, tg.CHUNK_LIMIT)
