"""The message checker ("is this a scam?"): every signal, links, triggers, the reply, the figures."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cyberhygiene import markup
from cyberhygiene.checker import MAX_LINES, Finding, ScamChecker, defang, report_countries
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.signals_data import COMPUTED, load_signals

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="module")
def checker() -> ScamChecker:
    data, problems = load_signals(ROOT / "content" / "scam_signals.yaml")
    assert data is not None, problems
    return ScamChecker(data)


def signals(checker: ScamChecker, text: str) -> dict[str, Finding]:
    return {f.signal: f for f in checker.findings(text)}


# Each signal: messages that must show it (with the words quoted), including the spellings people
# use to dodge filters (digits for letters, spaced-out letters, no accents, typos, slang).
SHOWS: dict[str, list[tuple[str, str]]] = {
    "urgency": [
        ("Act now, your offer expires today", "Act now"),
        ("Pay within 24 hours or lose access", "within 24 hours"),
        ("ULTIMO AVISO: regulariza tu adeudo", "ULTIMO AVISO"),
        ("Último aviso para tu cuenta", "Último aviso"),
        ("urgenteee responde", "urgenteee"),
        ("Tienes 12 horas para pagar", "Tienes 12 horas"),
        ("finel notice for your account", "finel notice"),  # typos: fuzzy phrase
        ("resuelvelo de inmediatto porfa", "de inmediatto"),
    ],
    "threat": [
        ("Your account has been suspended", "account has been suspended"),
        ("There is a warrant for your arrest", "warrant"),
        ("tu tarjeta fue bloqueada", "tarjeta fue bloqueada"),
        ("tu cu3nta fue bl0queada", "cu3nta fue bl0queada"),
        ("evita una orden de aprehension", "orden de aprehension"),
        ("your computer is infected", "computer is infected"),
        ("se detectaron irregularidades en su RFC", "irregularidades en su RFC"),
        ("Somos del cartel, sabemos donde vives", "Somos del cartel"),
        ("si no pagas enviaremos tus fotos a tus contactos", "enviaremos tus fotos"),
        ("Your password has expired", "password has expired"),
        ("tu cuenta sera bloqeada hoy", "tu cuenta sera bloqeada"),  # typo: fuzzy phrase
    ],
    "prize": [
        ("Congratulations, you've won a $500 gift", "you've won"),
        ("Felicidades! fuiste seleccionado", "fuiste seleccionado"),
        ("Earn $300 a day from home", "Earn $300 a day"),
        ("gana 2000 pesos al dia", "gana 2000 pesos al dia"),
        ("G4NASTE un premio", "G4NASTE"),
        ("tienes saldo a favor en el SAT", "saldo a favor"),
        ("Invest $250 and earn 20% daily", "earn 20% daily"),
        ("eres beneficiario de una herencia", "beneficiario de"),
        ("empleo de medio tiempo, pago diario", "empleo de medio tiempo"),
    ],
    "credentials": [
        ("Please reply with the verification code", "reply with the verification code"),
        ("Confirm your card number to continue", "Confirm your card number"),
        ("mandame el codigo que te llego", "mandame el codigo"),
        ("m@ndame tu c0d1g0", "m@ndame tu c0d1g0"),
        ("te envie un codigo por error, me lo pasas?", "codigo por error"),
        ("verifica tu cuenta aqui", "verifica tu cuenta"),
        ("proporciona tu NIP", "proporciona tu NIP"),
        ("click here to verify", "click here to verify"),
        ("Da clic aquí para reclamar", "Da clic aquí para reclamar"),
    ],
    "payment_method": [
        ("Pay with Google Play gift cards", "gift cards"),
        ("send the fee in bitcoin", "bitcoin"),
        ("Deposita en OXXO a esta tarjeta", "Deposita en OXXO"),
        ("depositame en el oxxo porfa", "depositame en el oxxo"),
        ("manda el dinero por Western Union", "Western Union"),
        ("compra tarjetas de regalo de Amazon", "tarjetas de regalo"),
    ],
    "package_fee": [
        ("USPS: your package is on hold", "package is on hold"),
        ("A customs fee of $3 is due", "customs fee"),
        ("tu paquete esta retenido en aduana", "paquete esta retenido en aduana"),
        ("tu paquete est4 retenid0", "paquete est4 retenid0"),
        ("no pudimos entregar tu envio", "no pudimos entregar"),
        ("pago de aduana pendiente", "pago de aduana"),
    ],
    "line_registration": [
        ("registra tu linea con tu CURP", "registra tu linea con tu CURP"),
        ("Vincula tu número celular con tu CURP", "Vincula tu número celular con tu CURP"),
        ("Register your phone line with your CURP", "Register your phone line with your CURP"),
        ("manda tu CURP para no perder tu linea", "CURP para no perder tu linea"),
    ],
    "secrecy": [
        ("Don't tell anyone about this", "Don't tell anyone"),
        ("keep this between us", "keep this between us"),
        ("no le digas a nadie", "no le digas a nadie"),
        ("no cuelgues", "no cuelgues"),
        ("si cuelgas no lo vuelves a ver", "si cuelgas"),
        ("Si cuelgas o llamas a la policía, adiós", "Si cuelgas o llamas a la policía"),
        ("If you call the police you won't see him", "If you call the police"),
        ("no le digas a nadye", "no le digas a nadye"),  # typo
    ],
    "family_emergency": [
        ("Hi mom, this is my new number", "Hi mom, this is my new number"),
        ("we have your son", "we have your son"),
        ("hola ma este es mi nuevo numero", "ma este es mi nuevo numero"),
        ("tenemos a tu hija", "tenemos a tu hija"),
        ("estoy detenido, ayudame", "estoy detenido"),
        ("su hijo está detenido", "su hijo está detenido"),
        ("Your grandson was arrested", "Your grandson was arrested"),
        ("Ocupo que me deposites ahorita", "Ocupo que me deposites ahorita"),
    ],
    "callback_number": [
        ("Call us at (555) 555-0142 now", "Call us at (555) 555-0142"),
        ("c4ll 1-888-555-0177", "c4ll 1-888-555-0177"),
        ("Comunícate al 55 5555 0123", "Comunícate al 55 5555 0123"),
        ("llama al 55-5555-0190", "llama al 55-5555-0190"),
    ],
    "alarm": [
        ("unusu4l activity on your account", "unusu4l activity"),
        ("Suspicious login attempt", "Suspicious login"),
        ("movimiento sospech0so en tu tarjeta", "movimiento sospech0so"),
        ("si no fuiste tu, avisanos", "si no fuiste tu"),
        ("your plan will auto renew for $399.99", "auto renew for $399.99"),
        ("Descargue su comprobante adjunto", "Descargue su comprobante adjunto"),
    ],
}


@pytest.mark.parametrize(
    ("signal", "text", "quote"), [(s, t, q) for s, cases in SHOWS.items() for t, q in cases]
)
def test_each_text_signal_and_its_quote(checker: ScamChecker, signal: str, text: str, quote: str) -> None:
    norm = checker._normalized(text)
    finding = checker._signal_match(checker.data.signals[signal], norm)
    assert finding is not None, (signal, text)
    assert finding.quote == quote


# Everyday messages that must NOT show a given signal (near misses for each).
NOT_SHOWS: dict[str, list[str]] = {
    "urgency": ["your code expires in 10 minutes", "tu codigo vence en 5 minutos", "see you today!"],
    "threat": [
        "I'm fine, thanks",
        "the game was suspenseful",
        "mi cuenta de Netflix la comparto con mi hermana",
    ],
    "prize": ["congratulations on your new job!", "felicidades por tu graduación", "I got a free coffee lol"],
    "credentials": [
        "Use 123456 to verify your Instagram account",
        "Don't share this code with anyone",
        "We will never ask for your PIN",
        "Nunca te pediremos tu NIP ni contraseñas",
        "No compartas tu código",
        "Your verification code is 123456",
    ],
    "payment_method": ["Compra aprobada en OXXO por $50", "I paid the rent", "card ending 1234 was used"],
    "package_fee": ["your package was delivered", "tu paquete llega mañana"],
    "line_registration": ["trae tu INE a la cita", "my phone line is busy"],
    "secrecy": ["don't share this code", "no compartas este código con nadie"],
    "family_emergency": ["hi mom, I landed safely", "ma ya llegue a la casa", "I'm stuck in a meeting"],
    "callback_number": ["call me later", "llamame al rato"],
    "alarm": ["If this was you, you don't need to do anything", "Realizaste una compra por $89"],
}


@pytest.mark.parametrize(("signal", "text"), [(s, t) for s, ts in NOT_SHOWS.items() for t in ts])
def test_near_misses_do_not_show_the_signal(checker: ScamChecker, signal: str, text: str) -> None:
    assert checker._signal_match(checker.data.signals[signal], checker._normalized(text)) is None


def test_weak_signals_alone_are_not_reported(checker: ScamChecker) -> None:
    # a phone number to call, "unusual activity" and a brand's name happen in real messages too
    reminder = "Reminder: appointment tomorrow at 3. Call (555) 555-0100 to reschedule."
    assert checker._signal_match(checker.data.signals["callback_number"], checker._normalized(reminder))
    assert checker.findings(reminder) == []
    assert checker.findings("Chase: a new sign in to your account. Open the Chase app to review.") == []
    # two weak signs together (an alarm and a number to call) are reported
    scam = "Amazon: charge of $1,499 on your account. Not you? Call 888-555-0177"
    found = signals(checker, scam)
    assert {"alarm", "callback_number", "impersonation"} <= set(found)
    assert found["callback_number"].quote == "Call 888-555-0177"
    assert found["impersonation"].values["name"] == "Amazon"


def test_impersonation_names_the_brand_as_written(checker: ScamChecker) -> None:
    found = signals(checker, "B B V A: tu cu3nta fue bl0queada")
    assert found["impersonation"].quote == "B B V A"
    assert found["impersonation"].values["name"] == "BBVA"
    found = signals(checker, "P@yPal: your account is locked")
    assert found["impersonation"].quote == "P@yPal"
    # a channel is not a sender: "text me on WhatsApp"
    found = signals(checker, "Earn $300 a day! Text me on WhatsApp")
    assert "impersonation" not in found


# -- links ------------------------------------------------------------------------------------

LINKS: list[tuple[str, str, dict[str, str]]] = [
    ("pay at usps-redelivery.info", "link_brand", {"name": "USPS", "official": "usps.com"}),
    ("entra a bbva-mx-seguridad.com", "link_brand", {"name": "BBVA", "domain": "bbva-mx-seguridad.com"}),
    ("paga en hxxps://sat-gob-mx[.]com hoy", "link_brand", {"name": "SAT", "link": "https://sat-gob-mx.com"}),
    ("go to usps-track(.)info now", "link_brand", {"name": "USPS", "domain": "usps-track.info"}),
    ("visit santander-mx . com ya", "link_brand", {"name": "Santander", "domain": "santander-mx.com"}),
    ("https://www.santander.com.mx.clave.info/x", "link_brand", {"domain": "clave.info"}),
    ("login at paypa1.com", "link_lookalike", {"official": "paypal.com", "domain": "paypa1.com"}),
    ("login at arnazon.com", "link_lookalike", {"official": "amazon.com"}),
    ("check netfilx.com/billing", "link_lookalike", {"official": "netflix.com"}),
    ("https://xn--pypal-4ve.com", "link_confusable", {"domain": "xn--pypal-4ve.com"}),
    ("https://аpple.com/id", "link_confusable", {"domain": "xn--pple-43d.com"}),
    ("bit.ly/3xYzAb", "link_shortener", {"link": "bit.ly/3xYzAb"}),
    ("tinyurl.com/abc", "link_shortener", {}),
    ("http://192.168.4.5/login", "link_ip", {}),
    ("185.22.14.9/pay", "link_ip", {}),
    ("hxxp://example-shop.com/pay", "link_http", {"link": "http://example-shop.com/pay"}),
    ("https://www.chase.com@evil-site.info/login", "link_userinfo", {"domain": "evil-site.info"}),
    ("https://secure.login.verify.account.example.top/i", "link_subdomains", {"domain": "example.top"}),
]


@pytest.mark.parametrize(("text", "signal", "values"), LINKS)
def test_link_signals(checker: ScamChecker, text: str, signal: str, values: dict[str, str]) -> None:
    found = signals(checker, text)
    assert signal in found, (text, list(found))
    for key, value in values.items():
        assert found[signal].values[key] == value


def test_link_not_official_when_the_text_names_a_brand(checker: ScamChecker) -> None:
    found = signals(checker, "Telcel: tu linea sera suspendida, paga en pagos-linea.top")
    assert found["link_not_official"].values["name"] == "Telcel"
    assert found["link_not_official"].values["official"] == "telcel.com"


@pytest.mark.parametrize(
    "text",
    [
        "Track it at https://www.ups.com/track",
        "Details at https://tools.usps.com/go/TrackConfirmAction",
        "Consulta tu acuse en sat.gob.mx",
        "report it at ReportFraud.ftc.gov",
        "my email is juan.perez@gmail.com",
        "I'm at version 1.2.3.4 now",
        "see you at 5. com'on",
    ],
)
def test_official_and_non_links_show_nothing(checker: ScamChecker, text: str) -> None:
    assert checker.findings(text) == []


def test_registered_domain_and_official(checker: ScamChecker) -> None:
    assert checker.registered("a.b.example.com.mx") == "example.com.mx"
    assert checker.registered("www.usps.com") == "usps.com"
    assert [b.id for b in checker.official("tools.usps.com")] == ["usps"]
    assert checker.official("usps.com.evil.info") == []


def test_defang_makes_links_unclickable() -> None:
    assert defang("go to https://usps-redelivery.info/x now") == "go to hxxps://usps-redelivery[.]info/x now"
    assert defang("bit.ly/abc") == "bit[.]ly/abc"
    assert defang("no links here.") == "no links here."


# -- when to check ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Is this real? USPS: your package is on hold, pay the fee now", "en"),
        ("is this legit?? Congratulations you won a gift card, claim it today", "en"),
        ("¿Es real este mensaje? Banco Azteca: su cuenta será bloqueada hoy", "es"),
        ("¿este link es confiable? bbva-mx-seguridad.com", "es"),
        ("es estafa?\nTelcel: registra tu linea con tu CURP antes del 30 de junio", "es"),
        ("USPS: your package is on hold. Pay at usps-fee.info. Is this a scam?", "en"),
    ],
)
def test_pasted_messages_are_recognized(checker: ScamChecker, text: str, lang: str) -> None:
    assert checker.pasted(text) == lang


@pytest.mark.parametrize(
    "text",
    [
        "how do I know if a text from my bank is real",
        "como saber si un mensaje de mi banco es real o es estafa",
        "is this real",
        "what is phishing",
        "es confiable comprar en mercado libre",
    ],
)
def test_questions_are_not_pasted_messages(checker: ScamChecker, text: str) -> None:
    assert checker.pasted(text) is None


def test_mostly_a_link(checker: ScamChecker) -> None:
    assert checker.mostly_link("bit.ly/3xYzAb")
    assert checker.mostly_link("check this: usps-redelivery.info")
    assert not checker.mostly_link("how do I report phishing at reportfraud.ftc.gov, do I need an account")
    assert not checker.mostly_link("write to juan@example.com")
    assert checker.asks("is this real?") == "en"
    assert checker.asks("es real??") == "es"


# -- the reply --------------------------------------------------------------------------------


def test_reply_quotes_escapes_and_defangs(checker: ScamChecker) -> None:
    text = "USPS: your package is on hold [urgent] **now**, pay at https://usps-redelivery.info"
    findings = checker.findings(text)
    body = checker.render(findings, "en", None, "checked")
    markup.check(body)  # user text cannot break the markup
    plain = markup.to_plain(body)
    assert "package is on hold" in plain
    assert "usps-redelivery[.]info" in plain
    assert "https://usps-redelivery.info" not in plain and "hxxps://" in plain
    assert checker.data.reply("what_to_do", "en") in body
    assert checker.data.reply("offline", "en") in body
    assert checker.data.reply("report_us", "en") in body and checker.data.reply("report_mx", "en") in body


def test_reply_never_says_safe(checker: ScamChecker) -> None:
    for lang in ("en", "es"):
        body = checker.render([], lang, None, "checked")
        assert checker.data.reply("none_found", lang) in body
        assert checker.data.reply("offline", lang) in body
        assert checker.data.reply("found", lang) not in body
    assert "doesn't make it safe" in checker.data.reply("none_found", "en")
    assert "no quiere decir que sea seguro" in checker.data.reply("none_found", "es")
    lowered = " ".join(t.lower() for loc in checker.data.replies.values() for t in loc.values())
    for claim in (
        "is safe",
        "it's safe",
        "looks safe",
        "es seguro.",
        "parece seguro",
        "is legit",
        "es real.",
    ):
        assert claim not in lowered


def test_reply_for_a_country(checker: ScamChecker) -> None:
    assert report_countries(None) == ("us", "mx")
    assert report_countries("MX") == ("mx",)
    assert report_countries("fr") == ("us", "mx")
    body = checker.render([], "es", "mx", "checked")
    assert checker.data.reply("report_mx", "es") in body
    assert checker.data.reply("report_us", "es") not in body


def test_many_signs_are_counted_not_all_listed(checker: ScamChecker) -> None:
    text = (
        "URGENT final notice: your account has been suspended. You won a prize! Reply with the "
        "verification code, pay the customs fee with gift cards, don't tell anyone. "
        "Hi mom this is my new number. http://192.168.0.9/x bit.ly/zz paypa1.com"
    )
    findings = checker.findings(text)
    assert len(findings) > MAX_LINES
    body = checker.render(findings, "en", None, "checked")
    assert body.count("\n- ") == MAX_LINES
    assert checker.data.reply("more", "en", count=len(findings) - MAX_LINES) in body


def test_every_signal_has_its_topics_and_lines(checker: ScamChecker, kb: KnowledgeBase) -> None:
    for sid, signal in checker.data.signals.items():
        assert signal.topics and all(t in kb.intents for t in signal.topics), sid
        assert signal.patterns or sid in COMPUTED, sid
        for lang in ("en", "es"):
            assert signal.says[lang].strip()


def test_long_and_odd_input(checker: ScamChecker) -> None:
    assert checker.findings("") == []
    assert checker.findings("\u200b\u200b") == []
    huge = "urgent " * 5000 + "bit.ly/x"
    assert [f.signal for f in checker.findings(huge)] == ["urgency"]  # cut at 4096 characters
    for odd in ("http://[::1/x", "https://", "a..b.com", "x@", "hxxp://[.]", "\ud800 bit.ly"):
        checker.findings(odd)  # malformed addresses and lone surrogates never raise
    assert checker.links("https://") == []


# -- the evaluation ---------------------------------------------------------------------------

SCAM_SETS = sorted(DATA.glob("scam_*.yaml"))


def test_the_development_set_is_present_and_large_enough() -> None:
    cases = yaml.safe_load((DATA / "scam_dev.yaml").read_text("utf-8"))
    assert sum(c["scam"] for c in cases) >= 60
    assert sum(not c["scam"] for c in cases) >= 40
    for case in cases:
        assert set(case) == {"text", "scam", "lang", "kind"}, case
        assert case["lang"] in {"en", "es"} and case["kind"] in {"sms", "whatsapp", "email"}


@pytest.mark.parametrize("path", SCAM_SETS, ids=[p.name for p in SCAM_SETS])
def test_evaluation(checker: ScamChecker, path: Path) -> None:
    """At least 95% of scams show one or more signs; at most 10% of legitimate messages do."""
    cases = yaml.safe_load(path.read_text("utf-8"))
    scams = [c["text"] for c in cases if c["scam"]]
    legit = [c["text"] for c in cases if not c["scam"]]
    assert scams and legit
    missed = [t for t in scams if not checker.findings(t)]
    flagged = [t for t in legit if checker.findings(t)]
    caught = 1 - len(missed) / len(scams)
    false_alarms = len(flagged) / len(legit)
    assert caught >= 0.95, f"{caught:.1%} of scams caught; missed:\n" + "\n".join(missed)
    assert false_alarms <= 0.10, f"{false_alarms:.1%} of legitimate flagged:\n" + "\n".join(flagged)


def test_spanish_lines_are_mexican_and_informal(checker: ScamChecker) -> None:
    import re

    from tests.test_content import SPAIN_ONLY

    texts = [s.says["es"] for s in checker.data.signals.values()]
    texts += [r["es"] for r in checker.data.replies.values()]
    for text in texts:
        assert not SPAIN_ONLY.search(text), text[:80]
        assert not re.search(r"\busted(es)?\b", text, re.I), text[:80]


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("ab0@.:/[]()-_ xn-hxxps" + "аοі" + "\u200b\n?¿")) | st.characters(),
        max_size=120,
    )
)
def test_any_text_is_checked_without_error(text: str) -> None:
    if "c" not in _CHECKER:
        data, _ = load_signals(ROOT / "content" / "scam_signals.yaml")
        assert data is not None
        _CHECKER["c"] = ScamChecker(data)
    checker = _CHECKER["c"]
    findings = checker.findings(text)
    checker.pasted(text)
    checker.mostly_link(text)
    checker.asks(text)
    markup.check(checker.render(findings, "es", None, "x"))


_CHECKER: dict[str, ScamChecker] = {}
