"""The topic menu (``content/topics.yaml``)."""

from __future__ import annotations

from pathlib import Path

from ..yamlsrc import LList, Problem, load_file
from .checks import Checker, display
from .model import KnowledgeBase, TopicGroup


def load_topics(path: Path, kb: KnowledgeBase, problems: list[Problem]) -> list[tuple[str, int, str]]:
    shown = display(path)
    refs: list[tuple[str, int, str]] = []
    if not path.is_file():
        problems.append(Problem(shown, 1, "topic menu file is missing"))
        return refs
    data, found = load_file(path, shown)
    problems.extend(found)
    if data is None:
        return refs
    c = Checker(shown, problems)
    top = c.mapping(data, 1, "the file")
    if top is None or not c.keys(top, "the topics file", ("groups",)):
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
        shareable = d.get("shareable", True)
        if not isinstance(shareable, bool):
            c.error(
                d.line_of("shareable"), f"group {gid}: shareable must be true or false, got {shareable!r}"
            )
            shareable = True
        if gid and title and ids is not None:
            seen.add(gid)
            kb.topics.append(TopicGroup(gid, title, ids, shareable))
            refs.extend((iid, d.line_of("intents"), shown) for iid in ids)
    return refs
