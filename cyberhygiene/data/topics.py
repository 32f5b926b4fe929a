"""The topic menu (``content/topics.yaml``)."""

from __future__ import annotations

from pathlib import Path

from ..yamlsrc import LList, Problem
from .checks import display, open_file
from .model import KnowledgeBase, TopicGroup


def load_topics(path: Path, kb: KnowledgeBase, problems: list[Problem]) -> list[tuple[str, int, str]]:
    shown = display(path)
    refs: list[tuple[str, int, str]] = []
    if not path.is_file():
        problems.append(Problem(shown, 1, "topic menu file is missing"))
        return refs
    opened = open_file(path, problems)
    if opened is None:
        return refs
    c, top = opened
    if not c.keys(top, "the topics file", ("groups",)):
        return refs
    groups = top["groups"]
    if not isinstance(groups, LList):
        c.error(top.line_of("groups"), "groups must be a list")
        return refs
    seen: set[str] = set()
    for i, raw in enumerate(groups):
        d = c.mapping(raw, groups.line_of(i), f"groups[{i}]")
        if d is None or not c.keys(d, "a topic group", ("id", "title", "intents"), ("shareable",)):
            continue
        gid = c.ident(d["id"], d.line_of("id"), "group id")
        title = c.localized(d["title"], d.line_of("title"), f"group {gid} title")
        ids = c.string_list(d["intents"], d.line_of("intents"), f"group {gid} intents")
        if gid in seen:
            c.error(d.line_of("id"), f"duplicate group id {gid!r}")
            continue
        shareable = c.flag(d, "shareable", True, f"group {gid}")
        if gid and title and ids is not None:
            seen.add(gid)
            kb.topics.append(TopicGroup(gid, title, ids, shareable))
            refs.extend((iid, d.line_of("intents"), shown) for iid in ids)
    return refs
