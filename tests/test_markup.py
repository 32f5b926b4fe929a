"""The content markup: parsing, the HTML and plain renderers, escaping, and lengths.

HTML output is checked with the fake Bot API's implementation of Telegram's HTML parser
(``tests/fakes/bot_api.py``), so "valid" means "Telegram would accept it".
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cyberhygiene import markup
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.markup import MarkupError, escape, plain_length, to_html, to_plain, utf16_len
from tests.fakes.bot_api import html_error, parse_telegram_html


def entities_of(html: str) -> tuple[str, list[tuple[str, str]]]:
    """Telegram's view of ``html``: the text and (entity type, covered text) pairs."""
    parsed = parse_telegram_html(html)
    text16 = parsed.text.encode("utf-16-le")
    covered = []
    for e in parsed.entities:
        start, length = int(e["offset"]), int(e["length"])
        covered.append((str(e["type"]), text16[2 * start : 2 * (start + length)].decode("utf-16-le")))
    return parsed.text, covered


# -- escaping of text in to_html ------------------------------------------------------------


def test_to_html_escapes_angle_brackets_and_ampersands() -> None:
    html = to_html("if a < b && c > d then <script>alert(1)</script>")
    assert "<script>" not in html
    assert html == "if a &lt; b &amp;&amp; c &gt; d then &lt;script&gt;alert(1)&lt;/script&gt;"
    assert html_error(html) is None
    assert parse_telegram_html(html).text == "if a < b && c > d then <script>alert(1)</script>"


def test_to_html_leaves_entity_lookalikes_literal() -> None:
    html = to_html("write &amp; or &lt; literally")
    assert parse_telegram_html(html).text == "write &amp; or &lt; literally"


def test_to_html_escapes_quotes_and_ampersands_in_href() -> None:
    url = "https://ex.com/search?q=1&lang='es'"
    html = to_html(f"[search]({url})")
    assert html == '<a href="https://ex.com/search?q=1&amp;lang=&#x27;es&#x27;">search</a>'
    assert html_error(html) is None
    parsed = parse_telegram_html(html)
    assert parsed.text == "search"
    assert parsed.entities == [{"type": "text_link", "offset": 0, "length": 6, "url": url}]


def test_link_label_is_escaped() -> None:
    html = to_html("[a <b> & c](https://ex.com)")
    assert html == '<a href="https://ex.com">a &lt;b&gt; &amp; c</a>'


def test_double_quote_cannot_break_out_of_href() -> None:
    # the URL check refuses a quote in the address, so no attribute can be injected
    with pytest.raises(MarkupError):
        to_html('[x](https://ex.com/" onclick="evil)')


# -- inline and block markup ----------------------------------------------------------------


def test_inline_markup_renders_to_telegram_tags() -> None:
    html = to_html("**bold** __italic__ `code` [link](https://www.cisa.gov/x)")
    assert html == '<b>bold</b> <i>italic</i> <code>code</code> <a href="https://www.cisa.gov/x">link</a>'
    text, covered = entities_of(html)
    assert text == "bold italic code link"
    assert sorted(covered) == [
        ("bold", "bold"),
        ("code", "code"),
        ("italic", "italic"),
        ("text_link", "link"),
    ]


def test_nested_bold_and_italic() -> None:
    html = to_html("**a __b__ c**")
    assert html_error(html) is None
    text, covered = entities_of(html)
    assert text == "a b c"
    bold_text = "".join(t for kind, t in covered if kind == "bold")
    assert bold_text == "a b c"  # bold covers everything, possibly in pieces
    assert [t for kind, t in covered if kind == "italic"] == ["b"]


def test_bold_link_and_italic_code() -> None:
    html = to_html("**[CISA](https://www.cisa.gov)** and __`7726`__")
    assert html_error(html) is None
    text, covered = entities_of(html)
    assert text == "CISA and 7726"
    assert ("bold", "CISA") in covered and ("text_link", "CISA") in covered
    assert ("italic", "7726") in covered and ("code", "7726") in covered


def test_code_content_is_literal() -> None:
    html = to_html("`**not bold** <tag> & [x](y)`")
    assert html == "<code>**not bold** &lt;tag&gt; &amp; [x](y)</code>"


def test_backslash_escapes_give_the_character() -> None:
    src = r"\*\*not bold\*\* \_\_not italic\_\_ \`not code\` \[not a link\] a\\b"
    html = to_html(src)
    assert "<" not in html.replace("&lt;", "")
    assert to_plain(src) == "**not bold** __not italic__ `not code` [not a link] a\\b"


def test_backslash_before_a_letter_is_kept() -> None:
    assert to_plain(r"C:\temp\new") == r"C:\temp\new"


def test_blockquote_groups_consecutive_quote_lines() -> None:
    src = "Look at this:\n> Your package is held.\n> Pay $1 at https-not-a-link\nThat is a scam."
    html = to_html(src)
    assert html == (
        "Look at this:\n<blockquote>Your package is held.\nPay $1 at "
        "https-not-a-link</blockquote>\n"
        "That is a scam."
    )
    text, covered = entities_of(html)
    assert text == "Look at this:\nYour package is held.\nPay $1 at https-not-a-link\nThat is a scam."
    assert covered == [("blockquote", "Your package is held.\nPay $1 at https-not-a-link")]


def test_blockquote_at_the_end_and_two_separate_quotes() -> None:
    html = to_html("> one\ntext\n> two")
    assert html == "<blockquote>one</blockquote>\ntext\n<blockquote>two</blockquote>"
    assert html_error(html) is None


def test_bullets_and_numbered_lines() -> None:
    src = "Do this:\n- first **step**\n- second\n1. numbered stays as written"
    assert to_html(src) == "Do this:\n• first <b>step</b>\n• second\n1. numbered stays as written"
    assert to_plain(src) == "Do this:\n• first step\n• second\n1. numbered stays as written"


def test_a_dash_without_space_is_not_a_bullet() -> None:
    assert to_html("-5 degrees") == "-5 degrees"
    assert to_html(">not a quote") == "&gt;not a quote"


def test_to_plain_renders_links_with_their_address() -> None:
    assert to_plain("see [CISA](https://www.cisa.gov)") == "see CISA (https://www.cisa.gov)"
    assert to_plain("[https://www.cisa.gov](https://www.cisa.gov)") == "https://www.cisa.gov"
    assert to_plain("> quoted\n- item") == "  | quoted\n• item"


# -- escape() -------------------------------------------------------------------------------

NASTY = [
    "**",
    "__",
    "`",
    "``",
    "[x](https://a.b)",
    "[x](https://www.cisa.gov)",
    "<b>bold?</b>",
    "&amp;",
    "a & b",
    "back\\slash",
    "\\",
    "\\\\",
    "ends with backslash\\",
    "\\*",
    "> not a quote",
    "- not a bullet",
    ">",
    "José **Pérez** __el__ `hacker`",
    "emoji 👋🏽 and zwj 👨‍👩‍👧",
    "line one\nline two",
    "crlf\r\nline",
    "tabs\tinside",
    "[unclosed",
    "](",
    "{name} {0} %s",
    string.punctuation,
]


def _flat(s: str) -> str:
    return " ".join(s.splitlines())


@pytest.mark.parametrize("text", NASTY)
def test_escape_makes_text_literal(text: str) -> None:
    src = escape(text)
    markup.check(src)  # never raises
    assert to_plain(src) == _flat(text)
    html = to_html(src)
    assert html_error(html) is None
    parsed = parse_telegram_html(html)
    assert parsed.text == _flat(text).strip()
    assert parsed.entities == []
    assert plain_length(src) == utf16_len(_flat(text))


def test_escape_flattens_newlines() -> None:
    assert "\n" not in escape("a\nb\r\nc\rd")
    assert to_plain(escape("a\nb\r\nc\rd")) == "a b c d"


# Characters that str.splitlines() treats as line breaks besides \n and \r are left out: the
# property is stated for ordinary newlines.
_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_escape_round_trip_property(text: str) -> None:
    src = escape(text)
    assert to_plain(src) == _flat(text).rstrip()
    html = to_html(src)
    assert html_error(html) is None
    assert parse_telegram_html(html).entities == []


@settings(max_examples=200, deadline=None)
@given(_TEXT, _TEXT)
def test_escaped_text_inside_markup_stays_inside(name: str, other: str) -> None:
    # a user-supplied value between bold markers renders as one bold run of exactly that text
    src = f"A **x{escape(name)}x** {escape(other)}"
    text, covered = entities_of(to_html(src))
    assert text.startswith("A x" + _flat(name) + "x")
    assert "".join(t for kind, t in covered if kind == "bold") == "x" + _flat(name) + "x"
    assert {kind for kind, _ in covered} <= {"bold"}


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("src", "line", "column", "fragment"),
    [
        ("first line\nsecond **bold", 2, 8, "** (bold) opened but not closed"),
        ("ok __yes__ and __no", 1, 16, "__ (italic) opened but not closed"),
        ("call `7726 now", 1, 6, "unclosed ` (code)"),
        ("empty `` code", 1, 7, "empty `code`"),
        ("a\nb\nsee [this] page", 3, 5, "a [ that is not a [label](https://…) link"),
        ("[ ](https://www.cisa.gov)", 1, 1, "link with an empty label"),
        ("go [here](http://www.cisa.gov) now", 1, 4, "not a well-formed https URL"),
        ("go [here](https://x) now", 1, 4, "not a well-formed https URL"),
        ("go [here](javascript:alert(1)) now", 1, 4, "not a well-formed https URL"),
    ],
)
def test_markup_errors_name_line_and_column(src: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(MarkupError) as info:
        markup.check(src)
    err = info.value
    assert (err.line_no, err.column) == (line, column)
    assert fragment in err.message
    assert str(err) == f"line {line}, column {column}: {err.message}"
    assert isinstance(err, ValueError)


def test_bold_must_close_on_the_same_line() -> None:
    with pytest.raises(MarkupError) as info:
        to_html("**starts here\nends here**")
    assert info.value.line_no == 1


@pytest.mark.parametrize("src", ["- a **b", "> a **b"])
def test_error_column_counts_the_bullet_or_quote_marker(src: str) -> None:
    with pytest.raises(MarkupError) as info:
        markup.check(src)
    assert info.value.column == src.index("**") + 1


# -- lengths --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "units"),
    [("", 0), ("abc", 3), ("ñandú", 5), ("👋", 2), ("a👋b", 4), ("👨‍👩‍👧", 8), ("中文", 2)],
)
def test_utf16_len(text: str, units: int) -> None:
    assert utf16_len(text) == units


def test_plain_length_counts_rendered_text_in_utf16_units() -> None:
    assert plain_length("👋") == 2
    assert plain_length("**hi** 👋") == 5
    assert plain_length("[CISA](https://www.cisa.gov/very/long/address)") == 4
    assert plain_length("a\nb") == 3
    assert plain_length("- x") == 3  # "• x"
    assert plain_length("> q1\n> q2") == 5  # "q1\nq2" inside the quote
    assert plain_length(r"\*") == 1


@pytest.mark.parametrize(
    "src",
    [
        "**Bold** and __italic__ 👋",
        "Steps:\n- one\n- two 🔑\n1. three",
        "> quoted 👋\n> again\nafter [link](https://www.cisa.gov)",
        "`7726` ñ & <",
    ],
)
def test_plain_length_matches_what_telegram_counts(src: str) -> None:
    parsed = parse_telegram_html(to_html(src))
    assert plain_length(src) == utf16_len(parsed.text)


# -- the real content -------------------------------------------------------------------------

DUMMY = escape("Ana & <Bob> **x** `y` [z](https://a.bc)")
# {code} sits between backticks, where backslash escapes do not apply; the engine fills it with a
# session code, which is always letters and digits (see Store.create_session).
SESSION_CODE = "AbC123xyz0Qw"


def _fill(template: str) -> str:
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    values = {name: SESSION_CODE if name == "code" else DUMMY for name in names}
    return template.format(**values)


def test_every_answer_renders_to_valid_telegram_html(kb: KnowledgeBase) -> None:
    assert len(kb.answers) > 10
    bad = []
    for answer in kb.answers.values():
        for lang, text in answer.text.items():
            html = to_html(text)
            problem = html_error(html)
            if problem is not None:
                bad.append(f"{answer.id} ({lang}): {problem}")
            elif plain_length(text) != utf16_len(parse_telegram_html(html).text):
                bad.append(f"{answer.id} ({lang}): plain_length disagrees with Telegram")
            to_plain(text)
    assert bad == []


def test_every_ui_string_renders_to_valid_telegram_html(kb: KnowledgeBase) -> None:
    assert len(kb.ui) > 50
    bad = []
    for key, entry in kb.ui.items():
        for lang, template in entry.items():
            src = _fill(template)
            html = to_html(src)
            problem = html_error(html)
            if problem is not None:
                bad.append(f"ui.{key} ({lang}): {problem}")
            elif plain_length(src) > 4096:
                bad.append(f"ui.{key} ({lang}): longer than a Telegram message")
    assert bad == []


def test_filled_placeholders_stay_literal(kb: KnowledgeBase) -> None:
    # a UI string with a placeholder outside code: the dummy value shows up verbatim
    key = "topic_group_intro"
    html = to_html(kb.text(key, "en", group=DUMMY))
    assert "Ana & <Bob> **x** `y` [z](https://a.bc)" in parse_telegram_html(html).text
