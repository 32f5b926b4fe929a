"""``tune``: the vectorized replay of the decision rule agrees with the matcher, and the best point wins."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from cyberhygiene.config import MatchSettings
from cyberhygiene.engine import Engine
from cyberhygiene.evaluation import evaluate, load_cases
from cyberhygiene.matcher import Matcher
from cyberhygiene.tuning import GRID, MIN_REJECTION, decision_grids, objective_grid, tune

DATA = Path(__file__).resolve().parent / "data"


def test_grid_replay_equals_the_matchers_decisions(shared_engine: Engine) -> None:
    cases, _ = load_cases(DATA / "eval.yaml")
    accuracy, rejection = decision_grids(shared_engine, cases)
    assert accuracy.shape == rejection.shape == tuple(len(v) for v in GRID.values())
    # a few grid points, replayed through the real matcher
    for i, j, k, w in [(0, 0, 0, 0), (6, 2, 0, 5), (10, 5, 8, 3), (18, 9, 8, 10), (3, 1, 0, 7)]:
        settings = dataclasses.replace(
            MatchSettings(),
            threshold=GRID["threshold"][i],
            margin=GRID["margin"][j],
            oos_threshold=GRID["oos_threshold"][k],
            oos_weight=GRID["oos_weight"][w],
        )
        report = evaluate(
            shared_engine, cases, Matcher(shared_engine.matcher.model, settings, shared_engine.lexicon)
        )
        assert abs(report.in_scope_accuracy - accuracy[i, j, k, w]) < 1e-9
        assert abs(report.out_of_scope_rejection - rejection[i, j, k, w]) < 1e-9


def test_tune_picks_a_best_point_and_checks_it(shared_engine: Engine) -> None:
    cases, _ = load_cases(DATA / "eval.yaml")
    check, _ = load_cases(DATA / "holdout.yaml")
    result = tune(shared_engine, cases, check)
    grid = objective_grid(shared_engine, cases)
    assert result.objective == float(np.max(grid))
    accuracy, rejection = decision_grids(shared_engine, cases)
    if (rejection >= MIN_REJECTION).any():  # the best point reaches the floor and is the most accurate there
        assert result.tuned.out_of_scope_rejection >= MIN_REJECTION
        assert result.tuned.in_scope_accuracy == float(
            np.max(np.where(rejection >= MIN_REJECTION, accuracy, 0))
        )
    assert result.checked is not None and len(result.checked.predictions) == len(check)
    s = result.settings
    assert s.margin > 0  # "Did you mean…?" keeps a band
    assert (s.threshold, s.margin, s.oos_threshold, s.oos_weight) in {
        (t, m, o, w)
        for t in GRID["threshold"]
        for m in GRID["margin"]
        for o in GRID["oos_threshold"]
        for w in GRID["oos_weight"]
    }
