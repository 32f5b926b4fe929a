"""A console chat with the same engine: the local text backend (like ``errbot -T``).

Choices are shown numbered (``[1] Topics``); typing the number presses the button. Link choices
show their address. Attachments are saved to files and their path printed. Ctrl-D or ``quit``
ends the chat. Reads and writes text streams, so tests drive it with ``io.StringIO``.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import TextIO

from ..engine import Engine
from ..messages import Choice, Incoming, Reply

QUIT_WORDS = {"quit", "exit", "salir", "/quit", "/exit"}
CONSOLE_USER = "console"
_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


class ConsoleChat:
    """Drive :class:`Engine` from text streams."""

    def __init__(
        self,
        engine: Engine,
        stdin: TextIO,
        stdout: TextIO,
        *,
        user_id: str = CONSOLE_USER,
        lang: str | None = None,
        prompt: str = "> ",
        attachments_dir: Path | None = None,
    ) -> None:
        self.engine = engine
        self.stdin = stdin
        self.stdout = stdout
        self.user_id = user_id
        self.lang = lang
        self.prompt = prompt
        self.attachments_dir = attachments_dir
        self.choices: list[Choice] = []

    def _print(self, text: str = "") -> None:
        print(text, file=self.stdout)

    def show(self, replies: list[Reply]) -> None:
        """Print replies; remember their choices so a number can press one."""
        choices: list[Choice] = []
        for reply in replies:
            if reply.edit and not reply.text and not reply.choices:
                continue  # only removes buttons of an earlier message: nothing to print
            if reply.text:
                self._print(reply.plain())
            if reply.attachment is not None:
                folder = self.attachments_dir or Path(tempfile.gettempdir())
                path = folder / reply.attachment.filename
                path.write_bytes(reply.attachment.data)
                caption = reply.plain() if not reply.attachment.caption else _plain(reply.attachment.caption)
                self._print(f"[{reply.attachment.kind}: {path}] {caption}".rstrip())
            if reply.poll is not None:
                for i, option in enumerate(reply.poll.options, start=1):
                    self._print(f"  {i}) {option}")
            for choice in reply.choices:
                if choice.share:
                    continue  # sharing goes through Telegram's inline mode; a console has none
                choices.append(choice)
                label = f"{choice.label} <{choice.url}>" if choice.url else choice.label
                self._print(f"  [{len(choices)}] {label}")
            self._print()
        self.choices = choices

    def incoming_for(self, line: str) -> Incoming:
        """Turn a typed line into an Incoming: a number picks a shown choice."""
        m = _NUMBER.match(line)
        if m and self.choices:
            index = int(m.group(1)) - 1
            if 0 <= index < len(self.choices) and self.choices[index].payload:
                return Incoming(self.user_id, payload=self.choices[index].payload, language_code=self.lang)
        return Incoming(self.user_id, text=line, language_code=self.lang)

    def run(self) -> int:
        if self.lang:
            self.engine.store.set_lang(self.user_id, self.lang, pinned=True)
        self.show(self.engine.handle(Incoming(self.user_id, text="/start", language_code=self.lang)))
        while True:
            self.stdout.write(self.prompt)
            self.stdout.flush()
            line = self.stdin.readline()
            if not line:  # Ctrl-D
                self._print()
                return 0
            line = line.rstrip("\n")
            if line.strip().lower() in QUIT_WORDS:
                return 0
            if not line.strip():
                continue
            self.show(self.engine.handle(self.incoming_for(line)))


def _plain(markup_text: str) -> str:
    from ..markup import to_plain

    return to_plain(markup_text)
