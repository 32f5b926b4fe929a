"""Answer files (``content/answers/*.yaml``): what the bot says for each intent."""

from __future__ import annotations

from pathlib import Path

from .. import markup
from ..yamlsrc import LDict, LList, Problem, load_file
from .checks import (
    ANSWER_SOFT_MAX,
    CONTACT_RE,
    DATE_RE,
    TITLE_MAX,
    URL_RE,
    Checker,
    check_markup,
    display,
    kind,
    yaml_files,
)
from .model import Answer, KnowledgeBase, Source


def load_answers(folder: Path, kb: KnowledgeBase, problems: list[Problem]) -> None:
    if not folder.is_dir():
        problems.append(Problem(display(folder), 1, "answers folder is missing"))
        return
    for path in yaml_files(folder):
        shown = display(path)
        data, found = load_file(path, shown)
        problems.extend(found)
        if data is None:
            continue
        c = Checker(shown, problems)
        top = c.mapping(data, 1, "the file")
        if top is None or not c.keys(top, "an answers file", ("answers",)):
            continue
        items = top["answers"]
        if not isinstance(items, LList):
            c.error(top.line_of("answers"), f"answers must be a list, got {kind(items)}")
            continue
        for i, raw in enumerate(items):
            d = c.mapping(raw, items.line_of(i), f"answers[{i}]")
            if d is None:
                continue
            c.keys(d, "an answer", ("id", "title", "text", "sources"), ("checked",))
            aid = c.ident(d.get("id"), d.line_of("id"), "answer id") if "id" in d else None
            if aid is None:
                continue
            if aid in kb.answers:
                other = kb.answers[aid]
                c.error(d.line_of("id"), f"duplicate answer for {aid!r} (also at {other.path}:{other.line})")
                continue
            title = c.localized(d.get("title"), d.line_of("title"), f"{aid}: title") if "title" in d else None
            if title:
                for lang, t in title.items():
                    if len(t) > TITLE_MAX:
                        c.error(
                            d.line_of("title"),
                            f"{aid}: title ({lang}) is {len(t)} characters, at most {TITLE_MAX} fit on a button",
                        )
            text = c.localized(d.get("text"), d.line_of("text"), f"{aid}: text") if "text" in d else None
            if text:
                tmap = d["text"]
                for lang, body in text.items():
                    line = tmap.line_of(lang) if isinstance(tmap, LDict) else d.line
                    start = tmap.text_line_of(lang) if isinstance(tmap, LDict) else line
                    check_markup(c, body, start, f"{aid}: text ({lang})")
                    try:
                        size = markup.plain_length(body)
                    except markup.MarkupError:
                        continue
                    if size > ANSWER_SOFT_MAX:
                        c.error(
                            line,
                            f"{aid}: text ({lang}) renders to {size} characters; keep answers under {ANSWER_SOFT_MAX} to read on a phone",
                        )
            sources: list[Source] = []
            if "sources" in d:
                seq = d["sources"]
                if not isinstance(seq, LList):
                    c.error(d.line_of("sources"), f"{aid}: sources must be a list")
                else:
                    for j, s in enumerate(seq):
                        sd = c.mapping(s, seq.line_of(j), f"{aid}: sources[{j}]")
                        if sd is None or not c.keys(sd, "a source", ("title", "url")):
                            continue
                        stitle = c.localized(sd["title"], sd.line_of("title"), f"{aid}: source title")
                        url = sd["url"]
                        if not isinstance(url, str) or not URL_RE.match(url):
                            c.error(
                                sd.line_of("url"),
                                f"{aid}: source url must be a well-formed https:// address, got {url!r}",
                            )
                        elif stitle:
                            sources.append(Source(stitle, url))
            checked = d.get("checked")
            if checked is not None:
                checked = str(checked)
                if not DATE_RE.match(checked):
                    c.error(
                        d.line_of("checked"), f"{aid}: checked must be a date YYYY-MM-DD, got {checked!r}"
                    )
            if text and checked is None and any(CONTACT_RE.search(t) for t in text.values()):
                c.error(
                    d.line,
                    f"{aid}: the text gives contact details (phone, e-mail or report site): add `checked: YYYY-MM-DD`",
                )
            if title and text:
                kb.answers[aid] = Answer(aid, title, text, tuple(sources), checked, shown, d.line_of("id"))
