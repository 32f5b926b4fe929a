"""Text normalization: fold() and the per-language Lexicon (and the real intents/lexicon.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cyberhygiene import yamlsrc
from cyberhygiene.knowledge import KnowledgeBase
from cyberhygiene.normalize import MAX_PHRASE_WORDS, Lexicon, fold, normalize

ROOT = Path(__file__).resolve().parent.parent


# -- fold -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("HELLO World", "hello world"),
        ("Straße", "strasse"),  # casefold, not lower
        ("¿Cómo está?", "como esta"),
        ("¡Ayúdame!", "ayudame"),
        ("contraseña", "contrasena"),
        ("Pingüino ÁÉÍÓÚ", "pinguino aeiou"),
        ("what's up, doc?!", "what s up doc"),
        ("e-mail / wi-fi", "e mail wi fi"),
        ("snake_case_word", "snake case word"),
        ("  lots   of\t\nspace  ", "lots of space"),
        ("", ""),
        ("...!!!¿¿", ""),
    ],
)
def test_fold_basics(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("holaaa", "hola"),
        ("holaaaaaaaa", "hola"),
        ("HOLAAA", "hola"),
        ("siiiii porfaaa", "si porfa"),
        ("heeeelp meeee", "help me"),
        ("nooo!!!", "no"),
    ],
)
def test_fold_squeezes_three_or_more_repeats(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize("word", ["llamada", "correo", "llorar", "carro", "good", "coffee", "accesso", "zz"])
def test_fold_keeps_double_letters(word: str) -> None:
    assert fold(word) == word


def test_fold_keeps_repeated_digits() -> None:
    # numbers are not "letters repeated for emphasis"
    assert fold("call 1000 or 911") == "call 1000 or 911"
    assert fold("code 77726") == "code 77726"


@pytest.mark.parametrize(
    "text",
    [
        "hola 👋",
        "👋 hola",
        "hola👋🏽",
        "hola\u200b",  # zero-width space
        "\u200bhola",
        "\ufeffhola",  # byte-order mark
        "\u200fhola\u200e",  # right-to-left / left-to-right marks
        "\u202ehola\u202c",  # RTL override / pop
        "hola \u2066\u2069",  # isolates
        "🔥🔥🔥 hola 🔥",
        "hola\x00\x07",  # control characters
    ],
)
def test_fold_drops_emoji_invisible_and_direction_marks(text: str) -> None:
    assert fold(text) == "hola"


@pytest.mark.parametrize("text", ["contra\u200bseña", "pass\u00adword", "what\u200dsapp"])
def test_fold_drops_invisible_characters_inside_a_word(text: str) -> None:
    assert " " not in fold(text)


def test_fold_compatibility_forms() -> None:
    assert fold("ＨＯＬＡ") == "hola"  # fullwidth letters
    assert fold("ﬁ") == "fi"  # ligature


@pytest.mark.parametrize("text", ["𝐇𝐎𝐋𝐀", "𝓗𝓸𝓵𝓪", "ℌola"])
def test_fold_lowercases_fancy_font_letters(text: str) -> None:
    assert fold(text) == "hola"


def test_fold_emoji_only_is_empty() -> None:
    assert fold("👍🏻🙏❤️") == ""


def test_fold_is_idempotent_on_examples() -> None:
    for text in ["¿Cómo está, José?", "HOLAAA!!!", "wi-fi 👋 contraseña", "llamada   correo"]:
        once = fold(text)
        assert fold(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=50))
def test_fold_output_shape(text: str) -> None:
    out = fold(text)
    assert out == out.strip()
    assert "  " not in out
    assert all(ch.isalnum() or ch == " " for ch in out), out


# -- Lexicon --------------------------------------------------------------------------------


def test_lexicon_replaces_whole_words_only() -> None:
    lex = Lexicon({"es": {"cel": "celular"}})
    assert normalize("se me perdio el cel", "es", lex) == "se me perdio el celular"
    assert normalize("excelente celda", "es", lex) == "excelente celda"


def test_lexicon_keys_and_values_are_folded() -> None:
    lex = Lexicon({"es": {"Contra": "Contraseña", "Wi-Fi": "WiFi"}})
    assert normalize("¡Olvidé mi CONTRA del wi fi!", "es", lex) == "olvide mi contrasena del wifi"


def test_lexicon_message_language_wins_on_conflicts() -> None:
    lex = Lexicon({"en": {"pc": "computer"}, "es": {"pc": "computadora"}})
    assert normalize("my pc", "en", lex) == "my computer"
    assert normalize("mi pc", "es", lex) == "mi computadora"


def test_lexicon_tables_are_not_mixed_across_languages() -> None:
    # each message uses its own language's table only
    lex = Lexicon({"en": {"pw": "password"}, "es": {"cel": "celular"}})
    assert normalize("pw cel", "en", lex) == "password cel"
    assert normalize("pw cel", "es", lex) == "pw celular"
    # a language with no table of its own: unchanged
    assert normalize("pw cel", "fr", lex) == "pw cel"
    assert lex.languages == ["en", "es"]


def test_lexicon_longest_phrase_first() -> None:
    lex = Lexicon({"en": {"two": "2", "two step": "two factor", "two step login": "mfa login"}})
    assert normalize("two step login please", "en", lex) == "mfa login please"
    assert normalize("two step code", "en", lex) == "two factor code"
    assert normalize("two cats", "en", lex) == "2 cats"


def test_lexicon_replacements_are_not_reapplied() -> None:
    # a → b and b → c: "a" becomes "b", not "c" (one pass, left to right)
    lex = Lexicon({"en": {"a": "b", "b": "c"}})
    assert normalize("a b", "en", lex) == "b c"


def test_lexicon_can_expand_and_shrink() -> None:
    lex = Lexicon({"en": {"2fa": "two factor authentication", "multi factor": "mfa"}})
    assert lex.apply(["my", "2fa"], "en") == ["my", "two", "factor", "authentication"]
    assert lex.apply(["multi", "factor", "code"], "en") == ["mfa", "code"]


def test_lexicon_ignores_overlong_or_empty_keys() -> None:
    long_key = " ".join(["w"] * (MAX_PHRASE_WORDS + 1))
    lex = Lexicon({"en": {long_key: "x", "!!!": "y", "ok": "fine"}})
    words = long_key.split()
    assert lex.apply(words, "en") == words
    assert normalize("ok !!!", "en", lex) == "fine"


def test_normalize_without_lexicon_is_fold() -> None:
    assert normalize("¿Qué ONDA, compa?", "es") == fold("¿Qué ONDA, compa?") == "que onda compa"
    assert Lexicon().apply(["a"], "en") == ["a"]


# -- the real lexicon -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_lexicon() -> Lexicon:
    data, problems = yamlsrc.load_file(ROOT / "intents" / "lexicon.yaml")
    assert problems == []
    return Lexicon(
        {lang: {str(k): str(v) for k, v in table.items()} for lang, table in data["lexicon"].items()}
    )


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("se me perdio el cel", "es", "se me perdio el celular"),
        ("mi compu esta lenta", "es", "mi computadora esta lenta"),
        ("me hackearon el face", "es", "me hackearon el facebook"),
        ("me llego un whats raro", "es", "me llego un whatsapp raro"),
        ("olvide mi contra", "es", "olvide mi contrasena"),
        ("¿Cómo cambio mi Contra?", "es", "como cambio mi contrasena"),
        ("forgot my pw", "en", "forgot my password"),
    ],
)
def test_real_lexicon(real_lexicon: Lexicon, text: str, lang: str, expected: str) -> None:
    assert normalize(text, lang, real_lexicon) == expected


def test_real_lexicon_keeps_english_words_english(real_lexicon: Lexicon) -> None:
    # the Spanish table maps "password" to "contrasena"; an English message must not get it
    assert normalize("best password manager", "en", real_lexicon) == "best password manager"
    assert normalize("olvide mi password", "es", real_lexicon) == "olvide mi contrasena"


def test_real_lexicon_2fa(real_lexicon: Lexicon) -> None:
    assert "two factor" in normalize("how do i turn on 2fa", "en", real_lexicon)
    assert "2fa" not in normalize("2FA", "en", real_lexicon).split()
    assert normalize("activa 2fa", "es", real_lexicon) == "activa verificacion en dos pasos"


def test_kb_lexicon_matches_the_file(kb: KnowledgeBase, real_lexicon: Lexicon) -> None:
    lex = Lexicon(kb.lexicon)
    for text, lang in [
        ("mi cel y mi compu", "es"),
        ("pw and 2fa", "en"),
        ("contra del face", "es"),
    ]:
        assert normalize(text, lang, lex) == normalize(text, lang, real_lexicon)


def test_language_scores_equal_the_naive_bayes_formula() -> None:
    """The language model's precomputed word scores give exactly the textbook naive Bayes score
    (add-0.5 smoothing over words and trigrams) for seen and unseen words alike."""
    import math
    from collections import Counter

    from cyberhygiene.language import LanguageModel

    samples = {
        "en": ["my account was hacked", "how do i make a strong password", "hello there"],
        "es": ["me hackearon la cuenta", "como hago una contrasena segura", "hola que tal"],
    }
    model = LanguageModel(samples, trigram_weight=0.15)

    def grams(w: str) -> list[str]:
        p = f" {w} "
        return [p[i : i + 3] for i in range(len(p) - 2)]

    words = {lang: Counter(w for t in ts for w in t.split()) for lang, ts in samples.items()}
    tri = {lang: Counter(g for t in ts for w in t.split() for g in grams(w)) for lang, ts in samples.items()}
    wv = len(set(words["en"]) | set(words["es"])) + 1
    gv = len(set(tri["en"]) | set(tri["es"])) + 1

    def reference(lang: str, text: str) -> float:
        wt, gt = sum(words[lang].values()), sum(tri[lang].values())
        score = 0.0
        for w in fold(text).split():  # the model folds (case, accents, repeated letters)
            score += math.log((words[lang][w] + 0.5) / (wt + 0.5 * wv))
            score += 0.15 * sum(math.log((tri[lang][g] + 0.5) / (gt + 0.5 * gv)) for g in grams(w))
        return score

    for text in ["my cuenta was hackeada", "zzz qqq", "HOLA password segura", "CONTRASENA!!", ""]:
        detection = model.detect(text)
        en, es = reference("en", text), reference("es", text)
        assert detection.lang == ("en" if en >= es else "es")
        assert math.isclose(detection.confidence, abs(en - es), abs_tol=1e-9)


def test_stored_language_tables_detect_exactly_like_freshly_built_ones(tmp_path: Path) -> None:
    """The tables kept in MODEL_DIR (built once per data hash) give the very same detections."""
    import yaml

    from cyberhygiene.knowledge import load_or_raise
    from cyberhygiene.language import LanguageModel, language_for, language_path, load_language, save_language

    kb = load_or_raise(ROOT / "intents", ROOT / "content")
    samples: dict[str, list[str]] = {"en": [], "es": []}
    for intent in kb.intents.values():
        for lang, pats in intent.patterns.items():
            samples[lang].extend(pats)
    built = LanguageModel(samples)
    assert load_language(tmp_path, "abc") is None, "nothing stored yet"
    path = save_language(built, tmp_path, "abc")
    assert path == language_path(tmp_path, "abc") and path.is_file()
    loaded = load_language(tmp_path, "abc")
    assert loaded is not None and loaded is not built
    assert load_language(tmp_path, "other") is None, "another data hash is not used"
    texts = [c["text"] for c in yaml.safe_load((ROOT / "tests" / "data" / "eval.yaml").read_text("utf-8"))]
    texts += ["", "ok", "???", "WhatsApp", "me hackearon el face", "zzqx blorp"]
    for text in texts:
        assert loaded.detect(text) == built.detect(text), text
    # language_for loads what is stored and builds (and stores) what is not
    assert language_for(samples, tmp_path, "abc").detect("hola") == built.detect("hola")
    language_for(samples, tmp_path, "new")
    assert language_path(tmp_path, "new").is_file()
    # a damaged file is ignored (and rebuilt by language_for)
    language_path(tmp_path, "abc").write_bytes(b"not npz")
    assert load_language(tmp_path, "abc") is None
    assert language_for(samples, tmp_path, "abc").detect("hello") == built.detect("hello")
