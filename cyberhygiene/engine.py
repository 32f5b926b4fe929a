"""The dialog engine: ``Engine.handle(Incoming) -> list[Reply]``.

Transport-free: matching, language choice, commands, topic menus, quizzes, trainer sessions and
fallbacks all live here, and channels (console, Telegram) only translate. Nothing here imports
``telegram``; a test proves it.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from functools import lru_cache

from . import markup, payloads
from .admin import COMMANDS as ADMIN_COMMANDS
from .admin import AdminCommands
from .checker import NORMALIZER_VERSION, Finding, ScamChecker, report_countries
from .config import DEFAULT_CONTENT_DIR, Settings
from .knowledge import COUNTRIES, LANGS, Answer, KnowledgeBase
from .language import language_for
from .live import LiveViews
from .matcher import Match, Matcher
from .messages import BOT_ADDED, BOT_REMOVED, Choice, Incoming, InlineResult, LiveUpdate, Reply
from .normalize import Lexicon, fold
from .quiz import QuizFlow
from .rendering import answer_markup as render_answer
from .scam_examples import ensure_scam_model
from .sessions import TrainerSessions
from .signals_data import ScamData, load_with_examples
from .store import Store, UserPrefs
from .toolkit import Toolkit

logger = logging.getLogger(__name__)

# Words that switch the language on their own ("english", "español"). Recognition cues, not
# sentences the bot says.
LANGUAGE_WORDS: dict[str, str] = {
    "english": "en",
    "in english": "en",
    "ingles": "en",
    "en ingles": "en",
    "espanol": "es",
    "en espanol": "es",
    "spanish": "es",
    "in spanish": "es",
}


# An unmatched message showing this many scam signs is a pasted scam: it gets the checker's reply.
PASTED_SIGNS = 2
# Spanish command names (shown in Spanish command menus) for the English ones.
COMMAND_ALIASES: dict[str, str] = {
    "ayuda": "help",
    "nuevasesion": "newsession",
    "adaptar": "adapt",
    "sesiones": "sessions",
    "resultados": "results",
    "exportar": "export",
    "cerrar": "close",
    "detenerquiz": "stopquiz",
}
MAX_ANSWER_BUTTONS = 7  # buttons under one answer, so they fit a phone's screen

# Command names only a Spanish speaker types (the Spanish menus show them): the reply to one is in
# Spanish unless the user chose a language with /language (a group's language still comes first).
# Not /idioma: what it answers depends on the language it sets.
SPANISH_COMMANDS = frozenset(
    {
        "ayuda",
        "temas",
        "revisar",
        "checar",
        "verificar",
        "pais",
        "país",
        "privacidad",
        "olvidar",
        "borrar",
        "cancelar",
        "examen",
        "nuevasesion",
        "adaptar",
        "sesiones",
        "resultados",
        "exportar",
        "cerrar",
        "detenerquiz",
        "unirse",
        "unirme",
    }
)


class Engine:
    """The bot's brain. Build it once; call :meth:`handle` for every incoming event."""

    def __init__(
        self,
        kb: KnowledgeBase,
        store: Store,
        settings: Settings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        signals: ScamData | None = None,
    ) -> None:
        self.kb = kb
        # topics that make sense posted in another chat (inline mode, "send to a friend"), in
        # the topic menu's order
        self._shareable = tuple(dict.fromkeys(i for g in kb.topics if g.shareable for i in g.intents))
        self._topic_ids = frozenset(self._shareable)
        # a shareable topic's title, folded, as the share button types it: (topic, title's language);
        # a title the same in both languages keeps the first language listed
        self._topic_titles: dict[str, tuple[str, str]] = {}
        for iid in sorted(self._topic_ids):
            for t_lang, title in kb.answers[iid].title.items():
                self._topic_titles.setdefault(fold(title), (iid, t_lang))
        self.store = store
        self.settings = settings or Settings()
        self.bot_username = self.settings.bot_username
        self.lexicon = Lexicon(kb.lexicon)
        # Loads the stored model for this data; trains it first (with a notice) when missing or stale.
        self.matcher = Matcher.for_knowledge(kb, self.settings.match, self.lexicon, self.settings.model_dir)
        samples: dict[str, list[str]] = {lang: [] for lang in LANGS}
        for intent in kb.intents.values():
            for lang, pats in intent.patterns.items():
                samples[lang].extend(pats)
        for lang, pats in kb.out_of_scope.items():
            samples[lang].extend(pats)
        for lang, table in kb.lexicon.items():
            samples.setdefault(lang, []).extend(table)
        # Built once per data hash and kept in MODEL_DIR (building folds every pattern).
        self.language = language_for(samples, self.settings.model_dir, self.matcher.model.data_hash)
        # The message checker's data: given by the CLI (loaded from --content and validated at
        # start-up), else the project's own content/scam_signals.yaml and content/scam_examples/.
        # Its scam model is loaded from MODEL_DIR, or trained (about a second) when missing.
        self.checker = ScamChecker(signals if signals is not None else _default_signals())
        if self.checker.data.examples_dir is not None:
            self.checker.model = ensure_scam_model(
                self.checker.data.examples_dir, self.checker.fold, NORMALIZER_VERSION, self.settings.model_dir
            )
        self._clock = clock
        self._flood_lock = threading.Lock()  # channels may call handle() from worker threads
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._flood_noticed: dict[str, float] = {}
        # Imported here: the country flow uses the engine's own helpers (answers, preferences).
        from .countries import CountryFlow

        self.country = CountryFlow(self)
        tools = Toolkit(
            kb=kb,
            store=store,
            text=self.text,
            deep_link=self.deep_link,
            bot_username=lambda: self.bot_username,
            stale=self.stale,
            own_language=lambda incoming: self.preferred(incoming, own=True),
            clock=self.clock,
            group_quiz_seconds=self.settings.group_quiz_seconds,
        )
        self.quiz = QuizFlow(tools)
        self.sessions = TrainerSessions(tools, self.quiz)
        self.live = LiveViews(store, self.sessions, self.settings.live_view_max_seconds)
        self.admin = AdminCommands(
            tools,
            admin_ids=self.settings.admin_ids,
            retention_days=self.settings.retention_days,
            best_guess=self.best_guess,
        )

    # -- language ---------------------------------------------------------------------------
    def detect(self, text: str, incoming: Incoming, prefs: UserPrefs | None = None) -> tuple[str, bool]:
        """Language of ``text`` and whether the text itself decided it (vs. a fallback)."""
        prefs = prefs or self.store.get_prefs(incoming.user_id)
        det = self.language.detect(text)
        s = self.settings.match
        needed = s.lang_pinned_confidence if prefs.pinned else s.lang_min_confidence
        if det.confidence >= needed:
            return det.lang, True
        return self.preferred(incoming, prefs), False

    def preferred(self, incoming: Incoming, prefs: UserPrefs | None = None, *, own: bool = False) -> str:
        """In a group, the language its admin chose (unless ``own``); then the user's stored
        preference, then Telegram's ``language_code``, then English."""
        if incoming.in_group and not own:
            chat_lang = self.store.chat_lang(incoming.chat)
            if chat_lang in LANGS:
                return chat_lang
        prefs = prefs or self.store.get_prefs(incoming.user_id)
        if prefs.lang in LANGS:
            return prefs.lang
        code = (incoming.language_code or "").lower()[:2]
        return code if code in LANGS else "en"

    def _command_language(self, incoming: Incoming, command: str) -> str:
        """The language to answer a command in: Spanish for a Spanish command name, unless the
        user chose a language or the group has one; otherwise :meth:`preferred`."""
        if command not in SPANISH_COMMANDS:
            return self.preferred(incoming)
        if incoming.in_group:
            chat_lang = self.store.chat_lang(incoming.chat)
            if chat_lang in LANGS:
                return chat_lang
        prefs = self.store.get_prefs(incoming.user_id)
        return prefs.lang if prefs.pinned and prefs.lang in LANGS else "es"

    def clock(self) -> float:
        """The engine's monotonic clock (injectable in tests)."""
        return self._clock()

    def text(self, key: str, lang: str, **values: object) -> str:
        return self.kb.text(key, lang, **values)

    def deep_link(self, payload: str) -> str:
        """``https://t.me/<bot>?start=<payload>``: the link ``/start <payload>`` answers."""
        return f"https://t.me/{self.bot_username}?start={payload}"

    def quiz_ids(self) -> str:
        """The quiz ids as inline code, for usage hints."""
        return ", ".join(f"`{q}`" for q in self.kb.quizzes)

    # -- entry point ------------------------------------------------------------------------
    def handle(self, incoming: Incoming) -> list[Reply]:
        """Answer one incoming event. Never raises for anything a user can send."""
        incoming = _sanitized(incoming)
        if incoming.event:
            return self._on_chat_event(incoming)
        if incoming.poll_answer is not None:
            return self.quiz.group_vote(incoming)
        # Flood protection counts typed messages and, with a higher allowance (a quick quiz
        # taker presses many buttons), button presses.
        if self._flooded(incoming):
            with self._flood_lock:
                if incoming.user_id in self._flood_noticed:
                    return []
                self._flood_noticed[incoming.user_id] = self._clock()
            lang = self.preferred(incoming)
            return [Reply(self.text("flood_notice", lang), lang)]
        if incoming.payload is not None:
            return self._on_payload(incoming)
        text = (incoming.text or "").strip()
        if not text:
            lang = self.preferred(incoming)
            key = "non_text" if incoming.text is None else "empty_message"
            return [Reply(self.text(key, lang), lang, (self.menu_choice(lang),))]
        if incoming.forwarded:  # someone passed on a message they got: check it for scam signs
            return self.check(incoming, text, self.preferred(incoming))
        if text.startswith("/"):
            return self._on_command(incoming, text)
        return self._on_text(incoming, text)

    def _flooded(self, incoming: Incoming) -> bool:
        with self._flood_lock:
            return self._flooded_locked(incoming)

    def _flooded_locked(self, incoming: Incoming) -> bool:
        now = self._clock()
        window = self.settings.flood_window
        pressed = incoming.payload is not None
        key = f"{incoming.user_id}\x00press" if pressed else incoming.user_id
        limit = self.settings.flood_presses if pressed else self.settings.flood_messages
        recent = self._recent[key]
        while recent and now - recent[0] > window:
            recent.popleft()
        noticed = self._flood_noticed.get(incoming.user_id)
        if noticed is not None and now - noticed > window:
            del self._flood_noticed[incoming.user_id]
        recent.append(now)
        if len(self._recent) > 10_000:  # keep memory bounded under many users
            for uid in [u for u, q in self._recent.items() if not q or now - q[-1] > window]:
                del self._recent[uid]
        return len(recent) > limit

    # -- free text --------------------------------------------------------------------------
    def _on_text(self, incoming: Incoming, text: str) -> list[Reply]:
        folded = fold(text)
        if folded in LANGUAGE_WORDS:
            return self.set_language(incoming, LANGUAGE_WORDS[folded])
        if self.sessions.is_join_text(text):  # a trainee typed a session's PIN or code
            joined = self.sessions.join_typed(incoming, text, self.preferred(incoming))
            if joined is not None:
                return joined
        prefs = self.store.get_prefs(incoming.user_id)  # one read per message
        # "Is this real? <pasted message>", a bare link, or "is this real?" replying to a message:
        # the message checker, before anything is matched (or logged as unanswered).
        asked = self.checker.pasted(text)
        if asked is not None or self.checker.mostly_link(text):
            return self.check(incoming, text, asked or self.preferred(incoming, prefs), prefs)
        if incoming.reply_to_text and (asked := self.checker.asks(text)) is not None:
            return self.check(incoming, incoming.reply_to_text, asked, prefs)
        lang, decided = self.detect(text, incoming, prefs)
        if decided and not prefs.pinned and prefs.lang != lang:
            self.store.set_lang(incoming.user_id, lang, pinned=False)
        self.store.count(f"messages.{lang}")
        match = self.matcher.match(text, lang)
        # "vivo en Monterrey", "im in texas": the message says where the user is.
        prefs, noted, only_place = self.country.from_message(incoming, text, prefs, lang)
        if only_place:  # "estoy en cdmx": nothing else to answer
            return noted
        findings = self.checker.findings(text) if match.intent is None else []
        if len(findings) >= PASTED_SIGNS:
            # Not a question we know but a message full of scam signs (pasted without asking):
            # show the signs, and keep it out of the unanswered log like every checked message.
            return noted + self.check(incoming, text, lang, prefs, findings)
        replies = self.reply_for_match(match, lang, text)
        if match.intent is not None:  # the answer for the user's country (and the question, once)
            replies[:1] = self.answer_for(incoming, match.intent, lang, prefs)
        hint = self.quiz.in_progress_hint(incoming, lang)
        return noted + replies + hint

    def best_guess(self, text: str, lang: str) -> tuple[str | None, float]:
        """The in-scope intent the matcher ranks first for ``text``, with its score."""
        alternatives = self.matcher.match(text, lang).alternatives
        return alternatives[0] if alternatives else (None, 0.0)

    def reply_for_match(self, match: Match, lang: str, text: str) -> list[Reply]:
        if match.intent is not None:
            self.store.count(f"answer.{match.intent}")
            if match.intent == "quiz":
                return [self.answer(match.intent, lang), *self.quiz.list_quizzes(lang)]
            replies = [self.answer(match.intent, lang)]
            # A long message (a story, a letter) often touches more than one topic: the answer
            # goes to the clear first one, the next two are one press away.
            # only real topics (a menu entry): never "thanks" or "greeting" as a next topic
            on_menu = {i for group in self.kb.topics for i in group.intents}
            more = [i for i in self.matcher.next_topics(match, text) if i in on_menu][:2]
            if more:
                buttons = tuple(
                    Choice(self.title(iid, lang), payloads.make(payloads.ANSWER, iid)) for iid in more
                )
                replies.append(Reply(self.text("also_relevant", lang), lang, buttons))
            return replies
        kind = "declined" if match.out_of_scope else "fallback"
        self.store.log_unanswered(text, lang, kind)
        self.store.count(kind)
        if match.out_of_scope:
            return [Reply(self.text("out_of_scope", lang), lang, (self.menu_choice(lang),))]
        guesses = self.matcher.suggestions(match)
        choices = [Choice(self.title(iid, lang), payloads.make(payloads.GUESS, iid)) for iid in guesses]
        choices.append(self.menu_choice(lang))
        key = "did_you_mean" if guesses else "fallback"
        return [Reply(self.text(key, lang), lang, tuple(choices))]

    # -- "is this a scam?" -------------------------------------------------------------------
    def check(
        self,
        incoming: Incoming,
        text: str,
        lang: str,
        prefs: UserPrefs | None = None,
        findings: list[Finding] | None = None,
    ) -> list[Reply]:
        """The warning signs in a message someone received (``findings``: already worked out for
        ``text``). Never stored, logged or matched."""
        prefs = prefs or self.store.get_prefs(incoming.user_id)
        # The user's country, once a stored country exists; until then (None) both countries'
        # report channels are given.
        country: str | None = getattr(prefs, "country", None)
        findings = self.checker.findings(text) if findings is None else findings
        self.store.count("checked_with_signs" if findings else "checked_without_signs")  # counts only
        checked = self.text("checked_label", lang, date=self.checker.data.checked)
        body = self.checker.render(findings, lang, country, checked)
        topics = self.checker.topics(findings) or ["smishing", "suspicious_links"]
        ids = [t for t in topics if t in self.kb.answers][:3]
        ids += [f"report_{c}" for c in report_countries(country) if f"report_{c}" in self.kb.answers]
        choices = tuple(Choice(self.title(i, lang), payloads.make(payloads.ANSWER, i)) for i in ids)
        return [Reply(body, lang, choices)]

    def check_usage(self, lang: str) -> list[Reply]:
        return [Reply(self.checker.data.reply("usage", lang), lang, (self.menu_choice(lang),))]

    # -- answers and menus ------------------------------------------------------------------
    def title(self, intent_id: str, lang: str) -> str:
        return self.kb.answers[intent_id].title[lang]

    def menu_choice(self, lang: str) -> Choice:
        return Choice(self.text("menu_button", lang), payloads.make(payloads.MENU))

    def answer_markup(self, answer: Answer, lang: str, country: str | None = None) -> str:
        """The answer for ``country`` (None: unknown), its sources and the date contacts were checked."""
        return render_answer(answer, lang, country, self.text)

    def answer(self, intent_id: str, lang: str, country: str | None = None) -> Reply:
        """An intent's answer with "More", the other country's view, related topics and quiz as choices."""
        answer = self.kb.answers[intent_id]
        intent = self.kb.intents[intent_id]
        choices: list[Choice] = []
        if answer.more:
            choices.append(Choice(self.text("more_button", lang), payloads.make(payloads.MORE, intent_id)))
        if answer.country and country in COUNTRIES:
            other = next(c for c in COUNTRIES if c != country)
            choices.append(
                Choice(
                    self.text(f"country_other_{other}", lang),
                    payloads.make(payloads.ANSWER_FOR, intent_id, other),
                )
            )
        choices += [
            Choice(self.title(rid, lang), payloads.make(payloads.ANSWER, rid)) for rid in intent.related
        ]
        if intent.quiz and intent.quiz in self.kb.quizzes:
            choices.append(
                Choice(self.text("take_quiz_button", lang), payloads.make(payloads.QUIZ_START, intent.quiz))
            )
        if intent_id in self._topic_ids and len(choices) < MAX_ANSWER_BUTTONS:
            # real topics can be posted in another chat (inline mode), when there is room
            choices.append(Choice(self.text("share_button", lang), share=answer.title[lang]))
        return Reply(self.answer_markup(answer, lang, country), lang, tuple(choices))

    def answer_for(
        self, incoming: Incoming, intent_id: str, lang: str, prefs: UserPrefs | None = None
    ) -> list[Reply]:
        """The answer for this user's country; the first time an answer differs by country and the
        country is unknown, also the question (once, two buttons)."""
        prefs = prefs or self.store.get_prefs(incoming.user_id)
        return [
            self.answer(intent_id, lang, prefs.country),
            *self.country.ask_once(incoming, intent_id, lang, prefs),
        ]

    def topics(self, lang: str) -> Reply:
        choices = tuple(Choice(g.title[lang], payloads.make(payloads.GROUP, g.id)) for g in self.kb.topics)
        return Reply(self.text("topics_intro", lang), lang, choices)

    def topic_group(self, group_id: str, lang: str) -> Reply | None:
        for group in self.kb.topics:
            if group.id == group_id:
                choices = [
                    Choice(self.title(i, lang), payloads.make(payloads.ANSWER, i)) for i in group.intents
                ]
                choices.append(self.menu_choice(lang))
                title = markup.escape(group.title[lang])
                return Reply(self.text("topic_group_intro", lang, group=title), lang, tuple(choices))
        return None

    def welcome(self, lang: str) -> Reply:
        choices = (
            self.menu_choice(lang),
            Choice(self.text("take_quiz_button", lang), payloads.make(payloads.QUIZ_LIST)),
        )
        return Reply(self.text("welcome", lang), lang, choices)

    def stale(self, lang: str) -> list[Reply]:
        return [Reply(self.text("stale_button", lang), lang, (self.menu_choice(lang),))]

    def set_language(self, incoming: Incoming, lang: str) -> list[Reply]:
        self.store.set_lang(incoming.user_id, lang, pinned=True)
        return [Reply(self.text("language_switched", lang), lang, (self.menu_choice(lang),))]

    # -- groups -----------------------------------------------------------------------------
    def _group_language(self, incoming: Incoming, wanted: str, lang: str) -> list[Reply]:
        """``/language`` in a group: its admins set the group's language (games included)."""
        if not incoming.is_admin:
            return [Reply(self.text("group_language_admins_only", lang), lang)]
        wanted = LANGUAGE_WORDS.get(wanted, wanted[:2])
        if wanted in LANGS:
            self.store.set_chat_lang(incoming.chat, wanted)
            return [Reply(self.text("group_language_set", wanted), wanted)]
        choices = tuple(
            Choice(self.kb.text("language_name", code), payloads.make(payloads.LANGUAGE, code))
            for code in LANGS
        )
        return [Reply(self.text("group_language_prompt", lang), lang, choices)]

    def _on_chat_event(self, incoming: Incoming) -> list[Reply]:
        """The bot was added to a group (say once how to play), or removed / blocked (stop)."""
        if incoming.event == BOT_ADDED and incoming.in_group:
            lang = self.preferred(incoming)
            quiz = Choice(self.text("take_quiz_button", lang), payloads.make(payloads.QUIZ_LIST))
            return [Reply(self.text("group_welcome", lang), lang, (quiz,))]
        if incoming.event == BOT_REMOVED:
            self.quiz.chat_gone(incoming.chat)
            self.live.chat_gone(incoming.chat)
        return []

    # -- commands ---------------------------------------------------------------------------
    def _on_command(self, incoming: Incoming, text: str) -> list[Reply]:
        head, *rest = text.split(maxsplit=1)
        command = head[1:].split("@", 1)[0].lower()
        lang = self._command_language(incoming, command)
        command = COMMAND_ALIASES.get(command, command)
        arg = rest[0].strip() if rest else ""
        if command == "start":
            return self._on_start(incoming, arg, lang)
        if command in {"help", "ayuda"}:
            return [self.answer("help", lang)]
        if command in {"topics", "menu", "temas"}:
            return [self.topics(lang)]
        if command in {"language", "idioma", "lang"} and incoming.in_group:
            return self._group_language(incoming, fold(arg), lang)
        if command in {"language", "idioma", "lang"}:
            wanted = LANGUAGE_WORDS.get(fold(arg), fold(arg)[:2] if arg else "")
            if wanted in LANGS:
                return self.set_language(incoming, wanted)
            choices = tuple(
                Choice(self.kb.text("language_name", code), payloads.make(payloads.LANGUAGE, code))
                for code in LANGS
            )
            return [Reply(self.text("language_prompt", lang), lang, choices)]
        if command in {"check", "revisar", "checar", "verificar"}:
            target = arg or (incoming.reply_to_text or "").strip()
            return self.check(incoming, target, lang) if target else self.check_usage(lang)
        if command in {"country", "pais", "país"}:
            return self.country.on_command(incoming, arg, lang)
        if command in {"privacy", "privacidad"}:
            return [self.answer("bot_privacy", lang)]
        if command in {"forget", "olvidar", "borrar"}:
            choices = (
                Choice(self.text("forget_yes", lang), payloads.make(payloads.FORGET, "y")),
                Choice(self.text("forget_no", lang), payloads.make(payloads.FORGET, "n")),
            )
            return [Reply(self.text("forget_confirm", lang), lang, choices)]
        if command in {"cancel", "cancelar"}:
            if self.store.active_attempt(incoming.user_id) is None:
                return [Reply(self.text("cancel_nothing", lang), lang, (self.menu_choice(lang),))]
            self.store.deactivate_attempts(incoming.user_id)
            return [Reply(self.text("cancelled", lang), lang, (self.menu_choice(lang),))]
        if command in {"quiz", "examen"}:
            return self.quiz.on_command(incoming, arg, lang)
        if command == "stopquiz":
            return self.quiz.stop_group(incoming, lang)
        if command in {"newsession", "adapt", "sessions", "results", "export", "close"}:
            return self.sessions.on_command(incoming, command, arg, lang)
        if command in {"join", "unirse", "unirme"}:
            return self.sessions.on_command(incoming, "join", arg, lang)
        if command in ADMIN_COMMANDS and self.admin.allowed(incoming):
            return self.admin.on_command(command, lang)
        return [Reply(self.text("unknown_command", lang), lang, (self.menu_choice(lang),))]

    def _on_start(self, incoming: Incoming, arg: str, lang: str) -> list[Reply]:
        if arg.startswith(payloads.TOPIC_LINK):
            iid = arg[len(payloads.TOPIC_LINK) :]
            if iid in self.kb.intents:
                return self.answer_for(incoming, iid, lang)
        elif arg.startswith(payloads.QUIZ_LINK):
            qid = arg[len(payloads.QUIZ_LINK) :]
            if qid in self.kb.quizzes and incoming.in_group:  # "Play in a group" (?startgroup=)
                return self.quiz.start_group(incoming, qid, lang)
            if qid in self.kb.quizzes:
                return self.quiz.start(incoming, qid, lang)
        elif arg.startswith(payloads.SESSION_LINK) and not incoming.in_group:
            replies = self.sessions.on_link(incoming, arg[len(payloads.SESSION_LINK) :], lang)
            if replies:
                return replies
        return [self.welcome(lang), *self.quiz.in_progress_hint(incoming, lang)]

    # -- buttons ----------------------------------------------------------------------------
    def _on_payload(self, incoming: Incoming) -> list[Reply]:
        lang = self.preferred(incoming)
        p = payloads.parse(incoming.payload)
        if p is not None and p.kind == payloads.ANSWER and p.args[0] in self.kb.intents:
            return self.answer_for(incoming, p.args[0], lang)  # the user's country view
        if p is None:
            return self.stale(lang)
        if p.kind in {payloads.ANSWER, payloads.GUESS}:
            if p.args[0] not in self.kb.intents:
                return self.stale(lang)
            if p.kind == payloads.GUESS:
                self.store.count(f"guess_taken.{p.args[0]}")
            return [self.answer(p.args[0], lang)]
        if p.kind == payloads.MENU:
            return [self.topics(lang)]
        if p.kind == payloads.MORE:
            more = self.kb.answers[p.args[0]].more if p.args[0] in self.kb.answers else None
            if more is None:
                return self.stale(lang)
            return [Reply(more[lang].strip(), lang, (self.menu_choice(lang),))]
        if p.kind in {payloads.COUNTRY, payloads.ANSWER_FOR}:
            return self.country.on_payload(incoming, p, lang)
        if p.kind == payloads.GROUP:
            reply = self.topic_group(p.args[0], lang)
            return [reply] if reply else self.stale(lang)
        if p.kind == payloads.LANGUAGE and incoming.in_group:
            return self._group_language(incoming, p.args[0], lang)
        if p.kind == payloads.LANGUAGE:
            return self.set_language(incoming, p.args[0])
        if p.kind == payloads.FORGET:
            if p.args[0] == "y":
                self.store.forget_user(incoming.user_id)
                return [Reply(self.text("forget_done", lang), lang)]
            return [Reply(self.text("forget_cancelled", lang), lang, (self.menu_choice(lang),))]
        if p.kind in {payloads.QUIZ_LIST, payloads.QUIZ_START, payloads.QUIZ_ANSWER, payloads.QUIZ_NEXT}:
            return self.quiz.on_payload(incoming, p, lang)
        if p.kind == payloads.SESSION_JOIN:
            return self.sessions.on_join(incoming, p.args[0], lang)
        if p.kind in {
            payloads.SESSION_NEW,
            payloads.SESSION_ADAPT,
            payloads.SESSION_RESULTS,
            payloads.SESSION_EXPORT,
            payloads.SESSION_CLOSE,
        }:
            return self.sessions.on_payload(incoming, p, lang)
        return self.stale(lang)  # pragma: no cover - every parsed kind is handled above

    # -- scheduled work (channels call these; nothing here waits or sleeps) ------------------
    def poll_sent(self, chat_id: str, position: int, poll_id: str, thread_id: int | None = None) -> None:
        """A channel sent a live game's poll (into forum topic ``thread_id``): remember its id, so
        votes can be scored, and its topic, so the game stays there after a restart."""
        self.quiz.poll_sent(chat_id, position, poll_id, thread_id)

    def poll_time_up(self, chat_id: str, position: int) -> list[Reply]:
        """A live game's question ``position`` timed out: the next poll, or the leaderboard."""
        return self.quiz.group_next(chat_id, position)

    def game_failed(self, chat_id: str) -> list[Reply]:
        """A live game's timer failed: end the game (a stuck game would block /quiz in that chat
        forever) and tell the group, in the game's language, if there was a game."""
        game = self.store.group_game(chat_id)
        self.store.end_group_game(chat_id)
        if game is None:
            return []
        lang = game.lang if game.lang in LANGS else "en"
        return [Reply(self.text("group_quiz_failed", lang), lang)]

    def games_to_resume(self) -> list[tuple[str, int, int | None]]:
        """``(chat_id, position, thread_id)`` of live games a restarted channel must time again
        (``thread_id``: the forum topic the game plays in, or None)."""
        return self.quiz.active_group_games()

    def live_view_started(
        self, token: str, chat_id: str, message_id: int
    ) -> tuple[str, list[LiveUpdate]] | None:
        """A channel sent a reply with ``live`` = ``token`` as ``message_id``: keep it up to date.
        Returns the key to pass to :meth:`live_view`, and the last state to show once on the
        earlier live message it replaces, if any; None when there is nothing to keep live."""
        return self.live.started(token, chat_id, message_id)

    def live_view(self, key: str) -> LiveUpdate | None:
        """What a live message should show now (``reply`` None: unchanged, don't edit); None when
        the view has ended: stop asking. See :mod:`cyberhygiene.live`."""
        return self.live.tick(key)

    def live_view_shown(self, update: LiveUpdate) -> None:
        """The channel showed ``update`` (an edit, or Telegram said nothing changed)."""
        self.live.shown(update)

    def live_view_failed(self, key: str, message_id: int) -> None:
        """The live message can't be edited any more (deleted, or the chat is gone)."""
        self.live.failed(key, message_id)

    def live_views_to_resume(self) -> list[str]:
        """Keys of the live views a restarted channel must keep asking about."""
        return self.live.to_resume()

    def purge(self) -> int:
        """Apply the retention period; the number of records deleted."""
        return self.store.purge(self.settings.retention_days)

    # -- inline mode ------------------------------------------------------------------------
    def inline(self, query: str, language_code: str | None, user_id: str = "") -> list[InlineResult]:
        """Topics matching ``query`` to share from any chat (``@bot words``)."""
        incoming = Incoming(user_id=user_id or "inline", language_code=language_code)
        query = query.strip()[:256]
        if query:
            # the words decide the language; otherwise the preference, language_code, English
            lang, _ = self.detect(query, incoming)
            ranked, _ = self.matcher.ranked(query, lang)
            floor = self.settings.match.suggest_floor
            # only real topics (those of the topic menu): no quiz, help or greeting, whose
            # answers speak to the bot's own user and make no sense posted in another chat
            topics = self._topic_ids
            ids = [i for i, s in ranked if s >= floor and i in topics]
            # a topic's own title (what the share button types) puts that topic first, in the
            # title's language
            titled = self._topic_titles.get(fold(query))
            if titled is not None:
                iid, lang = titled
                ids = [iid, *(i for i in ids if i != iid)]
            ids = ids[:5]
        else:
            lang = self.preferred(incoming)
            ids = list(self._shareable[:8])
        results = []
        for iid in ids:
            answer = self.kb.answers[iid]
            first = markup.to_plain(answer.text[lang]).strip().split("\n")[0]
            results.append(
                InlineResult(
                    iid,
                    answer.title[lang],
                    first[:120],
                    self.answer_markup(answer, lang),
                    lang,
                    link=self.deep_link(payloads.TOPIC_LINK + iid),
                    link_label=self.text("inline_open_topic", lang),
                )
            )
        return results

    def inline_answer(
        self, query: str, language_code: str | None, user_id: str = ""
    ) -> tuple[list[InlineResult], str]:
        """:meth:`inline` results, and the label of the "Open the bot" button shown above them."""
        results = self.inline(query, language_code, user_id)
        lang = (
            results[0].lang
            if results
            else self.preferred(Incoming(user_id or "inline", language_code=language_code))
        )
        return results, self.text("inline_open_bot", lang)


def _clean(text: str) -> str:
    """Replace lone surrogates (possible from a console in a C locale) so SQLite can store it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _sanitized(incoming: Incoming) -> Incoming:
    def opt(value: str | None) -> str | None:
        return None if value is None else _clean(value)

    return dataclasses.replace(
        incoming,
        user_id=_clean(incoming.user_id),
        text=opt(incoming.text),
        reply_to_text=opt(incoming.reply_to_text),
        payload=opt(incoming.payload),
        chat_id=opt(incoming.chat_id),
        first_name=_clean(incoming.first_name),
        username=_clean(incoming.username),
    )


@lru_cache(maxsize=1)
def _default_signals() -> ScamData:
    """The project's own signals file and scam examples, loaded once per process."""
    data, problems = load_with_examples(DEFAULT_CONTENT_DIR)
    if data is None:
        raise ValueError("\n".join(str(p) for p in problems))
    return data
