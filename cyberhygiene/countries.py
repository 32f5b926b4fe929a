"""The user's country (United States, Mexico or unknown): asked once, recognized from messages,
changed with ``/country`` / ``/pais`` and buttons, stored like the language.

Answers that differ by country (``country:`` parts in ``content/answers/``) are rendered by the
engine for the stored country; this module decides what the country is and says so.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from . import payloads
from .data.model import COUNTRIES
from .data.places import country_in, recognizer
from .messages import Choice, Incoming, Reply
from .normalize import fold
from .store import UserPrefs

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine


class CountryFlow:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pattern = recognizer(engine.kb.places)

    def from_message(
        self, incoming: Incoming, text: str, prefs: UserPrefs, lang: str
    ) -> tuple[UserPrefs, list[Reply], bool]:
        """ "vivo en Monterrey", "im in texas": store what the message says. Returns the updated
        preferences, a note to show if the country changed, and whether the place was all it said."""
        said, only_place = country_in(text, self.pattern)
        noted: list[Reply] = []
        if said is not None and said != prefs.country:
            self.engine.store.set_country(incoming.user_id, said)
            prefs = dataclasses.replace(prefs, country=said, country_asked=True)
            noted = [self.reply("country_noted", said, lang)]
        if only_place and not noted:
            noted = [self.reply("country_noted", said, lang)]
        return prefs, noted, only_place

    def ask_once(self, incoming: Incoming, intent_id: str, lang: str, prefs: UserPrefs) -> list[Reply]:
        """The first time an answer differs by country and the country is unknown: ask, two buttons."""
        if not self.engine.kb.answers[intent_id].country or prefs.country is not None or prefs.country_asked:
            return []
        self.engine.store.mark_country_asked(incoming.user_id)
        choices = tuple(
            Choice(
                self.engine.text(f"country_{c}_button", lang), payloads.make(payloads.COUNTRY, c, intent_id)
            )
            for c in COUNTRIES
        )
        return [Reply(self.engine.text("country_ask", lang), lang, choices)]

    def reply(self, key: str, country: str | None, lang: str) -> Reply:
        """A confirmation that names the country (``{country}``), with the menu."""
        name = self.engine.text(f"country_name_{country}", lang) if country else ""
        return Reply(self.engine.text(key, lang, country=name), lang, (self.engine.menu_choice(lang),))

    def set(self, incoming: Incoming, country: str | None, lang: str) -> list[Reply]:
        self.engine.store.set_country(incoming.user_id, country)
        if country is None:
            return [self.reply("country_cleared", None, lang)]
        return [self.reply("country_switched", country, lang)]

    def prompt(self, lang: str) -> Reply:
        choices = tuple(
            Choice(self.engine.text(f"country_{c}_button", lang), payloads.make(payloads.COUNTRY, c))
            for c in (*COUNTRIES, payloads.UNKNOWN_COUNTRY)
        )
        return Reply(self.engine.text("country_prompt", lang), lang, choices)

    def word(self, arg: str) -> str | None:
        """``/country us``, ``/pais mexico``: a country code or a listed place name, else None."""
        word = fold(arg)
        if word in COUNTRIES:
            return word
        for code, names in self.engine.kb.places.names.items():
            if word in names:
                return code
        return None

    def on_command(self, incoming: Incoming, arg: str, lang: str) -> list[Reply]:
        country = self.word(arg) if arg else None
        if country is not None:
            return self.set(incoming, country, lang)
        return [self.prompt(lang)]

    def on_payload(self, incoming: Incoming, p: payloads.Payload, lang: str) -> list[Reply]:
        """``c:<us|mx|xx>[:<intent>]`` sets the country (and shows that answer for it);
        ``ac:<intent>:<us|mx>`` shows one country's view without changing anything."""
        if p.kind == payloads.ANSWER_FOR:
            if p.args[0] not in self.engine.kb.intents:
                return self.engine.stale(lang)
            return [self.engine.answer(p.args[0], lang, p.args[1])]
        code = None if p.args[0] == payloads.UNKNOWN_COUNTRY else p.args[0]
        replies = self.set(incoming, code, lang)
        if len(p.args) > 1 and p.args[1] in self.engine.kb.intents:
            replies.append(self.engine.answer(p.args[1], lang, code))
        return replies
