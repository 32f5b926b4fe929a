"""The benchmarks still run against today's code and print their figures (smallest settings).

They are never timed here: speed is judged by running them by hand (see the README); these tests
only keep them from breaking silently when the engine's API changes.
"""

from __future__ import annotations

import re

import pytest

from benchmarks import checker, matcher, startup

FIGURE = r"\d+\.\d{3} ms/message"


def test_matcher_benchmark_runs(shared_engine: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert matcher.main(["--rounds", "1", "--no-x10", "--limit", "40"]) == 0
    out = capsys.readouterr().out
    assert re.search(rf"baseline extractOne\(WRatio\): +{FIGURE}", out), out
    assert re.search(rf"language \+ normalization \+ model: +{FIGURE} = \d+x faster", out), out
    assert "matcher: 40 messages" in out


def test_checker_benchmark_runs(shared_engine: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert checker.main(["--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(rf"ScamChecker.findings: +{FIGURE} = \d+\.\d\d x baseline", out), out
    assert re.search(rf"baseline Matcher.match: +{FIGURE}", out), out


def test_startup_benchmark_runs(shared_engine: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert startup.main(["--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"first console reply: +\d+ ms", out), out
    assert re.search(r"peak resident memory: +\d+\.\d MB", out), out
