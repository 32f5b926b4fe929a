"""How an answer becomes the message a user reads: the one renderer the engine and ``validate`` share.

An answer's common advice (``text``) comes first, then the per-country parts for the user's
country (unknown: both, the reader's likelier country first), then the sources shown with those
parts (each in the reader's language where the page exists in it, otherwise marked "(in Spanish)" /
"(en inglés)"), then the date its contact details were checked.
"""

from __future__ import annotations

from collections.abc import Callable

from . import markup
from .data.model import COUNTRIES, Answer

# text(key, lang, **values) -> a UI string (content/ui.yaml)
TextFn = Callable[..., str]

# UI keys the renderer reads.
RENDER_UI_KEYS: tuple[str, ...] = ("sources_label", "checked_label", "page_lang_en", "page_lang_es")


def shown_countries(answer: Answer, lang: str, country: str | None) -> tuple[str, ...]:
    """Which per-country parts a reader sees, in order."""
    if not answer.country:
        return ()
    if country in COUNTRIES:
        return (country,)
    # Unknown country: both. Language is not country, but it is the best guess for the order.
    return ("mx", "us") if lang == "es" else ("us", "mx")


def answer_markup(answer: Answer, lang: str, country: str | None, text: TextFn) -> str:
    shown = shown_countries(answer, lang, country)
    body = "\n".join([answer.text[lang].strip(), *(answer.country[c][lang].strip() for c in shown)])
    parts = [body]
    sources = [s for s in answer.sources if s.country is None or s.country in shown]
    if sources:
        lines = []
        for s in sources:
            line = f"- [{markup.escape(s.title[lang])}]({s.urls[lang]})"
            page = s.page_langs[lang]
            if page != lang:
                line += " " + markup.escape(text(f"page_lang_{page}", lang))
            lines.append(line)
        parts.append(text("sources_label", lang) + "\n" + "\n".join(lines))
    if answer.checked:
        parts.append(text("checked_label", lang, date=answer.checked))
    return "\n\n".join(parts)


def variants(answer: Answer) -> tuple[str | None, ...]:
    """Every country view an answer has: (None,) or (None, "us", "mx")."""
    return (None, *COUNTRIES) if answer.country else (None,)
