"""Forecasts from demand history and the per-item policies, on synthetic series."""

from __future__ import annotations

import importlib
import math
import random

import pytest

from opsplan.replenishment.forecast import croston, forecast
from opsplan.replenishment.policies import eoq

from .helpers import req, solved


def test_constant_series_forecasts_its_level_without_error():
    f = forecast([40.0] * 20, 5)
    assert f.values == pytest.approx([40.0] * 5) and f.error == 0.0


def test_noisy_level_forecasts_near_the_mean_with_its_noise():
    rng = random.Random(3)
    hist = [100 + rng.gauss(0, 5) for _ in range(60)]
    f = forecast(hist, 4)
    assert all(abs(v - 100) < 5 for v in f.values)
    assert 3 < f.error < 8


def test_trend_is_followed():
    hist = [10.0 + 2 * t + (0.5 if t % 2 else -0.5) for t in range(30)]
    f = forecast(hist, 3)
    assert f.method in ("trend", "trend_seasonal")
    assert f.values[0] == pytest.approx(70, abs=3)
    assert f.values[2] > f.values[0] + 2


def test_seasonality_is_followed_when_given():
    season = [10, 30, 50, 30]
    hist = [float(season[t % 4]) for t in range(24)]
    f = forecast(hist, 4, season_length=4)
    assert "seasonal" in f.method
    assert f.values == pytest.approx(season, abs=2)


def test_croston_on_intermittent_demand():
    hist = [0, 0, 6, 0, 0, 0, 6, 0, 0, 6, 0, 0] * 3
    f = forecast([float(v) for v in hist], 3)
    assert f.method == "croston"
    assert f.values[0] == pytest.approx(6 / 3.3, rel=0.15)  # a size of 6 every ~3.3 periods
    assert croston([0.0] * 5, 2).values == [0.0, 0.0]


def test_plan_from_history_orders_the_forecast():
    hist = [20.0] * 12
    it = {"id": "A", "history": hist, "unit_cost": 1, "holding_cost": 1}
    res = solved(req([it], periods=4))
    assert res.solution["forecasts"][0]["method"] == "simple"
    assert sum(o["quantity"] for o in res.solution["orders"]) == pytest.approx(80, abs=1e-4)


def test_service_level_safety_stock_from_history_error():
    rng = random.Random(5)
    hist = [50 + rng.gauss(0, 10) for _ in range(52)]
    it = {
        "id": "A",
        "history": hist,
        "lead_time": 3,
        "unit_cost": 1,
        "initial_stock": 400,
        "safety_stock": {"kind": "service_level", "level": 0.95},
    }
    res = solved(req([it], periods=6))
    fc = res.solution["forecasts"][0]
    assert fc["safety_stock"] == pytest.approx(1.6448536 * fc["forecast_error"] * 2, rel=1e-4)
    assert 5 < fc["forecast_error"] < 15


def test_eoq_and_policies():
    assert eoq(100, 50, 1) == pytest.approx(math.sqrt(2 * 100 * 50))
    it = {
        "id": "A",
        "demand": [100.0] * 4,
        "order_cost": 50,
        "holding_cost": 1,
        "lead_time": 1,
        "pack_size": 25,
        "initial_stock": 100,
        "safety_stock": {"kind": "fixed", "quantity": 30},
    }
    res = solved(req([it]))
    pol = res.solution["policies"][0]
    assert pol["eoq"] == 100  # sqrt(10000) = 100, already whole packs
    assert pol["reorder_point"] == pytest.approx(100 * 2 + 30)
    assert pol["order_up_to"] == pytest.approx(230 + 100)


def test_a_solve_fits_each_history_once_and_the_checker_asks_again(monkeypatch):
    fc = importlib.import_module("opsplan.replenishment.forecast")
    check = importlib.import_module("opsplan.replenishment.check")
    prepare = importlib.import_module("opsplan.replenishment.prepare")
    calls = {"prepare": 0, "check": 0, "fit": 0}

    def counted(where, real):
        def run(*a, **kw):
            calls[where] += 1
            return real(*a, **kw)

        return run

    monkeypatch.setattr(prepare, "forecast", counted("prepare", prepare.forecast))
    monkeypatch.setattr(check, "forecast", counted("check", check.forecast))
    monkeypatch.setattr(fc, "_ets", counted("fit", fc._ets))
    rng = random.Random(11)  # histories no other test fits
    hist = [[20.0 + rng.gauss(0, 2) for _ in range(12)] for _ in range(2)]
    it = {"id": "A", "history": hist[0], "unit_cost": 1}
    ss = {"kind": "service_level", "level": 0.9}
    solved(req([it, {**it, "id": "B", "history": hist[1], "safety_stock": ss}], periods=4))
    # prepared once: one forecast per item with a history; the checker asks on its own, and
    # each history is fitted once
    assert calls == {"prepare": 2, "check": 2, "fit": 2}
