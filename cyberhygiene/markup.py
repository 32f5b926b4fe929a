"""The small markup that answers and UI strings are written in, and its two renderers.

Markup (documented in docs/data-formats.md):

* ``**bold**``, ``__italic__``, ```code```, ``[label](https://…)`` inline;
* lines starting with ``> `` form a quoted block, ``- `` a bullet; everything else is literal;
* a backslash before ASCII punctuation gives that character literally.

:func:`to_html` produces the Telegram HTML subset (b, i, code, a, blockquote) with every other
character escaped, so nothing in content or user text can inject markup. :func:`to_plain` produces
plain text for the console. :func:`escape` makes arbitrary user text safe to embed in markup.
"""

from __future__ import annotations

import html
import re
import string
from dataclasses import dataclass

_PUNCT = set(string.punctuation)
_URL = re.compile(r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?(?:[/?#][^\s<>\"]*)?$")


class MarkupError(ValueError):
    """Content whose markup would not render; ``column`` is 1-based within ``line_no``."""

    def __init__(self, message: str, line_no: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line_no = line_no
        self.column = column

    def __str__(self) -> str:
        return f"line {self.line_no}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class Span:
    """A run of inline text: ``kind`` is text, bold, italic, code or link."""

    kind: str
    text: str
    url: str = ""
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Line:
    """One source line: ``kind`` is text, quote or bullet."""

    kind: str
    spans: tuple[Span, ...]


def escape(text: str) -> str:
    """Make untrusted text (names, titles, user messages) literal inside markup."""
    flat = " ".join(text.splitlines()) if ("\n" in text or "\r" in text) else text
    return "".join("\\" + ch if ch in _PUNCT else ch for ch in flat)


def _parse_inline(src: str, line_no: int, offset: int = 0) -> tuple[Span, ...]:
    try:
        return _parse_spans(src, line_no)
    except MarkupError as exc:
        exc.column += offset  # columns count from the start of the source line
        raise


def _parse_spans(src: str, line_no: int) -> tuple[Span, ...]:
    spans: list[Span] = []
    buf: list[str] = []
    bold = italic = False
    bold_col = italic_col = 0
    i = 0

    def flush() -> None:
        if buf:
            spans.append(Span("text", "".join(buf), bold=bold, italic=italic))
            buf.clear()

    while i < len(src):
        ch = src[i]
        if ch == "\\" and i + 1 < len(src) and src[i + 1] in _PUNCT:
            buf.append(src[i + 1])
            i += 2
        elif src.startswith("**", i):
            flush()
            bold = not bold
            bold_col = i + 1
            i += 2
        elif src.startswith("__", i):
            flush()
            italic = not italic
            italic_col = i + 1
            i += 2
        elif ch == "`":
            end = src.find("`", i + 1)
            if end == -1:
                raise MarkupError("unclosed ` (code)", line_no, i + 1)
            if end == i + 1:
                raise MarkupError("empty `code`", line_no, i + 1)
            flush()
            spans.append(Span("code", src[i + 1 : end], bold=bold, italic=italic))
            i = end + 1
        elif ch == "[":
            close = src.find("](", i + 1)
            end = src.find(")", close + 2) if close != -1 else -1
            if close == -1 or end == -1:
                raise MarkupError("a [ that is not a [label](https://…) link: write \\[", line_no, i + 1)
            label = src[i + 1 : close].replace("\\", "")
            url = src[close + 2 : end]
            if not label.strip():
                raise MarkupError("link with an empty label", line_no, i + 1)
            if not _URL.match(url):
                raise MarkupError(f"link address is not a well-formed https URL: {url!r}", line_no, i + 1)
            flush()
            spans.append(Span("link", label, url=url, bold=bold, italic=italic))
            i = end + 1
        else:
            buf.append(ch)
            i += 1
    if bold:
        raise MarkupError("** (bold) opened but not closed on this line", line_no, bold_col)
    if italic:
        raise MarkupError("__ (italic) opened but not closed on this line", line_no, italic_col)
    flush()
    return tuple(spans)


def parse(src: str) -> list[Line]:
    """Parse markup into lines of spans; raises :class:`MarkupError` on malformed markup."""
    lines: list[Line] = []
    for n, raw in enumerate(src.strip("\n").split("\n"), start=1):
        raw = raw.rstrip()
        if raw.startswith("> ") or raw == ">":
            lines.append(Line("quote", _parse_inline(raw[2:], n, offset=2)))
        elif raw.startswith("- "):
            lines.append(Line("bullet", _parse_inline(raw[2:], n, offset=2)))
        else:
            lines.append(Line("text", _parse_inline(raw, n)))
    return lines


def _span_html(span: Span) -> str:
    body = html.escape(span.text, quote=False)
    if span.kind == "code":
        body = f"<code>{body}</code>"
    elif span.kind == "link":
        body = f'<a href="{html.escape(span.url, quote=True)}">{body}</a>'
    if span.italic:
        body = f"<i>{body}</i>"
    if span.bold:
        body = f"<b>{body}</b>"
    return body


def _span_plain(span: Span) -> str:
    if span.kind == "link" and span.text.strip() != span.url:
        return f"{span.text} ({span.url})"
    return span.text


def to_html(src: str) -> str:
    """Render markup as Telegram HTML (parse mode ``HTML``)."""
    out: list[str] = []
    quote: list[str] = []
    for line in parse(src):
        rendered = "".join(_span_html(s) for s in line.spans)
        if line.kind == "quote":
            quote.append(rendered)
            continue
        if quote:
            out.append("<blockquote>" + "\n".join(quote) + "</blockquote>")
            quote = []
        out.append(("• " + rendered) if line.kind == "bullet" else rendered)
    if quote:
        out.append("<blockquote>" + "\n".join(quote) + "</blockquote>")
    return "\n".join(out)


def to_plain(src: str) -> str:
    """Render markup as plain text (console)."""
    out: list[str] = []
    for line in parse(src):
        rendered = "".join(_span_plain(s) for s in line.spans)
        prefix = {"quote": "  | ", "bullet": "• "}.get(line.kind, "")
        out.append(prefix + rendered)
    return "\n".join(out)


def plain_length(src: str) -> int:
    """Characters Telegram counts for the rendered message (text after entities are parsed)."""
    total = 0
    for i, line in enumerate(parse(src)):
        total += (1 if i else 0) + (2 if line.kind == "bullet" else 0)
        total += sum(utf16_len(s.text) for s in line.spans)
    return total


def utf16_len(text: str) -> int:
    """Telegram measures text in UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def check(src: str) -> None:
    """Raise :class:`MarkupError` if ``src`` would not render."""
    parse(src)
