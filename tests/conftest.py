"""Shared fixtures. The knowledge base is loaded once per session (it is read-only)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# Must be set before telegram is imported anywhere (see cyberhygiene/channels/telegram.py).
os.environ.setdefault("PTB_TIMEDELTA", "true")

import pytest

from cyberhygiene.checker import ScamChecker
from cyberhygiene.config import Settings
from cyberhygiene.engine import Engine
from cyberhygiene.knowledge import KnowledgeBase, load_or_raise
from cyberhygiene.signals_data import load_signals
from cyberhygiene.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
INTENTS = ROOT / "intents"
CONTENT = ROOT / "content"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_or_raise(INTENTS, CONTENT)


@pytest.fixture(scope="session")
def checker() -> ScamChecker:
    """The message checker's written signs alone (content/scam_signals.yaml, no scam model)."""
    data, problems = load_signals(CONTENT / "scam_signals.yaml")
    assert data is not None, problems
    return ScamChecker(data)


@pytest.fixture(scope="session")
def shared_engine(kb: KnowledgeBase) -> Engine:
    """An engine over an in-memory store, for tests that only match text.

    Building it loads the intent model from MODEL_DIR's default (.cache/ in the checkout) or, when
    missing or stale, trains and saves it: once per data set. Every later Engine in the session
    (the ``engine`` fixture, the Telegram harness) reuses the model already loaded in this process,
    and subprocess tests that depend on this fixture find the file current."""
    return Engine(kb, open_store(":memory:"), Settings())


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "state.sqlite3")


@pytest.fixture
def store(db_path: str) -> Iterator[Store]:
    s = open_store(db_path)
    yield s
    s.close()


@pytest.fixture
def engine(kb: KnowledgeBase, store: Store) -> Engine:
    return Engine(kb, store, Settings(flood_messages=10_000, flood_presses=10_000))
