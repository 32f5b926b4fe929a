"""The trained intent model: determinism, the data hash, numpy vs scikit-learn, spelling, storage.

Small models are trained on the tiny data tree of test_yaml_and_validation or on a few real
intents, so these tests stay fast; the full model is trained once per session (conftest).
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import hstack

from cyberhygiene import model as M
from cyberhygiene.config import MatchSettings
from cyberhygiene.evaluation import load_cases
from cyberhygiene.knowledge import KnowledgeBase, load_or_raise
from cyberhygiene.matcher import Matcher
from cyberhygiene.normalize import Lexicon, normalize
from tests.test_yaml_and_validation import Tree

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    return Tree(tmp_path / "data")


def tree_kb(tree: Tree) -> KnowledgeBase:
    return load_or_raise(tree.intents, tree.content)


@pytest.fixture(scope="module")
def small_kb(kb: KnowledgeBase) -> KnowledgeBase:
    """Eight real intents (and the real out-of-scope examples): a real model, quick to train."""
    keep = dict(list(kb.intents.items())[:8])
    return dataclasses.replace(kb, intents=keep)


def test_training_is_deterministic(tree: Tree) -> None:
    kb = tree_kb(tree)
    lexicon = Lexicon(kb.lexicon)
    a, b = M.train(kb, lexicon), M.train(kb, lexicon)
    assert a.classes == b.classes == ["__out_of_scope__", "alpha", "beta"]
    assert a.data_hash == b.data_hash == M.data_hash(kb)
    assert np.array_equal(a.coef, b.coef) and np.array_equal(a.intercept, b.intercept)
    assert [blk.terms for blk in a.blocks] == [blk.terms for blk in b.blocks]


def test_data_hash_follows_what_training_reads(tree: Tree) -> None:
    base = M.data_hash(tree_kb(tree))
    # what the bot answers does not change the model ...
    tree.edit("content/answers/main.yaml", "Passwords", "Good passwords")
    assert M.data_hash(tree_kb(tree)) == base
    # ... a comment in an intents file does not either ...
    tree.write("intents/main.yaml", "# a comment\n" + tree.read("intents/main.yaml"))
    assert M.data_hash(tree_kb(tree)) == base
    # ... but a pattern, a keyword, an out-of-scope example or a lexicon entry does
    hashes = {base}
    for rel, old, new in (
        ("intents/main.yaml", "is my dogs name a good password", "is my cats name a good password"),
        ("intents/main.yaml", "en: [password]", "en: [passphrase]"),
        ("intents/out_of_scope.yaml", "whats the weather tomorrow", "whats the weather today"),
        ("intents/lexicon.yaml", "pw: password", "pwd: password"),
    ):
        tree.edit(rel, old, new)
        hashes.add(M.data_hash(tree_kb(tree)))
    assert len(hashes) == 5


def test_fresh_then_current_then_stale(tree: Tree, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """No model: train with a notice. Same data: load, no notice. Changed data: retrain."""
    models = tmp_path / "models"
    kb = tree_kb(tree)
    lexicon = Lexicon(kb.lexicon)
    with caplog.at_level(logging.WARNING, logger="cyberhygiene.model"):
        first = M.ensure_model(kb, lexicon, models)
    notices = [r.getMessage() for r in caplog.records]
    assert any("intent model is missing: training it now" in n for n in notices), notices
    assert any(n.startswith("training: ") and "fitted in" in n for n in notices), "visible progress"
    stored = M.model_path(models, first.data_hash)
    assert stored.is_file() and [p.name for p in models.iterdir()] == [stored.name]
    mtime = stored.stat().st_mtime_ns

    caplog.clear()
    M.clear_cache()  # a new process: the model comes from the file
    with caplog.at_level(logging.WARNING, logger="cyberhygiene.model"):
        again = M.ensure_model(tree_kb(tree), lexicon, models)
    assert caplog.records == []
    assert stored.stat().st_mtime_ns == mtime, "a current model is not retrained"
    assert again is not first and np.array_equal(again.coef, first.coef)

    tree.edit("intents/main.yaml", "my phone got stolen what now", "my phone got stolen on the bus what now")
    changed = tree_kb(tree)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="cyberhygiene.model"):
        retrained = M.ensure_model(changed, Lexicon(changed.lexicon), models)
    assert any("intent model is stale" in r.getMessage() for r in caplog.records)
    assert retrained.data_hash == M.data_hash(changed) != first.data_hash
    assert M.model_path(models, retrained.data_hash).is_file()
    m = Matcher(retrained, MatchSettings(), Lexicon(changed.lexicon))
    assert m.match("my phone got stolen on the bus what now", "en").alternatives[0][0] == "beta"


def test_damaged_model_file_is_retrained(
    tree: Tree, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    models = tmp_path / "models"
    kb = tree_kb(tree)
    model = M.ensure_model(kb, Lexicon(kb.lexicon), models)
    path = M.model_path(models, model.data_hash)
    path.write_bytes(b"PK\x03\x04 not really a zip")
    M.clear_cache()
    with pytest.raises(M.ModelFileError):
        M.Model.load(path)
    with caplog.at_level(logging.WARNING, logger="cyberhygiene.model"):
        fixed = M.ensure_model(kb, Lexicon(kb.lexicon), models)
    assert any("ignoring the model file" in r.getMessage() for r in caplog.records)
    assert np.array_equal(M.Model.load(path).coef, fixed.coef)


def test_saved_model_round_trips(tree: Tree, tmp_path: Path) -> None:
    kb = tree_kb(tree)
    model = M.train(kb, Lexicon(kb.lexicon))
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = M.Model.load(path)
    assert loaded.classes == model.classes and loaded.data_hash == model.data_hash
    assert loaded.correction_words == model.correction_words and loaded.known_words == model.known_words
    for text in ("how do i pick a strong password", "va a llover", ""):
        assert np.array_equal(loaded.probabilities(text), model.probabilities(text))


def test_numpy_prediction_equals_sklearn(small_kb: KnowledgeBase) -> None:
    lexicon = Lexicon(small_kb.lexicon)
    samples = M.training_samples(small_kb, lexicon)
    vectorizers, clf = M.fit_sklearn(samples)
    model = M.train_samples(samples, "test")
    assert model.classes == list(clf.classes_) and len(model.classes) == 9
    cases, _ = load_cases(DATA / "eval.yaml")
    texts = [model.correct(normalize(c.text, c.lang, lexicon)) for c in cases[:150]]
    texts += ["", "zzzz", "password password password", "contraseña"]
    expected = clf.predict_proba(hstack([v.transform(texts) for v in vectorizers]).tocsr())
    got = np.array([model.probabilities(t) for t in texts])
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) < 1e-6
    assert np.allclose(got.sum(axis=1), 1.0)


def test_features_are_sklearn_char_wb_and_word_bigrams() -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    text = "mi cel se perdio ok"
    wb = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    assert M.char_ngrams(text) == wb(text)
    assert M.word_ngrams("a b c") == ["a", "b", "c", "a b", "b c"]


def test_out_of_vocabulary_words_are_corrected_towards_common_words() -> None:
    samples = [
        M.Sample("how do i reset my password", "pw", "en"),
        M.Sample("is my password strong", "pw", "en"),
        M.Sample("i forgot my pasword", "pw", "en"),  # a typo, in one pattern only
        M.Sample("my phone was stolen", "phone", "en"),
        M.Sample("someone stole my phone", "phone", "en"),
        M.Sample("the weather tomorrow", M.OUT_OF_SCOPE, "en"),
    ]
    model = M.train_samples(samples, "test")
    assert "password" in model.correction_words and "pasword" not in model.correction_words
    assert "pasword" in model.known_words
    assert model.correct("my passwrod") == "my password"  # unknown word → common word
    assert model.correct("i forgot my pasword") == "i forgot my pasword"  # known words stay
    assert model.correct("stolne phon") == "stolne phon"  # too far or too short to correct
    assert model.correct("") == ""


def test_empty_text_gets_the_prior_and_no_answer(shared_engine: object) -> None:
    from cyberhygiene.engine import Engine

    assert isinstance(shared_engine, Engine)
    model = shared_engine.matcher.model
    prior = model.probabilities("")
    assert prior.shape == (len(model.classes),) and abs(float(prior.sum()) - 1.0) < 1e-9
    match = shared_engine.matcher.match("?!…", "en")
    assert match.intent is None and match.score == 0.0 and match.alternatives == []


def test_full_model_stored_under_its_hash(shared_engine: object, kb: KnowledgeBase) -> None:
    from cyberhygiene.engine import Engine

    assert isinstance(shared_engine, Engine)
    model = shared_engine.matcher.model
    assert model.data_hash == M.data_hash(kb)
    path = M.model_path(shared_engine.settings.model_dir, model.data_hash)
    assert path.is_file() and M.Model.load(path).data_hash == model.data_hash
    assert set(model.classes) == set(kb.intents) | {M.OUT_OF_SCOPE}


def test_copy_of_real_data_retrains_when_a_pattern_changes(tmp_path: Path, kb: KnowledgeBase) -> None:
    """The real intents, copied and changed: the stored model no longer matches them."""
    shutil.copytree(ROOT / "intents", tmp_path / "intents")
    copy = load_or_raise(tmp_path / "intents", ROOT / "content")
    assert M.data_hash(copy) == M.data_hash(kb)
    path = tmp_path / "intents" / "accounts.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("patterns:", "patterns:  # edited", 1), "utf-8")
    assert M.data_hash(load_or_raise(tmp_path / "intents", ROOT / "content")) == M.data_hash(kb)
    first = next(line for line in text.splitlines() if line.strip().startswith("- ") and ":" not in line)
    path.write_text(text.replace(first, first + " please", 1), "utf-8")
    assert M.data_hash(load_or_raise(tmp_path / "intents", ROOT / "content")) != M.data_hash(kb)


def test_two_classes_are_a_softmax_pair() -> None:
    """scikit-learn keeps one coefficient column for two classes; the stored model has both."""
    samples = [
        M.Sample("reset my password", "pw", "en"),
        M.Sample("strong password ideas", "pw", "en"),
        M.Sample("the weather tomorrow", M.OUT_OF_SCOPE, "en"),
        M.Sample("rain on sunday", M.OUT_OF_SCOPE, "en"),
    ]
    vectorizers, clf = M.fit_sklearn(samples)
    model = M.train_samples(samples, "test")
    assert model.coef.shape[1] == 2
    texts = ["my password", "weather", ""]
    expected = clf.predict_proba(hstack([v.transform(texts) for v in vectorizers]).tocsr())
    got = np.array([model.probabilities(t) for t in texts])
    assert np.max(np.abs(got - expected)) < 1e-6
