"""The message checker ("is this a scam?"): every signal, links, triggers, the reply, the figures."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cyberhygiene import markup
from cyberhygiene.checker import MAX_LINES, NORMALIZER_VERSION, Finding, ScamChecker, defang, report_countries
from cyberhygiene.config import Settings
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.scam_examples import ensure_scam_model
from cyberhygiene.signals_data import COMPUTED, load_signals, load_with_examples

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


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
        ("Tienes 12 horas para pagar", "Tienes 12 horas para pagar"),
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
        ("Your Steam account will be banned", "account will be banned"),
        ("tu cuenta sera baneada", "cuenta sera baneada"),
        ("tu cuenta sera bloqeada hoy", "tu cuenta sera bloqeada"),  # typo: fuzzy phrase
    ],
    "prize": [
        ("Congratulations, you've won a $500 gift", "you've won"),
        ("Felicidades! fuiste seleccionado", "fuiste seleccionado"),
        ("Earn $300 a day from home", "Earn $300 a day"),
        ("gana 2000 pesos al dia", "gana 2000 pesos al dia"),
        ("G4NASTE un premio", "G4NASTE un premio"),
        ("tienes saldo a favor en el SAT", "saldo a favor"),
        ("Invest $250 and earn 20% daily", "earn 20% daily"),
        ("eres beneficiario de una herencia", "beneficiario de"),
        ("empleo de medio tiempo, pago diario", "empleo de medio tiempo"),
        ("Cinepolis regala 2 boletos gratis", "regala 2 boletos gratis"),
        ("te llevas un modem gratis", "te llevas un modem gratis"),
        ("Prestamo sin buro", "Prestamo sin buro"),
        ("You have been APPROVED for full forgiveness", "You have been APPROVED for full forgiveness"),
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
        ("confirme su número de tarjeta", "confirme su número de tarjeta"),
        ("compártanos el código de 9 dígitos", "compártanos el código"),
        ("por favor dictanoslo", "dictanoslo"),
        ("Díctanos el código", "Díctanos el código"),
        ("fecha de vencimiento y CVV", "CVV"),
        ("read the code back to us", "read the code"),
        ("the 3 digits on the back of your card", "3 digits on the back"),
    ],
    "payment_method": [
        ("Pay with Google Play gift cards", "Pay with Google Play gift cards"),
        ("send the fee in bitcoin", "bitcoin"),
        ("Deposita en OXXO a esta tarjeta", "Deposita en OXXO"),
        ("depositame en el oxxo porfa", "depositame en el oxxo"),
        ("manda el dinero por Western Union", "Western Union"),
        ("compra tarjetas de regalo de Amazon", "compra tarjetas de regalo"),
        ("Pay your balance of $186.20 now with Cash App", "Pay your balance of $186.20 now with Cash App"),
        ("can you Zelle it to my roommate", "Zelle it to my"),
        ("send the deposit of $1,200 via Zelle", "send the deposit of $1,200 via Zelle"),
        ("envia $980 por Zelle", "envia $980 por Zelle"),
        ("depositame 2 mil a esta tarjeta", "depositame 2 mil a esta tarjeta"),
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
        ("Do not tell the branch staff", "Do not tell the branch staff"),
        ("no le digas nada al cajero", "no le digas nada al cajero"),
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
        ("Dad this is my temporary number", "Dad this is my temporary number"),
        ("its my friend's phone, I'm in a bind", "I'm in a bind"),
        ("ma este es mi numero temporal", "ma este es mi numero temporal"),
    ],
    "toll": [
        ("E-ZPass: you have an outstanding toll of $4.15", "outstanding toll"),
        ("UNPAID T0LL NOTICE", "UNPAID T0LL NOTICE"),
        ("toll violation balance overdue", "toll violation balance overdue"),
        ("Settle now to avoid a DMV registration hold", "registration hold"),
        ("tienes un saldo vencido de casetas", "saldo vencido de casetas"),
        ("Tienes casetas pendientes por pagar", "casetas pendientes por pagar"),
        ("adeudo de peaje por $92", "adeudo de peaje"),
        ("evita la cancelación de tu TAG", "cancelación de tu TAG"),
        ("saldo vensido de casetas", "saldo vensido de casetas"),  # typo: fuzzy phrase
        ("SunPass: unpayed tol of $3.15", "unpayed tol"),
        ("tienes adeudo en kasetas", "adeudo en kasetas"),
    ],
    "safe_account": [
        ("we need to move your funds to a new safe account", "move your funds to a new safe account"),
        ("transfer your savings into a protected account", "transfer your savings into a protected account"),
        ("pasa tu dinero a una cuenta segura", "a una cuenta segura"),
        ("transfiere tus ahorros a una cuenta de resguardo", "a una cuenta de resguardo"),
        ("mueve tu saldo a una cuenta nueva para protegerlo", "mueve tu saldo a una cuenta nueva"),
    ],
    "remote_access": [
        ("install AnyDesk so we can help", "install AnyDesk"),
        ("descarga TeamV1ewer", "descarga TeamV1ewer"),
        ("open the Quick Support app", "open the Quick Support"),
        ("send us the 9-digit AnyDesk code", "send us the 9-digit AnyDesk"),
        ("instale la aplicacion de soporte AnyDesk", "instale la aplicacion de soporte AnyDesk"),
        ("bajate el rustdesk porfa", "bajate el rustdesk"),
        ("instala el anidesk xfa", "instala el anidesk"),
        ("download Temviewer now", "download Temviewer"),
        ("We need remote access to your PC", "need remote access"),
        ("instale la aplicacion de soporte", "aplicacion de soporte"),
        ("necesitamos acceso remoto a tu compu", "necesitamos acceso remoto"),
        ("habilite las macros del archivo", "habilite las macros"),
        ("Enable content to view the invoice", "Enable content"),
        ("acepta los permisos de contactos y galería", "acepta los permisos de contactos"),
        ("descarga prestamo-ya.apk", "prestamo-ya.apk"),
        ("instala anydeks", "instala anydeks"),  # typo: fuzzy phrase
    ],
    "job_offer": [
        ("Simple task: rate products on our platform", "rate products"),
        ("$50 per 20 tasks", "$50 per 20 tasks"),
        ("earn $200-$500 daily", "earn $200-$500 daily"),
        ("Our HR will contact you on Telegram", "Our HR will contact you on Telegram"),
        ("Your resume was recommended to us", "Your resume was recommended"),
        ("completa tareas en nuestra app y cobra diario", "completa tareas en nuestra app y cobra"),
        ("gana 1500 pesos diarios dando like a videos", "gana 1500 pesos diarios"),
        ("tareas sencillas desde tu celular", "tareas sencillas"),
        ("agrega a la reclutadora en WhatsApp", "reclutadora en WhatsApp"),
        ("empleo en Canada con visa incluida", "empleo en Canada con visa"),
        ("calificar productos", "calificar productos"),
    ],
    "romance": [
        ("Sgt. James, US Army currently deployed in Syria", "US Army currently deployed"),
        ("I am a surgeon with the United Nations", "surgeon with the United Nations"),
        ("customs held my luggage", "customs held my luggage"),
        ("I saw your profile and liked it", "I saw your profile"),
        ("cirujano de la ONU en Yemen", "cirujano de la ONU en Yemen"),
        ("la aduana retuvo mi maleta", "la aduana retuvo mi maleta"),
        ("te mando una caja con mis ahorros", "caja con mis ahorros"),
        ("vi tu perfil", "vi tu perfil"),
    ],
    "advance_fee": [
        ("a one-time processing fee of $299", "one-time processing fee"),
        ("a small release fee is required", "release fee is required"),
        ("pay the procesing fee of $99 to get your loan", "pay the procesing fee"),
        ("free piano, just pay shipping", "just pay shipping"),
        ("we offer fund recovery for victims", "fund recovery"),
        ("Paga solo $4,800 pesos de tramite", "Paga solo $4,800 pesos de tramite"),
        ("Solo cubra $299 de envío", "Solo cubra $299 de envío"),
        ("paga el 10% de honorarios por adelantado", "paga el 10% de honorarios por adelantado"),
        ("deposita $18,000 para liberarla", "para liberarla"),
        ("pagues el seguro de envio", "seguro de envio"),
        ("pago de tramite", "pago de tramite"),
        ("solo cubre el envio", "solo cubre el envio"),
        ("podemos recuperar tu dinero", "recuperar tu dinero"),
    ],
    "fake_renewal": [
        (
            "Geek Squad Total Protection for $349.99. To cancel",
            "Geek Squad Total Protection for $349.99. To cancel",
        ),
        ("To cancel and get a refund call 1-855-555-0102", "To cancel and get a refund call"),
        ("If you didn't authorize it press 1", "If you didn't authorize it press 1"),
        ("Press 1 to speak with an agent", "Press 1 to speak"),
        (
            "Renovacion McAfee por $2,999. Si no la reconoces llama",
            "Renovacion McAfee por $2,999. Si no la reconoces llama",
        ),
        ("oprime 1 para cancelar", "oprime 1 para cancelar"),
        (
            "will auto-renew today, call 888-555-0101 to cancel the order",
            "call 888-555-0101 to cancel the order",
        ),
        (
            "marca al 800 555 0101 para cancelar la suscripción",
            "marca al 800 555 0101 para cancelar la suscripción",
        ),
        ("para obtener tu reembolso llama al", "para obtener tu reembolso llama"),
    ],
    "utility_shutoff": [
        ("Your water service will be shut off today for non-payment", "shut off today for non-payment"),
        ("your power will be disconnected in 2 hours", "power will be disconnected in 2 hours"),
        ("o se suspendera el gas", "se suspendera el gas"),
        ("su servicio de luz sera suspendido hoy", "luz sera suspendido"),
        ("corte de luz por falta de pago", "corte de luz por falta de pago"),
        ("ur lights will be shut off 2day 4 non-payment", "shut off 2day 4 non-payment"),
        ("se suspendera tu servisio de luz", "se suspendera tu servisio de luz"),  # typo: fuzzy phrase
    ],
    "fraud_alert_reply": [
        (
            "Reply YES or NO. If NO, a fraud specialist will call you",
            "Reply YES or NO. If NO, a fraud specialist will call you",
        ),
        ("A fraud agent will call you shortly", "fraud agent will call you"),
        (
            "respond YES or NO, a fraud specialist will call u",
            "respond YES or NO, a fraud specialist will call u",
        ),
        (
            "Responda SI o NO. Si contesta NO, le llamaremos",
            "Responda SI o NO. Si contesta NO, le llamaremos",
        ),
        ("un especialista en fraude le llamará", "especialista en fraude le llamará"),
    ],
    "pay_first": [
        ("I'll mail you the keys after you pay", "I'll mail you the keys"),
        ("I'm out of state, send the deposit", "out of state, send the deposit"),
        ("once you send the deposit I'll ship it", "once you send the deposit"),
        (
            "te mando las llaves por paqueteria cuando deposites",
            "mando las llaves por paqueteria cuando deposites",
        ),
        ("Solo transferencia", "Solo transferencia"),
        ("I only accept Zelle", "only accept Zelle"),
        ("Cash App only, no PayPal", "Cash App only"),
        ("estoy fuera del pais, deposita el primer mes", "estoy fuera del pais, deposita el primer mes"),
    ],
    "investment": [
        ("Minimum investment $250", "Minimum investment"),
        ("guaranteed 5x returns", "guaranteed 5x returns"),
        ("Invest just $100 today", "Invest just $100"),
        ("join our VIP signals group", "VIP signals group"),
        ("Invierte desde $4,000 pesos", "Invierte desde $4,000"),
        ("plataforma de inteligencia artificial", "plataforma de inteligencia artificial"),
        ("recomendada por Carlos Slim", "recomendada por Carlos Slim"),
        ("gana hasta $80,000 al mes", "gana hasta $80,000 al mes"),
        ("ganancias garantisadas", "ganancias garantisadas"),  # typo: fuzzy phrase
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
    "urgent_word": [
        ("urgenteee responde", "urgenteee"),
        ("URGNT: call me", "URGNT"),
        ("me urge que me contestes", "urge"),
    ],
    "overpayment": [
        (
            "I sent $1,200 by mistake, please zelle back the difference",
            "by mistake, please zelle back the difference",
        ),
        (
            "te deposite de mas por error, me regresas la diferencia?",
            "de mas por error, me regresas la diferencia",
        ),
        ("Zelle says the money stays pending until you send $400", "money stays pending until you"),
        ("el deposito queda retenido hasta que nos pagues el seguro", "deposito queda retenido hasta que"),
    ],
    "fake_payment": [
        (
            "I already sent the payment, check your email for the confirmation",
            "I already sent the payment, check your email",
        ),
        (
            "ya te hice la transferencia, checa tu correo del banco",
            "ya te hice la transferencia, checa tu correo",
        ),
    ],
    "stranger_friendly": [
        ("Hi, is this Linda? We met at the gala", "is this Linda? We met"),
        ("I found your number in my contacts, who is this?", "found your number in my contacts"),
        ("Hola eres Mariana? nos conocimos en la boda", "eres Mariana? nos conocimos"),
        (
            "perdon numero equivocado, pero podemos ser amigos",
            "perdon numero equivocado, pero podemos ser amigos",
        ),
    ],
    "qr_code": [
        ("Scan the QR code on the meter to pay your parking", "Scan the QR code on the meter to pay"),
        ("escanea el codigo QR para cobrar tu premio", "escanea el codigo QR para cobrar"),
    ],
    "charity": [
        ("Donate now to help the hurricane victims", "Donate now to help the hurricane victims"),
        ("dona para los damnificados del sismo", "dona para los damnificados del sismo"),
    ],
    "changed_account": [
        (
            "Our bank details have changed, pay the invoice to the new account",
            "Our bank details have changed",
        ),
        ("cambiamos de cuenta, deposita la renta aqui", "cambiamos de cuenta, deposita"),
        ("transfiera el pago a la nueva cuenta", "transfiera el pago a la nueva cuenta"),
    ],
    # -- added in the fourth round (2026-11-28): general shapes the second and third blind sets missed
    "prize_word": [
        ("Winner of the Walmart sweepstakes", "Winner"),
        ("ganador del sorteo aniversario", "ganador"),
        ("r1fa de fin de año", "r1fa"),
    ],
    "video_bait": [
        ("OMG is this you in this video?? lol", "is this you in this video"),
        ("wey mira quien sale en este video jajaja", "mira quien sale en este video"),
        ("eres tu en este video??", "eres tu en este video"),
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


# Fourth round (2026-11-28): shapes from the second and third blind sets, written as general signs.
MORE_SHOWS: dict[str, list[tuple[str, str]]] = {
    "threat": [
        ("Hemos congelado su cuenta por seguridad", "Hemos congelado su cuenta"),
        ("We have suspended your account", "We have suspended your account"),
        ("tengo tus fotos intimas, si no pagas", "tengo tus fotos intimas"),
        ("las subo y se las mando a tu familia", "las subo y se las mando a tu familia"),
        ("tienes una multa pendiente de pago", "tienes una multa"),
    ],
    "urgency": [
        ("Para reagendar pague antes de 24 horas", "antes de 24 horas"),
        ("tienes 30 minutos para depositar", "tienes 30 minutos para depositar"),
        ("u have 2 hrs to pay", "u have 2 hrs to pay"),
    ],
    "prize": [
        ("Usted ha sido ganador de una camioneta", "Usted ha sido ganador"),
        ("Your phone number won $50,000", "Your phone number won"),
        ("free robux generator actually works", "free robux"),
        ("tu numero fue premiado en el sorteo", "tu numero fue premiado"),
        ("tienes un premio pendiente por reclamar", "tienes un premio pendiente por reclamar"),
        ("Tu número ganó en la Lotería Nacional", "Tu número ganó"),
        ("you may qualify for full forgiveness", "qualify for full forgiveness"),
        ("I want to donate $4.5 million to charity through you", "$4.5 million to charity through you"),
        ("a widow with terminal cancer, I want to donate", "widow with terminal cancer, I want to donate"),
    ],
    "credentials": [
        ("I accidentally sent my WhatsApp code to your number", "accidentally sent my WhatsApp code"),
        ("can you forward me the 6 digits you just got", "forward me the 6 digits"),
        ("just tell me what it says, thanks", "tell me what it says"),
        ("necesito que me dicte el codigo y el NIP", "dicte el codigo y el NIP"),
        ("Envie su numero de Seguro Social por correo", "Envie su numero de Seguro Social"),
        ("Confirme su numero de Medicare con el agente", "Confirme su numero de Medicare"),
        (
            "el codigo que le acaba de llegar por mensaje, me lo puede dictar?",
            "codigo que le acaba de llegar por mensaje, me lo puede dictar",
        ),
        ("confirmeme el codigo que le va a llegar para aplicarlo", "confirmeme el codigo"),
        ("If not you, press the link to cancel", "press the link to cancel"),
    ],
    "payment_method": [
        ("buy 3 Google Play gift cards and send me pictures", "buy 3 Google Play gift cards"),
        ("paga con tarjetas de regalo de Amazon", "paga con tarjetas de regalo"),
        ("scratch the back and text me the codes", "scratch the back"),
    ],
    "family_emergency": [
        (
            "Dad I'm using my friend's phone, mine broke. Can you send $1,200?",
            "using my friend's phone, mine broke. Can you send",
        ),
        (
            "Compa soy Luis, cambie de numero. Oye ando en un apuro, me prestas 1500",
            "cambie de numero. Oye ando en un apuro, me prestas",
        ),
    ],
    "stranger_friendly": [
        (
            "is this Dr. Lisa's office? Oh I must have the wrong number... but you seem nice",
            "wrong number... but you seem nice",
        ),
        (
            "creo que me equivoque de numero jaja. Bueno ya que estamos, tu de donde eres?",
            "me equivoque de numero jaja. Bueno ya que estamos, tu de donde eres",
        ),
    ],
    "fake_payment": [
        ("it's pending until you upgrade to a business account", "upgrade to a business account"),
        (
            "the payment is pending because your account is not upgraded to Business",
            "pending because your account is not upgraded to Business",
        ),
        (
            "Para liberar el pago debes actualizar a una cuenta empresarial",
            "actualizar a una cuenta empresarial",
        ),
    ],
    "overpayment": [
        ("the money stays on hold until you pay the fee", "on hold until you pay"),
        ("el pago queda pendiente hasta que pagues la comision", "pago queda pendiente hasta que"),
    ],
    "charity": [
        ("Families in Maui lost everything. Donate now", "lost everything. Donate"),
        ("Apoya al fondo de reconstruccion, deposita aqui", "fondo de reconstruccion, deposita"),
    ],
    "investment": [
        ("Join our VIP trading group", "VIP trading group"),
        ("members made 400% last month", "members made 400% last month"),
    ],
    "romance": [
        ("Baby I'm stuck at the port in Lagos", "stuck at the port"),
        ("customs won't release my things", "customs won't release"),
        ("estoy atrapado en el aeropuerto de Madrid", "atrapado en el aeropuerto"),
        ("me piden 800 euros de multa", "me piden 800 euros de multa"),
    ],
    "job_offer": [
        ("Get paid to wrap your car with Red Bull ads", "wrap your car"),
        (
            "We'll mail you a check to buy your office equipment",
            "mail you a check to buy your office equipment",
        ),
        ("Para retirar tus ganancias recarga $2,500", "retirar tus ganancias"),
        ("Tu saldo esta en negativo, recarga para retirar", "saldo esta en negativo, recarga para retirar"),
        ("solo envia $350 para tu kit de inicio", "envia $350 para tu kit de inicio"),
        ("Se solicitan empacadores de dulces desde casa", "empacadores de dulces desde casa"),
    ],
    "advance_fee": [
        ("debe pagar $350 de gastos administrativos", "pagar $350 de gastos administrativos"),
        ("Tramitalo con un gestor autorizado", "Tramitalo con un gestor"),
        ("para la entrega debe cubrir el pago de placas", "para la entrega debe cubrir"),
        ("To claim your prize you must first pay the taxes", "To claim your prize you must first pay"),
        ("Para el deposito solo paga $600 de apertura", "Para el deposito solo paga"),
        (
            "para cobrar envía tus datos y $2,000 de impuestos",
            "para cobrar envía tus datos y $2,000 de impuestos",
        ),
    ],
    "safe_account": [
        (
            "transfer your savings to a secure federal account",
            "transfer your savings to a secure federal account",
        ),
        ("send $500 to yourself as verification", "send $500 to yourself"),
        ("debe enviarse a si mismo $500", "enviarse a si mismo"),
    ],
    "secrecy": [
        (
            "Do not discuss this with anyone, including your bank",
            "Do not discuss this with anyone, including your bank",
        ),
        ("no lo comente con nadie", "no lo comente con nadie"),
    ],
    "fraud_alert_reply": [
        (
            "Si no fue usted responda NO y un representante se comunicara",
            "responda NO y un representante se comunicara",
        ),
        ("Reply NO and an agent will call you", "Reply NO and an agent will call"),
    ],
    "pay_first": [
        ("Solo aparto con 50% por transferencia", "aparto con 50%"),
        ("no hago entregas en persona", "no hago entregas en persona"),
        (
            "I can't meet in person but I'll ship once you Zelle",
            "I can't meet in person but I'll ship once you Zelle",
        ),
    ],
    "alarm": [("Please update your payment method", "update your payment method")],
    "changed_account": [
        ("process payment to our updated bank account details", "updated bank account details")
    ],
}

# Fifth round (2026-11-28): general shapes from the fourth blind set (scam_holdout4.yaml).
MORE_SHOWS_5: dict[str, list[tuple[str, str]]] = {
    "new_number": [
        ("Hi, this is my new number, save it", "this is my new number"),
        ("este es mi nuevo numero, guardalo", "este es mi nuevo numero, guardalo"),
    ],
    "callback_number": [
        ("call Venmo Support at 1-555-555-0117 to cancel", "call Venmo Support at 1-555-555-0117")
    ],
    "threat": [
        ("Ur bank acc ending 0093 is frozen pending verification", "acc ending 0093 is frozen"),
        ("Your account has been limited", "account has been limited"),
        ("Tu Banca Movil fue bloqueada por seguridad", "Banca Movil fue bloqueada"),
        ("Failure to respond will result in a judgment against you", "Failure to respond will result"),
        ("tu negocio paga cuota de $3,000 por protección", "cuota de $3,000 por protección"),
        ("vamos a mandar tu foto a todos tus contactos", "vamos a mandar tu foto a todos tus contactos"),
    ],
    "stranger_friendly": [
        ("Hi is this Kevin? We talked at the golf club", "is this Kevin? We talked"),
        (
            "my aunt gave me ur number said u might be interested",
            "gave me ur number said u might be interested",
        ),
        ("jaja perdon creo que me equivoque. bueno ya que estamos", "me equivoque. bueno ya que estamos"),
    ],
    "job_offer": [("check them and reship them to our overseas clients", "reship them")],
    "prize": [
        ("I just got my $50k from the government Empowerment Grant", "Empowerment Grant"),
        ("Contesta la encuesta y comparte con 10 amigos", "comparte con 10 amigos"),
        ("Préstamo gota a gota: $5,000 sin papeles", "Préstamo gota a gota: $5,000 sin papeles"),
        ("quien falleció sin herederos dejando 4.5 millones", "herederos"),
    ],
    "payment_method": [
        ("pay $212.44 by Green Dot MoneyPak", "Green Dot"),
        ("depositando a la cuenta de nuestro agente", "depositando a la cuenta de nuestro agente"),
    ],
    "advance_fee": [
        ("debe cubrir gastos de transferencia internacional", "debe cubrir gastos"),
        (
            "Para recibir tu reembolso abre la app de tu banco y escanea este QR",
            "Para recibir tu reembolso abre la app de tu banco y escanea",
        ),
    ],
    "pay_first": [
        ("Half via Cash App now, half on pickup", "Half via"),
        ("Me depositas la mitad para apartarla", "Me depositas la mitad"),
    ],
    "credentials": [
        ("manda foto de tu INE por ambos lados", "manda foto de tu INE"),
        ("Renueve ingresando su tarjeta en el sitio", "ingresando su tarjeta"),
        ("registrarse aquí con su RFC y datos bancarios", "registrarse aquí con su RFC"),
        ("text me a photo of your ID front and back", "text me a photo of your ID front and back"),
    ],
    "changed_account": [
        ("nuestros datos de pago han sido actualizados", "nuestros datos de pago han sido actualizados")
    ],
    "package_fee": [("debe pagar $3,200 de impuestos en aduana", "pagar $3,200 de impuestos en aduana")],
    "utility_shutoff": [
        ("We will suspend service tonight unless you pay", "We will suspend service tonight unless")
    ],
    "fake_renewal": [
        (
            "llame al 55 5555 0114 para cancelar y obtener su reembolso",
            "llame al 55 5555 0114 para cancelar y obtener su reembolso",
        )
    ],
    "alarm": [
        ("If you did not authorize it, call us", "If you did not authorize"),
        ("Si usted no autorizó este cargo", "Si usted no autorizó"),
    ],
    "family_emergency": [("ma este es mi numero temporal", "ma este es mi numero temporal")],
}


@pytest.mark.parametrize(
    ("signal", "text", "quote"),
    [(s, t, q) for d in (MORE_SHOWS, MORE_SHOWS_5) for s, cases in d.items() for t, q in cases],
)
def test_more_text_signals_and_their_quotes(checker: ScamChecker, signal: str, text: str, quote: str) -> None:
    test_each_text_signal_and_its_quote(checker, signal, text, quote)


def test_every_text_signal_has_unit_cases(checker: ScamChecker) -> None:
    for sid, signal in checker.data.signals.items():
        if signal.patterns:
            assert sid in SHOWS or sid in MORE_SHOWS or sid in MORE_SHOWS_5, f"{sid} has no unit test cases"


# Everyday messages that must NOT show a given signal (near misses for each).
NOT_SHOWS: dict[str, list[str]] = {
    "urgency": [
        "your code expires in 10 minutes",
        "tu codigo vence en 5 minutos",
        "see you today!",
        "The meeting is in 10 minutes, you have 10 minutes to join",
        "Recuerda que tienes 2 horas para entregar el examen",
    ],
    "overpayment": ["sorry I sent the wrong photo", "te pague de mas en la comida, no te preocupes"],
    "fake_payment": ["I sent the payment yesterday", "ya te pague, pasa mi primo por la bici a las 5"],
    "stranger_friendly": ["is this the right number for the dentist?", "eres tu la que vino ayer?"],
    "qr_code": ["scan the QR code at the table to see the menu"],
    "charity": ["thanks for coming to the bake sale!", "dona sangre en el IMSS este sabado"],
    "changed_account": ["I changed my password yesterday", "cambiamos de casa el mes pasado"],
    "threat": [
        "I'm fine, thanks",
        "the game was suspenseful",
        "mi cuenta de Netflix la comparto con mi hermana",
    ],
    "prize": [
        "congratulations on your new job!",
        "felicidades por tu graduación",
        "I got a free coffee lol",
        "Felicidades mijo, ganaste wey, orgullo de la familia",
    ],
    "credentials": [
        "Use 123456 to verify your Instagram account",
        "Don't share this code with anyone",
        "We will never ask for your PIN",
        "Nunca te pediremos tu NIP ni contraseñas",
        "No compartas tu código",
        "Your verification code is 123456",
    ],
    "payment_method": [
        "Compra aprobada en OXXO por $50",
        "I paid the rent",
        "card ending 1234 was used",
        "Sent you the money on Venmo for dinner",
        "Can you Venmo me for the pizza?",
        "Chase: You sent $60.00 with Zelle to JAKE MORRIS",
        "depositame a mi tarjeta lo de la comida",
    ],
    "package_fee": ["your package was delivered", "tu paquete llega mañana"],
    "line_registration": ["trae tu INE a la cita", "my phone line is busy"],
    "secrecy": ["don't share this code", "no compartas este código con nadie"],
    "family_emergency": ["hi mom, I landed safely", "ma ya llegue a la casa", "I'm stuck in a meeting"],
    "callback_number": ["call me later", "llamame al rato"],
    "alarm": ["If this was you, you don't need to do anything", "Realizaste una compra por $89"],
    "toll": [
        "Your E-ZPass statement is available in your account",
        "ya pague las casetas, nos vemos en Cuernavaca",
        "the toll road was empty today",
    ],
    "safe_account": [
        "I opened a new savings account",
        "mantén tu cuenta segura con 2FA",
        "move your car please",
    ],
    "remote_access": [
        "VPN remote access is down tonight",
        "descarga la app de Mi Telcel",
        "te paso el excel con macros habilitadas",
        "here's the screen share link for the sync",
        "Your TeamViewer session with IT is scheduled for 3pm",
    ],
    "job_offer": [
        "Remote job opportunity, see our careers page",
        "mija completa tus tareas antes de salir",
        "I got a new job, I'll tell you on WhatsApp later",
        "rate your delivery in the app",
        "Tu saldo está en negativo por la comisión del banco, pásate a la sucursal",
    ],
    "romance": [
        "My son is deployed in Germany, he calls every Sunday",
        "I saw your photo at the party, you look great",
        "la aduana es lenta pero ya llegue",
        "la Asamblea General de la ONU aprobó la convención",
        "My cousin is a doctor with the Red Cross in Ukraine",
    ],
    "advance_fee": [
        "Our processing fee is waived this month",
        "Free shipping on orders over $35",
        "el envio es gratis en compras mayores a $299",
        "te pago por adelantado la renta? jaja",
    ],
    "fake_renewal": [
        "Your Norton subscription renews on 12/01. Manage it in your account",
        "To cancel or reschedule your appointment, call 555-0142",
        "Para cancelar tu cita llama al 33 3615 0000",
        "call us to cancel your appointment",
    ],
    "utility_shutoff": [
        "Power will be shut off Tuesday 9am-1pm for scheduled maintenance",
        "CFE: aviso de corte programado por mantenimiento el martes",
        "We will never ask for immediate payment by phone to prevent a shutoff",
    ],
    "fraud_alert_reply": [
        "Reply YES to confirm your appointment or NO to cancel",
        "Chase: did you use card ending 1234? Reply YES or NO",
        "Responde SI para confirmar tu cita",
    ],
    "pay_first": [
        "I'm out of town this weekend, can you feed the cat?",
        "te mando la factura por correo en cuanto me pagues",
        "once you get home, send me a text",
        "I just venmo'd you for lunch",
    ],
    "investment": [
        "I paid my rent and put $100 in savings",
        "la inteligencia artificial esta de moda",
        "ganamos 3 a 1 el domingo",
    ],
}

# Fourth round: everyday messages the second and third blind sets (and probes) had flagged.
MORE_NOT_SHOWS: dict[str, list[str]] = {
    "prize": [
        "Congrats on the prize at the science fair!!",
        "Felicidades a Rodrigo, ganador del premio al empleado del mes",
        "Ya salio la lista de ganadores de la rifa del salon",
        "finally got my tax refund deposited!!",
    ],
    "video_bait": [
        "sales muy bien en la foto de la graduacion",
        "check out this video of the game",
        "Is this you in the photo from the reunion? Haha",
    ],
    "threat": [
        "Ya pague la multa del carro en la oficina de transito",
        "We have updated your account settings",
    ],
    "credentials": [
        "Can you send me the wifi password again?",
        "Your Lyft code is 2231. Tell your driver this code at pickup.",
        "Send me the code for the gate, I'm outside",
        "Mandame la clave del wifi porfa",
        "Your Uber code is 4417. Share this code with your driver at pickup.",
        "You can review or update your payment method by signing in to costco.com",
    ],
    "payment_method": [
        "Her prize is a $25 gift card and eternal bragging rights",
        "Santander: Se realizo una transferencia SPEI por $1,200.00 a la cuenta terminacion 0938",
        "le regalaron una tarjeta de regalo de Liverpool",
    ],
    "family_emergency": [
        "Soy Ana, la mama de Sofi. Cambie de numero, este es el nuevo. Siguen en pie para la posada?",
        "my phone broke so I got a new one, call me tonight",
    ],
    "secrecy": ["Your Google verification code is 482913. Don't share this code with anyone."],
    "fake_payment": ["Upgrade to Spotify Premium for 3 months free"],
    "pay_first": ["ya te lo aparto, pasas por el el sabado?"],
    "stranger_friendly": ["sorry wrong number, I meant to text my sister"],
}

# Fifth round: everyday messages the fourth blind set had flagged.
MORE_NOT_SHOWS_5: dict[str, list[str]] = {
    "prize": [
        "Congrats to Tom from accounting, who won the holiday party raffle!",
        "Chicos, ya salió el ganador de la rifa del celular: fue el boleto 047",
        "Congratulations! You've been accepted to the Fall 2025 cohort",
    ],
    "payment_method": ["Tom, come by HR to pick up your $100 Visa gift card."],
    "family_emergency": [
        "Hi it's Priya from the 3rd floor, this is my new number. See you at standup!",
        "Hola a todos, este es mi nuevo número, me cambié a Telcel. Guárdenlo porfa.",
    ],
    "new_number": ["my number is the same, call me", "ya tengo tu numero"],
    "package_fee": ["Order #2000119 will be held until 8pm tomorrow."],
    "charity": ["Thank you for your donation of $50 to the American Red Cross Disaster Relief Fund."],
    "threat": ["Items not picked up within 5 days will be canceled and refunded."],
    "credentials": [
        "can someone verify the promo code works before we launch tomorrow?",
        "Verifica tu correo: ingresa el código 55810 en la app.",
    ],
}


@pytest.mark.parametrize(
    ("signal", "text"),
    [(s, t) for d in (NOT_SHOWS, MORE_NOT_SHOWS, MORE_NOT_SHOWS_5) for s, ts in d.items() for t in ts],
)
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
    # a familiar ending glued to the real one: the registered domain is what counts
    ("https://txtag.org-pay.vip", "link_fake_ending", {"domain": "org-pay.vip"}),
    ("https://txtag.org-pay.vip", "link_brand", {"name": "TxTag", "official": "txtag.org"}),
    ("pay at sunpass .com-tollservices .icu", "link_fake_ending", {"domain": "com-tollservices.icu"}),
    ("pay at sunpass .com-tollservices .icu", "link_brand", {"name": "SunPass"}),
    ("https://docusign.net-secure-view.cc/sign?id=1", "link_fake_ending", {"domain": "net-secure-view.cc"}),
    ("https://docusign.net-secure-view.cc/sign?id=1", "link_brand", {"name": "DocuSign"}),
    ("appeal at steamcommunity.com.ru/appeal", "link_fake_ending", {"domain": "steamcommunity.com.ru"}),
    ("entra a santander.com.mx-verifica.top", "link_fake_ending", {"domain": "mx-verifica.top"}),
    ("go to my-shop.com-secure.xyz now", "link_fake_ending", {"domain": "com-secure.xyz"}),  # no brand named
    ("paga en telmex-regalo . com . mx", "link_brand", {"name": "Telmex", "domain": "telmex-regalo.com.mx"}),
    # a brand's name in an address at a free e-mail service
    ("Check the email from Zelle-Payments-Support@gmail.com.", "link_free_mail", {"name": "Zelle"}),
    ("escribe a soporte.bbva@hotmail.com", "link_free_mail", {"name": "BBVA", "official": "bbva.mx"}),
    ("contact irs_refunds@outlook.com", "link_free_mail", {"name": "IRS", "link": "irs_refunds@outlook.com"}),
]


@pytest.mark.parametrize(("text", "signal", "values"), LINKS)
def test_link_signals(checker: ScamChecker, text: str, signal: str, values: dict[str, str]) -> None:
    found = signals(checker, text)
    assert signal in found, (text, list(found))
    for key, value in values.items():
        assert found[signal].values[key] == value


def test_telegram_invites_are_a_weak_sign(checker: ScamChecker) -> None:
    # a private group invitation alone is not reported (friends share them too) ...
    assert checker.findings("join us t.me/+AbCdEf123") == []
    assert checker.findings("the channel is https://t.me/joinchat/AAAAxyz") == []
    # ... but it counts beside another sign, and it is noticed on Telegram's own domain
    found = signals(checker, "Guaranteed 5x returns! Join t.me/+cryptoVIPsignalz")
    assert found["link_invite"].values["link"] == "t.me/+cryptoVIPsignalz"
    found = signals(checker, "Minimum investment $250: https://t.me/joinchat/AAAAxyz")
    assert "link_invite" in found
    # a public channel or a person's page is not an invitation
    assert "link_invite" not in signals(checker, "Minimum investment $250: t.me/somechannel")


def test_fake_endings_are_not_real_public_suffixes(checker: ScamChecker) -> None:
    assert checker.fake_ending("amazon.com.mx") is None
    assert checker.fake_ending("www.gov.br") is None
    assert checker.fake_ending("www.gob.mx") is None
    assert checker.fake_ending("comcast.net") is None
    assert checker.fake_ending("com-pare.net") is None  # a name that starts with "com-" and nothing before it
    assert checker.fake_ending("a.b.example.com.mx") is None
    assert checker.fake_ending("my.com-cast.net") == "com-cast.net"


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
        "escribeme a amazonas.lopez@hotmail.com o a ana.sat@icloud.com",  # names, not brands
        "the receipt came from no-reply@chase.com",
        "I'm at version 1.2.3.4 now",
        "see you at 5. com'on",
        "Review your trip at costcotravel.com.",
        "Join the group t.me/+AbCdEf123",
        "I went to the shop. cc me on the email",
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
    huge = "act now " * 3000 + "bit.ly/x"
    assert [f.signal for f in checker.findings(huge)] == ["urgency"]  # cut at 4096 characters
    for odd in ("http://[::1/x", "https://", "a..b.com", "x@", "hxxp://[.]", "\ud800 bit.ly"):
        checker.findings(odd)  # malformed addresses and lone surrogates never raise
    assert checker.links("https://") == []


# -- the evaluation ---------------------------------------------------------------------------

EXAMPLES = ROOT / "content" / "scam_examples"
# Tuning sets: each was written blind, run once, read, and the signs were then broadened for what
# it missed; they also train the scam model. Blind sets (tests/data/scam_*.yaml): written by a
# helper who never saw the signals or the examples, run once with the whole checker.
TUNING_SETS = sorted(EXAMPLES.glob("*.yaml"))
BLIND_SETS = sorted(DATA.glob("scam_*.yaml"))


@pytest.fixture(scope="module")
def full_checker() -> ScamChecker:
    """The checker as the bot runs it: the written signs and the scam model."""
    data, problems = load_with_examples(ROOT / "content")
    assert data is not None and data.examples_dir is not None, problems
    checker = ScamChecker(data)
    checker.model = ensure_scam_model(
        data.examples_dir, checker.fold, NORMALIZER_VERSION, Settings().model_dir
    )
    assert checker.model is not None
    return checker


def test_the_development_set_is_present_and_large_enough() -> None:
    cases = yaml.safe_load((EXAMPLES / "scam_dev.yaml").read_text("utf-8"))
    assert sum(c["scam"] for c in cases) >= 60
    assert sum(not c["scam"] for c in cases) >= 40
    for case in cases:
        assert set(case) == {"text", "scam", "lang", "kind"}, case
        assert case["lang"] in {"en", "es"} and case["kind"] in {"sms", "whatsapp", "email"}


def _rates(checker: ScamChecker, path: Path) -> tuple[float, float, list[str], list[str]]:
    cases = yaml.safe_load(path.read_text("utf-8"))
    scams = [c["text"] for c in cases if c["scam"]]
    legit = [c["text"] for c in cases if not c["scam"]]
    assert scams and legit
    missed = [t for t in scams if not checker.findings(t)]
    flagged = [t for t in legit if checker.findings(t)]
    return 1 - len(missed) / len(scams), len(flagged) / len(legit), missed, flagged


@pytest.mark.parametrize("path", TUNING_SETS, ids=[p.name for p in TUNING_SETS])
def test_the_written_signs_alone_on_the_tuning_sets(checker: ScamChecker, path: Path) -> None:
    """Without the model (it learned from these files): at least 95% of scams show one or more
    signs, at most 10% of legitimate messages do.

    History (all 2026-11-28), each blind set run once before it became a tuning set:
    scam_holdout.yaml 115 of 126 caught (91.3%); scam_holdout2.yaml 153 of 177 (86.4%), 7 of 122
    flagged; scam_holdout3.yaml 79 of 90 (87.8%), 6 of 70 flagged; scam_holdout4.yaml 173 of 200
    (86.5%), 13 of 140 flagged (signs only: the scam model came after it). scam_probes.yaml was
    written by the lead after reading the signals (a tuning set from the start)."""
    caught, false_alarms, missed, flagged = _rates(checker, path)
    assert false_alarms <= 0.10, f"{false_alarms:.1%} of legitimate flagged:\n" + "\n".join(flagged)
    assert caught >= 0.95, f"{caught:.1%} of scams caught; missed:\n" + "\n".join(missed)


@pytest.mark.parametrize("path", BLIND_SETS, ids=[p.name for p in BLIND_SETS])
def test_the_whole_checker_on_the_blind_sets(full_checker: ScamChecker, path: Path) -> None:
    """The figures issue 14 asks for, on messages neither the signs nor the model have seen."""
    caught, false_alarms, missed, flagged = _rates(full_checker, path)
    assert false_alarms <= 0.10, f"{false_alarms:.1%} of legitimate flagged:\n" + "\n".join(flagged)
    assert caught >= 0.95, f"{caught:.1%} of scams caught; missed:\n" + "\n".join(missed)


@pytest.mark.parametrize("path", BLIND_SETS, ids=[p.name for p in BLIND_SETS])
def test_the_blind_sets_are_not_copied_from_the_examples(checker: ScamChecker, path: Path) -> None:
    """A copy of the examples would test nothing. Real messages are templates, so independent
    authors do meet ("Your Uber code is 4421. Never share this code."): scam_holdout5.yaml has 6
    of 340 messages within 90% of an example (3 scams, 3 legitimate). A copied set would have most."""
    from rapidfuzz import fuzz, process

    from cyberhygiene.scam_examples import load_examples

    examples, _ = load_examples(EXAMPLES)
    known = [checker.fold(e.text) for e in examples]
    cases = yaml.safe_load(path.read_text("utf-8"))
    close = []
    for case in cases:
        best = process.extractOne(checker.fold(case["text"]), known, scorer=fuzz.ratio)
        if best is not None and best[1] >= 90:
            close.append(case["text"])
    assert len(close) <= 0.05 * len(cases), close


def test_the_scam_model_leaving_each_file_out(checker: ScamChecker) -> None:
    """The model alone, trained without each tuning file in turn and tried on it: the threshold in
    scam_signals.yaml keeps it to at most 2% of legitimate messages while it catches most scams
    (2026-11-28: 88% caught, 0.9% flagged). This is how the threshold was chosen."""
    from cyberhygiene.model import train_samples
    from cyberhygiene.scam_examples import SCAM, load_examples, samples

    examples, problems = load_examples(EXAMPLES)
    assert not problems
    threshold = checker.data.model_threshold
    caught = scams = flagged = legit = 0
    for held in TUNING_SETS:
        train = [e for e in examples if not e.path.endswith("/" + held.name)]
        test = [e for e in examples if e.path.endswith("/" + held.name)]
        assert test and len(train) + len(test) == len(examples)
        model = train_samples(samples(train, checker.fold), "loo")
        k = model.classes.index(SCAM)
        for e in test:
            hit = model.probabilities(checker.fold(e.text))[k] >= threshold
            scams += e.scam
            legit += not e.scam
            caught += hit and e.scam
            flagged += hit and not e.scam
    assert flagged / legit <= 0.02, f"{flagged} of {legit} legitimate messages over the threshold"
    assert caught / scams >= 0.80, f"only {caught} of {scams} scams over the threshold"


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


def test_a_sign_covered_by_a_stronger_one_is_not_repeated(checker: ScamChecker) -> None:
    """ "This is my new number" is said once: by the relative-in-trouble sign when it fits."""
    both = signals(checker, "Hola ma, este es mi nuevo numero. Se me cayo el cel. Deposita 3500, es urgente")
    assert "family_emergency" in both and "new_number" not in both
    alone = signals(checker, "este es mi nuevo numero, guardalo. es urgente")
    assert {"new_number", "urgent_word"} <= set(alone) and "family_emergency" not in alone


def test_covered_by_must_name_another_signal(tmp_path: Path) -> None:
    text = (ROOT / "content" / "scam_signals.yaml").read_text("utf-8")
    broken = text.replace("    covered_by: [family_emergency]", "    covered_by: [no_such_sign]", 1)
    assert broken != text
    path = tmp_path / "scam_signals.yaml"
    path.write_text(broken, "utf-8")
    data, problems = load_signals(path)
    assert data is None
    assert any("covered_by 'no_such_sign' is not another signal" in str(p) for p in problems)
