""" "Is this a scam?": find the warning signs in a message someone received.

Transport-free and stateless: :meth:`ScamChecker.findings` reads a text and returns the signs it
shows, each with the part of the message that shows it; :meth:`ScamChecker.render` turns them into
the bot's reply. What to look for and every sentence said live in ``content/scam_signals.yaml``
(:mod:`cyberhygiene.signals_data`). Nothing here stores, logs or looks anything up: the checked
text lives only as long as the call.

Text is matched after the same normalization as everywhere else (:func:`normalize.fold`), plus two
undoings of filter-dodging spellings: digits and symbols standing for letters inside words
("c0d1go", "cuent@") and spaced-out letters ("U S P S"). Each normalized word remembers where it
came from, so a sign can quote the original words. Links are read from the raw text after undoing
"defanged" spellings (``hxxp``, ``[.]``, ``(.)``, ``example . com``).
"""

from __future__ import annotations

import bisect
import ipaddress
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from . import markup
from .model import Model
from .prefilter import text_keys, word_keys
from .scam_examples import SCAM
from .signals_data import Brand, ScamData, Signal

QUOTE_MAX = 90  # characters of the message quoted per sign
MAX_LINES = 5  # signs listed (the reply must fit a phone screen); the rest are counted
MANY_SUBDOMAINS = 3
MAX_TEXT = 4096  # longer input is cut: Telegram messages are at most 4096 characters
LOOKALIKE_RATIO = 85.0  # rapidfuzz ratio from which a domain name imitates a brand's
ASK_SENTENCE_WORDS = 10  # "is this real?" stays a short sentence of its own
MOSTLY_LINK_WORDS = 3  # a message with a link and at most this many other words is "mostly a link"
PASTED_WORDS = 5  # words beside the question that make it a pasted message

# Words before a match that turn it around ("we will never ask for your PIN").
_NEGATION = re.compile(
    r"\b(never|nunca|jamas|nadie|no one|nobody|won t|will not|would never|do not share|don t share|"
    r"dont share|do not give|don t give|not ask|no (lo |la |los |las |le )?(compartas|des|proporciones)|"
    r"no (te|le|les|se) (pedira\w*|pedimos|pediremos|solicita\w*|pide|pediran|enviara\w*)|"
    # a code the message itself gives: "use 123456 to verify your account"
    r"(use|usa|utiliza|ingresa)( the| this| your| el| este| tu)?( code| codigo)? \d{3,8} (to|para)|"
    r"\d{3,8} (is your|es tu) (\w+ ){0,3}(code|codigo))\b"
    r"(?:(?! (but|pero|sin embargo) ).){0,40}$"
)
_CHANNEL = re.compile(r"\b(por|via|on|en|in|through|by|to|al|a|con)\s$")
# A negation word right before a match ("don't share this code", "no compartas").
_NEGATED_HERE = re.compile(r"\b(don t|do not|dont|never|nunca|jamas|no|not|ni)\s*$")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
_DOMAIN_LEET = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})
_UNITS = frozenset(
    [
        "h",
        "hr",
        "hrs",
        "min",
        "mins",
        "am",
        "pm",
        "st",
        "nd",
        "rd",
        "th",
        "k",
        "x",
        "gb",
        "mb",
        "kg",
        "km",
        "usd",
        "mxn",
        "dls",
        "pesos",
        "hs",
        "seg",
        "s",
        "m",
    ]
)
_DEFANG = re.compile(
    r"\s?(?:\[\s?\.\s?\]|\(\s?\.\s?\)|\{\s?\.\s?\}|\[dot\]|\(dot\)|\[punto\]|\(punto\))\s?", re.I
)
# A label that imitates a familiar ending: "com-tollservices" in sunpass.com-tollservices.icu.
_FAKE_ENDING_LABEL = re.compile(r"(?:com|net|org|gov|gob|edu)-[a-z0-9]")
_ENDING_WORDS = frozenset({"com", "net", "org", "gov", "gob", "edu"})
# An invitation to a private Telegram group or channel.
_INVITE = re.compile(r"(?i)(?:^|[/.])(?:t|telegram)\.me/(?:\+|joinchat/)")
_HXXP = re.compile(r"\bh(?:xx|\*\*|tt)p(s?)(?:\[:\]|:)//", re.I)
_EDGE = "()[]{}<>\"'“”‘’«».,;:!?¡¿*_~|"
_WORD_SPLIT = re.compile(r"[-_.\d]+")
# Letters from other alphabets that look like Latin ones (a few of Unicode's confusables).
_CONFUSABLE = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
        "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ո": "n", "ս": "u", "ⅼ": "l",
        "ο": "o", "α": "a", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "ρ": "p", "ε": "e", "ı": "i",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One warning sign: which signal, the quoted part of the message, and values for its line."""

    signal: str
    quote: str
    values: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Link:
    raw: str  # as written (after undoing defanged spellings)
    host: str  # lower case, Unicode
    ascii_host: str  # punycode form
    scheme: str  # "http", "https" or "" when none was written
    userinfo: bool
    email: bool


@dataclass
class _Text:
    """The message's words, normalized, each with its span in the original text."""

    folded: str
    starts: list[int]  # start of each word in ``folded``
    spans: list[tuple[int, int]]  # span of each word in the original text
    original: str
    keys: frozenset[str] = frozenset()  # beginnings of its words (see prefilter.py)

    def quote(self, start: int, end: int) -> str:
        """The original words behind ``folded[start:end]``."""
        if not self.spans:
            return ""
        first = max(0, bisect.bisect_right(self.starts, start) - 1)
        last = max(first, bisect.bisect_left(self.starts, end) - 1)
        return _trim(self.original[self.spans[first][0] : self.spans[last][1]])


def _trim(text: str) -> str:
    text = " ".join(text.split()).strip(_EDGE + " ")
    if len(text) > QUOTE_MAX:
        text = text[: QUOTE_MAX - 1].rstrip() + "…"
    return text


@lru_cache(maxsize=4096)
def _fold_token(token: str) -> tuple[str, ...]:
    from .normalize import fold

    return tuple(fold(_unleet(token)).split())


def _unleet(token: str) -> str:
    """Undo digits and symbols standing for letters inside a word ("c0d1go" → "codigo")."""
    core = token.strip(_EDGE)
    letters = sum(ch.isalpha() for ch in core)
    tricks = sum(ch in "013457@$!" for ch in core)
    if letters < 2 or not tricks or "://" in core or "." in core.strip("."):
        return token
    m = re.fullmatch(r"(\d+)([a-z]+)|([a-z]+)(\d+)", core.lower())
    if m is not None:
        digits, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if len(digits) > 1 or unit in _UNITS:
            return token  # "24hrs", "5min", "iphone15": a number with its unit
    if re.fullmatch(r"[$]\d[\d.,]*\w*", core) or re.fullmatch(r"\d[\d.,]*", core):
        return token  # money and plain numbers
    return token.translate(_LEET) if any(ch.isalpha() for ch in core) else token


MODEL_QUOTES = 3  # words quoted for the scam model's sign
MODEL_QUOTE_MAX_SHARE = 0.05  # ... never words found in more than this share of the examples
_COMMON_IDF = 1 + math.log(1 / MODEL_QUOTE_MAX_SHARE)  # scikit-learn's smooth idf at that share
# Bump when the normalization below changes: the scam model, trained on normalized examples, is
# then retrained (its file's hash includes this).
NORMALIZER_VERSION = "1"


class ScamChecker:
    """Finds warning signs in a message. Build once (compiles the data); call from any thread."""

    def __init__(self, data: ScamData, model: Model | None = None) -> None:
        self.data = data
        # The scam model (scam_examples.py): the last sign, for messages no written sign fits.
        self.model = model
        self._text_signals = [s for s in data.signals.values() if s.patterns]
        names: dict[str, Brand] = {}
        for brand in data.brands:
            for name in brand.names:
                names.setdefault(name, brand)
        self._brand_by_name = names
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        self._brand_re = re.compile(rf"\b(?:{alternatives})\b") if names else None
        self._domain_words: list[tuple[str, Brand]] = []
        for brand in data.brands:
            words = {n.replace(" ", "") for n in brand.names} | set(brand.domain_words)
            words |= {d.split(".")[0] for d in brand.domains if "." in d}
            for word in sorted(words, key=len, reverse=True):
                if len(word) >= 3:
                    self._domain_words.append((word, brand))
        self._domain_words.sort(key=lambda wb: -len(wb[0]))
        self._brand_labels: dict[str, Brand] = {}
        for brand in data.brands:
            for d in brand.domains:
                label = d.split(".")[0]
                if "." in d and len(label) >= 5:
                    self._brand_labels.setdefault(label, brand)
        # "bbva-mx . com": a space around the dot, before one of the common endings written in
        # lower case (a sentence that ends before "Is this real?" must not become a link).
        # "sunpass .com-tollservices .icu": the ending may carry a dash and more after it.
        self._spaced_dot = re.compile(
            r"(?<=[a-z0-9])(?: \. ?|\. )(?=(?:com|net|org|info|mx|xyz|top|online|site|shop|co|us|gov|gob"
            r"|icu|vip|click|cc|ru)(?:-[a-z0-9-]+)?(?:\.mx)?(?:[\s/]|$))"
        )

    # -- links ------------------------------------------------------------------------------
    def links(self, text: str) -> list[Link]:
        """Web addresses (and e-mail addresses) in ``text``, defanged spellings undone."""
        clean = self._undefang(text)
        found: list[Link] = []
        for token in clean.split():
            link = self._link(token)
            if link is not None:
                found.append(link)
        return found

    def _undefang(self, text: str) -> str:
        text = _DEFANG.sub(".", text)
        text = _HXXP.sub(lambda m: f"http{m.group(1).lower()}://", text)
        return self._spaced_dot.sub(".", text)

    def _link(self, token: str) -> Link | None:
        raw = token.strip(_EDGE)
        if len(raw) < 4 or "." not in raw:
            return None
        lower = raw.lower()
        scheme = ""
        email = False
        if lower.startswith(("http://", "https://")):
            scheme = lower.split(":", 1)[0]
            rest = raw.split("://", 1)[1]
        else:
            rest = raw
        netloc = re.split(r"[/?#\\]", rest, maxsplit=1)[0]
        userinfo = False
        if "@" in netloc:
            user, _, host_part = netloc.rpartition("@")
            if scheme or self._looks_like_host(user.split(":")[0]):
                userinfo = True
            elif rest == netloc:
                email = True  # name@example.com: an e-mail address
            else:
                return None
            netloc = host_part
        host = netloc.rsplit(":", 1)[0] if re.search(r":\d{1,5}$", netloc) else netloc
        host = host.strip(".").lower()
        if not host or ".." in host:
            return None
        if _is_ip(host):
            if not (scheme or rest != netloc or ":" in netloc):
                return None  # "version 1.2.3.4" is not a link; with a path, scheme or port it is
        elif (not scheme and not email and not self._looks_like_host(host)) or (scheme and "." not in host):
            return None
        try:
            ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
        except UnicodeError:
            ascii_host = host
        try:
            unicode_host = ".".join(_from_punycode(label) for label in host.split("."))
        except UnicodeError:
            unicode_host = host
        return Link(raw, unicode_host, ascii_host, scheme, userinfo, email)

    def _looks_like_host(self, text: str) -> bool:
        labels = text.lower().split(".")
        if len(labels) < 2 or not all(labels):
            return False
        if not all(re.fullmatch(r"[\w-]{1,63}", label) for label in labels):
            return False
        return labels[-1] in self.data.link_tlds or labels[-1].startswith("xn--")

    def registered(self, host: str) -> str:
        """The part of ``host`` someone registered: ``a.b.example.com.mx`` → ``example.com.mx``."""
        labels = host.split(".")
        if len(labels) >= 3 and ".".join(labels[-2:]) in self.data.public_suffixes:
            return ".".join(labels[-3:])
        if len(labels) >= 4 and ".".join(labels[-3:]) in self.data.public_suffixes:
            return ".".join(labels[-4:])
        return ".".join(labels[-2:])

    def fake_ending(self, host: str) -> str | None:
        """The real ending of an address dressed up with a familiar one, or None.

        ``sunpass.com-tollservices.icu`` (registered ``com-tollservices.icu``: a label that starts
        with "com-") and ``steamcommunity.com.ru`` ("com" in the middle, before an ending that is
        not one of the public suffixes people register under, such as ``com.mx``).
        """
        labels = host.split(".")
        reg = self.registered(host)
        # what to show: the registered domain, unless that is itself only an ending ("com.ru")
        shown = reg if reg.split(".")[0] not in _ENDING_WORDS else None
        for i in range(1, len(labels)):
            if _FAKE_ENDING_LABEL.match(labels[i]):
                return shown or ".".join(labels[i - 1 :])
            if (
                i < len(labels) - 1
                and labels[i] in _ENDING_WORDS
                and labels[i - 1] != "www"
                and ".".join(labels[i:]) not in self.data.public_suffixes
            ):
                return shown or ".".join(labels[i - 1 :])
        return None

    def official(self, host: str) -> list[Brand]:
        """Brands whose official domain ``host`` is (or is under)."""
        return [b for b in self.data.brands if any(host == d or host.endswith("." + d) for d in b.domains)]

    def _brand_in(self, host: str) -> Brand | None:
        """A brand named in ``host`` outside its registered ending (``usps-redelivery.info``)."""
        reg = self.registered(host)
        suffix_labels = len(reg.split(".")) - 1
        labels = host.split(".")[: len(host.split(".")) - suffix_labels]
        # Leftmost first: in "sat-gob-mx.com" the site pretends to be the SAT.
        for label in labels:
            brand = self._brand_in_label(label)
            if brand is not None:
                return brand
        return None

    def _brand_in_mailbox(self, user: str) -> Brand | None:
        """A brand named as a whole word of an e-mail user name ("zelle-payments-support"); one
        of three letters or fewer ("irs") only next to a word like "support" or "refunds"."""
        parts = [p for p in re.split(r"[^a-z0-9]+", user.lower()) if p]
        role = any(p in self.data.free_mail_roles for p in parts)
        for word, brand in self._domain_words:
            if word in parts and (len(word) >= 4 or role):
                return brand
        return None

    def _brand_in_label(self, label: str) -> Brand | None:
        """A brand named in one piece of an address (a host label, or an e-mail's user name)."""
        parts = [p for p in _WORD_SPLIT.split(label) if p] + [label.replace("-", "")]
        for part in parts:
            for word, brand in self._domain_words:
                if (
                    part == word
                    or (len(word) >= 4 and part.startswith(word))
                    or (len(word) >= 6 and word in part)
                ):
                    return brand
        return None

    def _swapped(self, host: str) -> Brand | None:
        """A brand whose domain ``host`` imitates with swapped characters (paypa1, arnazon)."""
        reg = self.registered(host)
        label = reg.split(".")[0]
        swapped = label.translate(_DOMAIN_LEET).replace("rn", "m").replace("vv", "w")
        if swapped == label:
            return None
        swapped_host = host.replace(label, swapped)
        brands = self.official(self.registered(swapped_host))
        if brands:
            return brands[0]
        if self._brand_in(host) is None:
            return self._brand_in(swapped_host)
        return None

    def _misspelled(self, host: str) -> Brand | None:
        """A brand whose domain name ``host``'s is one typo away from (paypall, amazn)."""
        label = self.registered(host).split(".")[0]
        if len(label) < 5 or not self._brand_labels:
            return None
        best = process.extractOne(
            label, list(self._brand_labels), scorer=fuzz.ratio, score_cutoff=LOOKALIKE_RATIO
        )
        if best is None or best[0] == label:
            return None
        return self._brand_labels[best[0]]

    def link_findings(self, text: str, named: Iterable[Brand] = ()) -> list[Finding]:
        found: list[Finding] = []
        named = list(named)
        not_official_done = False
        for link in self.links(text):
            host = link.host
            reg = self.registered(link.ascii_host)
            shown = _display_official
            base = {"link": link.raw, "domain": reg}
            official = self.official(host)
            if not link.host.isascii() or any(lbl.startswith("xn--") for lbl in link.ascii_host.split(".")):
                found.append(Finding("link_confusable", link.raw, base))
            if link.userinfo:
                found.append(Finding("link_userinfo", link.raw, {**base, "domain": link.ascii_host}))
            if _is_ip(host):
                found.append(Finding("link_ip", link.raw, base))
            if link.scheme == "http":
                found.append(Finding("link_http", link.raw, base))
            if _INVITE.search(link.raw):
                found.append(Finding("link_invite", link.raw, base))
            if link.email and reg in self.data.free_mail:
                brand = self._brand_in_mailbox(link.raw.rpartition("@")[0])
                if brand is not None:
                    found.append(
                        Finding(
                            "link_free_mail", link.raw, {**base, "name": brand.name, "official": shown(brand)}
                        )
                    )
                continue
            if official:
                continue
            fake = self.fake_ending(link.ascii_host)
            if fake is not None:
                found.append(Finding("link_fake_ending", link.raw, {**base, "domain": fake}))
            if reg in self.data.shorteners or host in self.data.shorteners:
                found.append(Finding("link_shortener", link.raw, base))
                continue
            if _is_ip(host):
                continue
            skeleton = host.translate(_CONFUSABLE)
            skeleton = "".join(
                ch for ch in unicodedata.normalize("NFKD", skeleton) if not unicodedata.combining(ch)
            )
            lookalike = self._swapped(skeleton)
            brand = None if lookalike else self._brand_in(skeleton)
            if lookalike is None and brand is None:
                lookalike = self._misspelled(skeleton)
            if lookalike is not None:
                found.append(Finding("link_lookalike", link.raw, {**base, "official": shown(lookalike)}))
            elif brand is not None:
                found.append(
                    Finding("link_brand", link.raw, {**base, "name": brand.name, "official": shown(brand)})
                )
            elif named and not not_official_done and not link.email:
                brand = named[0]
                found.append(
                    Finding(
                        "link_not_official", link.raw, {**base, "name": brand.name, "official": shown(brand)}
                    )
                )
                not_official_done = True
            labels = host.split(".")
            if len(labels) - len(reg.split(".")) >= MANY_SUBDOMAINS:
                found.append(Finding("link_subdomains", link.raw, base))
        return found

    # -- text -------------------------------------------------------------------------------
    def _normalized(self, text: str) -> _Text:
        clean = self._undefang(text)
        words: list[str] = []
        spans: list[tuple[int, int]] = []
        # Spans refer to ``clean``; quoting from it shows links the way they were meant.
        for m in re.finditer(r"\S+", clean):
            token = m.group()
            if self._link(token) is not None:
                continue
            for word in _fold_token(token):
                words.append(word)
                spans.append((m.start(), m.end()))
        words, spans = _join_spaced_letters(words, spans)
        starts: list[int] = []
        pos = 0
        for word in words:
            starts.append(pos)
            pos += len(word) + 1
        folded = " ".join(words)
        return _Text(folded, starts, spans, clean, text_keys(folded))

    def fold(self, text: str) -> str:
        """``text`` as the signals see it: lower case, no accents or punctuation, links taken out."""
        return self._normalized(text[:MAX_TEXT]).folded

    def brands_named(self, text: str) -> list[tuple[Brand, str]]:
        """Brands a message names in its words (not its links), with the words that name them."""
        return self._named(self._normalized(text[:MAX_TEXT]))

    def _named(self, norm: _Text) -> list[tuple[Brand, str]]:
        if self._brand_re is None:
            return []
        out: list[tuple[Brand, str]] = []
        seen: set[str] = set()
        for m in self._brand_re.finditer(norm.folded):
            if _CHANNEL.search(norm.folded[max(0, m.start() - 12) : m.start()]):
                continue  # "text me on WhatsApp", "deposita en OXXO": a channel, not a sender
            brand = self._brand_by_name[m.group()]
            if brand.id not in seen:
                seen.add(brand.id)
                out.append((brand, norm.quote(m.start(), m.end())))
        return out

    def _signal_match(self, signal: Signal, norm: _Text) -> Finding | None:
        for pattern in signal.patterns:
            keys = word_keys(pattern)  # the word beginnings a match needs (see prefilter.py)
            if keys is not None and keys.isdisjoint(norm.keys):
                continue  # none of the message's words begins the way a match must
            for m in pattern.finditer(norm.folded):
                if m.end() == m.start():
                    continue
                if _negated(norm.folded, m.start()):
                    continue
                return Finding(signal.id, norm.quote(m.start(), m.end()))
        if signal.phrases and norm.folded:
            cutoff = self.data.fuzzy_cutoff
            for phrase in signal.phrases:
                if len(norm.folded) + 2 < len(phrase):
                    continue
                hit = fuzz.partial_ratio_alignment(phrase, norm.folded, score_cutoff=cutoff)
                if hit is not None:
                    if _negated(norm.folded, hit.dest_start):
                        continue
                    return Finding(signal.id, norm.quote(hit.dest_start, hit.dest_end))
        return None

    def findings(self, text: str) -> list[Finding]:
        """Every warning sign in ``text``, strongest first. Empty: none of the common signs."""
        text = text[:MAX_TEXT]
        norm = self._normalized(text)
        named = self._named(norm)
        strong: list[Finding] = []
        weak: list[Finding] = []
        for signal in self._text_signals:
            finding = self._signal_match(signal, norm)
            if finding is not None:
                (weak if signal.weak else strong).append(finding)
        for finding in self.link_findings(text, [b for b, _ in named]):
            link_signal = self.data.signals.get(finding.signal)
            (weak if link_signal is not None and link_signal.weak else strong).append(finding)
        if not strong and self.model is not None and "reads_like_scam" in self.data.signals:
            found = self._model_finding(norm)
            if found is not None:
                strong.append(found)
        impersonation = self.data.signals.get("impersonation")
        if named and impersonation is not None:
            brand, quote = named[0]
            if not any(f.values.get("name") == brand.name for f in strong):
                target = weak if impersonation.weak else strong
                target.append(Finding("impersonation", quote, {"name": brand.name}))
        # Weak signs (a phone number, a brand's name, "unusual activity") are common in real
        # messages too: they count only beside a strong sign, or two of them together (a brand's
        # name does not count towards the two: real alerts name their sender).
        if strong or sum(f.signal != "impersonation" for f in weak) >= 2:
            shown = {f.signal for f in strong + weak}
            signals = self.data.signals
            return [
                f
                for f in strong + weak
                if f.signal not in signals or not shown.intersection(signals[f.signal].covered_by)
            ]
        return []

    def scam_probability(self, text: str) -> float | None:
        """The scam model's probability that ``text`` is a scam (None without a model)."""
        if self.model is None:
            return None
        return self._model_scores(self._normalized(text[:MAX_TEXT]).folded)[0]

    def _model_scores(self, folded: str) -> tuple[float, npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        """Probability of "scam", and the message's feature columns and each one's pull toward it."""
        model = self.model
        assert model is not None
        k = model.classes.index(SCAM)
        p, cols, vals = model.scored(folded)
        pull = vals * (model.coef[cols, k] - model.coef[cols, 1 - k]) if len(cols) else vals
        return float(p[k]), cols, pull

    def _model_finding(self, norm: _Text) -> Finding | None:
        """The model's sign when it is sure enough, quoting the words that weigh most."""
        if not norm.folded:
            return None
        probability, cols, pull = self._model_scores(norm.folded)
        if probability < self.data.model_threshold:
            return None
        assert self.model is not None
        words = self.model.blocks[0]  # the word 1-2-gram block comes first
        picked: list[tuple[int, int]] = []  # spans in ``folded`` of the words that weigh most
        for i in np.argsort(-pull):
            col = int(cols[i])
            if pull[i] <= 0 or len(picked) == MODEL_QUOTES:
                break
            if not words.offset <= col < words.offset + len(words.terms):
                continue
            term = words.terms[col - words.offset]
            if not re.search(r"[^\W\d_]{3}", term) or words.idf[col - words.offset] < _COMMON_IDF:
                continue  # numbers, and words too common to show anything ("para", "your")
            m = re.search(rf"(?<!\w){re.escape(term)}(?!\w)", norm.folded)
            if m is None or any(a <= m.start() < b or m.start() <= a < m.end() for a, b in picked):
                continue
            picked.append((m.start(), m.end()))
        # in the message's order, each quoted as written: “frozen”, “verification”, “call now”
        quote = "”, “".join(norm.quote(a, b) for a, b in sorted(picked))
        return Finding("reads_like_scam", quote or _trim(norm.original))

    # -- when to check ----------------------------------------------------------------------
    def mostly_link(self, text: str) -> bool:
        """A message that is a link and at most a few words."""
        text = text[:MAX_TEXT]
        links = [link for link in self.links(text) if not link.email]
        if not links:
            return False
        return len(self._normalized(text).folded.split()) <= MOSTLY_LINK_WORDS

    def asks(self, text: str) -> str | None:
        """The language of an "is this real?" question that makes up ``text``, if it is one."""
        norm = self._normalized(text[:MAX_TEXT])
        if len(norm.folded.split()) > ASK_SENTENCE_WORDS:
            return None
        return self._ask_lang(norm.folded)

    def _ask_lang(self, folded: str) -> str | None:
        for lang, patterns in self.data.ask_phrases.items():
            if any(p.search(folded) for p in patterns):
                return lang
        return None

    def pasted(self, text: str) -> str | None:
        """The language of the question when ``text`` is a pasted message with "is this real?".

        The question must be a short sentence of its own ("Is this legit? USPS: your package…"),
        so that "how do I know if a text from my bank is real" stays a question for the matcher.
        """
        text = text[:MAX_TEXT]
        clean = self._undefang(text)
        pieces = [p for p in re.split(r"[?!:\n]+|\.(?=\s)|¿|¡", clean) if p.strip()]
        for i, piece in enumerate(pieces):
            norm = self._normalized(piece)
            if len(norm.folded.split()) > ASK_SENTENCE_WORDS:
                continue
            lang = self._ask_lang(norm.folded)
            if lang is None:
                continue
            rest = " ".join(pieces[:i] + pieces[i + 1 :])
            if self.links(piece) or self.links(rest):
                return lang
            if len(self._normalized(rest).folded.split()) >= PASTED_WORDS:
                return lang
        return None

    # -- the reply --------------------------------------------------------------------------
    def render(self, findings: list[Finding], lang: str, country: str | None, checked_line: str) -> str:
        """The reply's markup: the signs (or that none were found), what to do, where to report."""
        data = self.data
        parts: list[str] = []
        if findings:
            lines = [data.reply("found", lang)]
            for finding in findings[:MAX_LINES]:
                lines.append("- " + self.line(finding, lang))
            if len(findings) > MAX_LINES:
                lines.append(data.reply("more", lang, count=len(findings) - MAX_LINES))
            parts.append("\n".join(lines))
            parts.append(data.reply("what_to_do", lang))
        else:
            parts.append(data.reply("none_found", lang))
        parts.append("\n".join(data.reply(f"report_{c}", lang) for c in report_countries(country)))
        parts.append(checked_line)
        parts.append(data.reply("offline", lang))
        return "\n\n".join(parts)

    def line(self, finding: Finding, lang: str) -> str:
        """One sign's sentence, the quoted parts made literal and their links unclickable."""
        signal = self.data.signals[finding.signal]
        values = {k: markup.escape(defang(v)) for k, v in finding.values.items()}
        values["quote"] = markup.escape(defang(finding.quote))
        template = signal.says[lang]
        return template.format(**values)

    def topics(self, findings: list[Finding]) -> list[str]:
        """Related topic ids for the signs found, most relevant first, no repeats."""
        out: list[str] = []
        for finding in findings:
            for topic in self.data.signals[finding.signal].topics:
                if topic not in out:
                    out.append(topic)
        return out


def report_countries(country: str | None) -> tuple[str, ...]:
    """Whose report channels to give: the user's country, or both when it isn't known."""
    country = (country or "").lower()
    if country in {"us", "mx"}:
        return (country,)
    return ("us", "mx")


def defang(text: str) -> str:
    """Make web addresses in ``text`` unclickable: ``hxxps://example[.]com``."""

    def fix(m: re.Match[str]) -> str:
        return m.group().replace(".", "[.]")

    text = re.sub(r"(?i)\bhttp(s?)://", r"hxxp\1://", text)
    return re.sub(r"(?i)[\w-]+(?:\.[\w-]+)*\.(?:[a-z]{2,24}|xn--[\w-]+)\b", fix, text)


def _negated(folded: str, start: int) -> bool:
    before = folded[max(0, start - 60) : start]
    return bool(_NEGATION.search(before) or _NEGATED_HERE.search(before))


def _display_official(brand: Brand) -> str:
    domain = brand.domains[0]
    return domain if "." in domain else "." + domain


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _from_punycode(label: str) -> str:
    if label.startswith("xn--"):
        return label.encode("ascii").decode("idna")
    return label


def _join_spaced_letters(
    words: list[str], spans: list[tuple[int, int]]
) -> tuple[list[str], list[tuple[int, int]]]:
    """Join runs of three or more single letters: "u s p s" → "usps"."""
    out_words: list[str] = []
    out_spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and len(words[j]) == 1 and words[j].isalpha():
            j += 1
        if j - i >= 3:
            out_words.append("".join(words[i:j]))
            out_spans.append((spans[i][0], spans[j - 1][1]))
            i = j
        else:
            out_words.append(words[i])
            out_spans.append(spans[i])
            i += 1
    return out_words, out_spans
