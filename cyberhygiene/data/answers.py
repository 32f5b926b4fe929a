"""Answer files (``content/answers/*.yaml``): what the bot says for each intent."""

from __future__ import annotations

from pathlib import Path

from ..yamlsrc import LDict, LList, Problem
from .checks import (
    CONTACT_RE,
    DATE_RE,
    TITLE_MAX,
    URL_RE,
    Checker,
    check_markup,
    display,
    kind,
    open_file,
    yaml_files,
)
from .model import COUNTRIES, LANGS, Answer, KnowledgeBase, Localized, Source

# The renderer adds the page's language to a source title; a title must not say it itself.
_LANG_NOTES = ("(in english)", "(in spanish)", "(en ingles)", "(en inglés)", "(en español)", "(en espanol)")


def load_answers(folder: Path, kb: KnowledgeBase, problems: list[Problem]) -> None:
    if not folder.is_dir():
        problems.append(Problem(display(folder), 1, "answers folder is missing"))
        return
    for path in yaml_files(folder):
        opened = open_file(path, problems)
        if opened is None:
            continue
        c, top = opened
        if not c.keys(top, "an answers file", ("answers",)):
            continue
        items = top["answers"]
        if not isinstance(items, LList):
            c.error(top.line_of("answers"), f"answers must be a list, got {kind(items)}")
            continue
        for i, raw in enumerate(items):
            d = c.mapping(raw, items.line_of(i), f"answers[{i}]")
            if d is not None:
                _answer(c, d, kb)


def _markup_part(c: Checker, d: LDict, key: str, what: str) -> Localized | None:
    """A localized markup part (``text``, ``more``, a country's part), markup-checked."""
    loc = c.localized(d.get(key), d.line_of(key), what)
    if loc:
        tmap = d[key]
        for lang, body in loc.items():
            start = tmap.text_line_of(lang) if isinstance(tmap, LDict) else d.line_of(key)
            check_markup(c, body, start, f"{what} ({lang})")
    return loc


def _answer(c: Checker, d: LDict, kb: KnowledgeBase) -> None:
    c.keys(d, "an answer", ("id", "title", "text", "sources"), ("checked", "country", "more"))
    aid = c.ident(d.get("id"), d.line_of("id"), "answer id") if "id" in d else None
    if aid is None:
        return
    if aid in kb.answers:
        other = kb.answers[aid]
        c.error(d.line_of("id"), f"duplicate answer for {aid!r} (also at {other.path}:{other.line})")
        return
    title = c.localized(d.get("title"), d.line_of("title"), f"{aid}: title") if "title" in d else None
    if title:
        for lang, t in title.items():
            if len(t) > TITLE_MAX:
                c.error(
                    d.line_of("title"),
                    f"{aid}: title ({lang}) is {len(t)} characters, at most {TITLE_MAX} fit on a button",
                )
    text = _markup_part(c, d, "text", f"{aid}: text") if "text" in d else None
    more = _markup_part(c, d, "more", f"{aid}: more") if "more" in d else None
    parts = _country_parts(c, d, aid) if "country" in d else {}
    sources = _sources(c, d, aid, bool(parts)) if "sources" in d else []
    checked = d.get("checked")
    if checked is not None:
        checked = str(checked)
        if not DATE_RE.match(checked):
            c.error(d.line_of("checked"), f"{aid}: checked must be a date YYYY-MM-DD, got {checked!r}")
    bodies = [*(text or {}).values(), *(more or {}).values()]
    bodies += [t for part in parts.values() for t in part.values()]
    if checked is None and any(CONTACT_RE.search(t) for t in bodies):
        c.error(
            d.line,
            f"{aid}: the text gives contact details (phone, e-mail or report site): add `checked: YYYY-MM-DD`",
        )
    if title and text:
        kb.answers[aid] = Answer(
            aid, title, text, tuple(sources), checked, c.path, d.line_of("id"), parts, more or None
        )


def _country_parts(c: Checker, d: LDict, aid: str) -> dict[str, Localized]:
    """``country: {us: {en, es}, mx: {en, es}}``: both countries, both languages."""
    block = c.mapping(d["country"], d.line_of("country"), f"{aid}: country")
    if block is None:
        return {}
    parts: dict[str, Localized] = {}
    for key in block:
        if key not in COUNTRIES:
            c.error(block.line_of(key), f"{aid}: country: unknown country {key!r} (use us and mx)")
    for code in COUNTRIES:
        if code not in block:
            c.error(
                d.line_of("country"),
                f"{aid}: country is missing {code!r} (an answer that differs gives both)",
            )
            continue
        part = _markup_part(c, block, code, f"{aid}: country.{code}")
        if part:
            parts[code] = part
    return parts if len(parts) == len(COUNTRIES) else {}


def _sources(c: Checker, d: LDict, aid: str, has_parts: bool) -> list[Source]:
    seq = d["sources"]
    if not isinstance(seq, LList):
        c.error(d.line_of("sources"), f"{aid}: sources must be a list")
        return []
    sources: list[Source] = []
    for j, s in enumerate(seq):
        sd = c.mapping(s, seq.line_of(j), f"{aid}: sources[{j}]")
        if sd is None or not c.keys(sd, "a source", ("title", "url"), ("lang", "country")):
            continue
        stitle = c.localized(sd["title"], sd.line_of("title"), f"{aid}: source title")
        for lang, t in (stitle or {}).items():
            if any(note in t.casefold() for note in _LANG_NOTES):
                c.error(
                    sd.line_of("title"),
                    f"{aid}: source title ({lang}) names the page's language; the bot adds it from `lang:`",
                )
        urls, page_langs = _source_urls(c, sd, aid)
        country = sd.get("country")
        if country is not None and (not isinstance(country, str) or country not in COUNTRIES):
            c.error(sd.line_of("country"), f"{aid}: source country must be us or mx, got {country!r}")
            continue
        if country is not None and not has_parts:
            c.error(
                sd.line_of("country"),
                f"{aid}: a source with `country:` needs the answer's `country:` parts",
            )
            continue
        if stitle and urls:
            sources.append(Source(stitle, urls, page_langs, country))
    return sources


def _source_urls(c: Checker, sd: LDict, aid: str) -> tuple[Localized, Localized]:
    """``url: https://…`` plus ``lang: en|es`` (the page's language), or ``url: {en: …, es: …}``."""
    url = sd["url"]
    bad = f"{aid}: source url must be a well-formed https:// address"
    if isinstance(url, LDict):
        if "lang" in sd:
            c.error(sd.line_of("lang"), f"{aid}: a source with one address per language takes no `lang:`")
        loc = c.localized(url, sd.line_of("url"), f"{aid}: source url")
        if not loc:
            return {}, {}
        ok = True
        for lang, u in loc.items():
            if not URL_RE.match(u):
                c.error(url.line_of(lang), f"{bad}, got {u!r} ({lang})")
                ok = False
        return (loc, {lang: lang for lang in LANGS}) if ok else ({}, {})
    if not isinstance(url, str) or not URL_RE.match(url):
        c.error(sd.line_of("url"), f"{bad}, got {url!r}")
        return {}, {}
    page = sd.get("lang")
    if page is None:
        c.error(
            sd.line,
            f"{aid}: source {url} is one address: say the page's language with `lang: en` or `lang: es`",
        )
        return {}, {}
    if page not in LANGS:
        c.error(sd.line_of("lang"), f"{aid}: source lang must be en or es, got {page!r}")
        return {}, {}
    return {lang: url for lang in LANGS}, {lang: str(page) for lang in LANGS}
