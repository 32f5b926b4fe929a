"""The scam examples (content/scam_examples/) and the scam model trained on them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cyberhygiene.checker import NORMALIZER_VERSION, ScamChecker
from cyberhygiene.scam_examples import (
    MODEL_PREFIX,
    ExamplesError,
    ensure_scam_model,
    examples_hash,
    load_examples,
)
from cyberhygiene.signals_data import load_with_examples

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "content" / "scam_examples"


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def test_the_examples_are_valid_and_both_languages_and_kinds_are_there() -> None:
    examples, problems = load_examples(EXAMPLES)
    assert problems == []
    assert len(examples) > 1000
    for lang in ("en", "es"):
        assert sum(e.scam and e.lang == lang for e in examples) > 300
        assert sum(not e.scam and e.lang == lang for e in examples) > 200


def test_every_problem_at_once_with_its_line(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "a.yaml",
        "- {text: 'Pay now', scam: true, lang: en, kind: sms}\n"
        "- {text: '', scam: maybe, lang: fr, kind: fax}\n"
        "- just a string\n"
        "- {text: 'hi', scam: false, lang: en, kind: sms, extra: 1}\n",
    )
    _write(tmp_path, "b.yaml", "- {text: 'Pay now', scam: false, lang: en, kind: sms}\n")
    _write(tmp_path, "c.yaml", "text: not a list\n")
    _examples, problems = load_examples(tmp_path, "content/scam_examples")
    shown = [str(p) for p in problems]
    assert "content/scam_examples/a.yaml:2: text must be the message, as text" in shown
    assert "content/scam_examples/a.yaml:2: scam must be true or false, got 'maybe'" in shown
    assert "content/scam_examples/a.yaml:2: lang must be en or es, got 'fr'" in shown
    assert any(s.startswith("content/scam_examples/a.yaml:2: kind must be one of") for s in shown)
    assert "content/scam_examples/a.yaml:3: each item must be {text, scam, lang, kind}" in shown
    assert any(s.startswith("content/scam_examples/a.yaml:4: unknown keys: extra") for s in shown)
    assert (
        "content/scam_examples/b.yaml:1: the same message is labelled the other way at "
        "content/scam_examples/a.yaml:1" in shown
    )
    assert any(s.startswith("content/scam_examples/c.yaml:1:") for s in shown)


def test_validate_reports_bad_examples(tmp_path: Path) -> None:
    from cyberhygiene.knowledge import load_or_raise
    from cyberhygiene.signals_data import load_for

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "scam_examples" / "broken.yaml").write_text("- {text: 'x', scam: maybe}\n", "utf-8")
    kb = load_or_raise(ROOT / "intents", ROOT / "content")
    data, problems = load_for(kb, content)
    assert data is None
    assert any("broken.yaml:1: scam must be true or false" in str(p) for p in problems)


def test_same_message_twice_with_the_same_label_is_kept_once(tmp_path: Path) -> None:
    line = "- {text: 'Your code is 1234', scam: false, lang: en, kind: sms}\n"
    _write(tmp_path, "a.yaml", line)
    _write(tmp_path, "b.yaml", line)
    examples, problems = load_examples(tmp_path)
    assert problems == [] and len(examples) == 1


def test_model_is_trained_once_then_loaded_and_retrained_when_examples_change(
    tmp_path: Path, checker: ScamChecker
) -> None:
    folder = tmp_path / "examples"
    shutil.copytree(EXAMPLES, folder)
    models = tmp_path / "models"
    first = ensure_scam_model(folder, checker.fold, NORMALIZER_VERSION, models)
    assert first is not None and first.classes == ["legit", "scam"]
    files = sorted(models.glob(f"{MODEL_PREFIX}-*.npz"))
    assert len(files) == 1 and not list(models.glob("model-*.npz")), "its own name, not the intent model's"
    from cyberhygiene.model import clear_cache

    clear_cache()
    again = ensure_scam_model(folder, checker.fold, NORMALIZER_VERSION, models)
    assert again is not None and again.data_hash == first.data_hash
    assert sorted(models.glob(f"{MODEL_PREFIX}-*.npz")) == files, "loaded, not trained again"
    before = examples_hash(folder, NORMALIZER_VERSION)
    with (folder / "scam_dev.yaml").open("a", encoding="utf-8") as fh:
        fh.write("- {text: 'Tu paquete llega hoy entre 2 y 6 pm', scam: false, lang: es, kind: sms}\n")
    assert examples_hash(folder, NORMALIZER_VERSION) != before
    assert examples_hash(folder, "2") != before, "a new normalization retrains too"
    third = ensure_scam_model(folder, checker.fold, NORMALIZER_VERSION, models)
    assert third is not None and third.data_hash != first.data_hash


def test_broken_examples_stop_training_with_every_problem(tmp_path: Path, checker: ScamChecker) -> None:
    folder = tmp_path / "examples"
    _write(folder, "a.yaml", "- {text: 'x', scam: true, lang: en, kind: sms}\n- {text: 'y'}\n")
    with pytest.raises(ExamplesError) as info:
        ensure_scam_model(folder, checker.fold, NORMALIZER_VERSION, tmp_path / "models")
    assert "a.yaml:2: scam must be true or false" in str(info.value)


def test_no_model_without_both_kinds(tmp_path: Path, checker: ScamChecker) -> None:
    folder = tmp_path / "examples"
    _write(folder, "a.yaml", "- {text: 'Pay the fee now', scam: true, lang: en, kind: sms}\n")
    assert ensure_scam_model(folder, checker.fold, NORMALIZER_VERSION, tmp_path / "models") is None
    assert ensure_scam_model(tmp_path / "none", checker.fold, NORMALIZER_VERSION, tmp_path / "models") is None


def test_the_model_sign_quotes_the_words_that_weigh_most(tmp_path: Path) -> None:
    data, _ = load_with_examples(ROOT / "content")
    assert data is not None and data.examples_dir is not None
    checker = ScamChecker(data)
    # A scam shape none of the written signs describes (checked below), in words scams use.
    text = "Dear user, we noticed a problem with your billing. Kindly reply with your details to avoid interruption."
    assert checker.findings(text) == [], "no written sign fits this one"
    checker.model = ensure_scam_model(data.examples_dir, checker.fold, NORMALIZER_VERSION, tmp_path)
    probability = checker.scam_probability(text)
    assert probability is not None and probability >= data.model_threshold
    (finding,) = [f for f in checker.findings(text) if f.signal == "reads_like_scam"]
    quoted = finding.quote.split("”, “")
    assert 1 <= len(quoted) <= 3
    assert all(q and q.lower() in text.lower() for q in quoted), quoted
    line = checker.line(finding, "es")
    assert line.startswith("Se parece a los mensajes de estafa que conozco")
    assert not {"your", "with", "the"} & {q.lower() for q in quoted}, "no words every message has"
    # Everyday messages stay under the threshold, and a written sign comes first: no model sign then.
    for everyday in ("ya llegue a la casa, nos vemos mañana", "Your Chase verification code is 482913."):
        assert not any(f.signal == "reads_like_scam" for f in checker.findings(everyday))
    signed = checker.findings("Your account has been suspended, verify at chase-verify.info")
    assert signed and not any(f.signal == "reads_like_scam" for f in signed)
    # the threshold is data: above every probability, the sign never shows
    checker.data.model_threshold = 0.999999
    try:
        assert checker.findings(text) == []
    finally:
        checker.data.model_threshold = data.model_threshold


def test_an_unreadable_model_file_is_retrained(tmp_path: Path, checker: ScamChecker) -> None:
    folder = tmp_path / "examples"
    shutil.copytree(EXAMPLES, folder)
    from cyberhygiene.model import clear_cache, model_path

    digest = examples_hash(folder, NORMALIZER_VERSION)
    path = model_path(tmp_path / "models", digest, MODEL_PREFIX)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a model")
    clear_cache()
    model = ensure_scam_model(folder, checker.fold, NORMALIZER_VERSION, tmp_path / "models")
    assert model is not None and model.data_hash == digest
    assert path.read_bytes()[:2] == b"PK", "a real .npz replaced the damaged file"


def test_train_builds_the_scam_model_too(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "MODEL_DIR": str(tmp_path / "models"), "TELEGRAM_BOT_TOKEN": ""}
    out = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "train"], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr
    (scam,) = (tmp_path / "models").glob(f"{MODEL_PREFIX}-*.npz")
    assert f"scam model: {scam}" in out.stdout
    assert len(list((tmp_path / "models").glob("model-*.npz"))) == 1
