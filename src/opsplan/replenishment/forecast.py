"""Forecasts from demand history, with their error, for items that give no forecast.

- intermittent demand (many zero periods): Croston's method;
- otherwise exponential smoothing from statsmodels: simple, with additive trend, and with
  additive seasonality when `season_length` is given and two full seasons are known; the
  candidate with the lowest AIC wins.
The forecast error is the standard deviation of the one-step-ahead in-sample errors.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

INTERMITTENT_ZERO_SHARE = 0.3  # Croston when more than this share of periods has no demand


@dataclass(frozen=True)
class Forecast:
    method: str
    values: list[float]  # one per future period
    error: float  # standard deviation of one period's forecast error
    level: float


def croston(history: list[float], periods: int, alpha: float = 0.1) -> Forecast:
    """Croston: smooth the non-zero sizes and the intervals between them separately."""
    y = np.asarray(history, dtype=float)
    nz = np.flatnonzero(y > 0)
    if len(nz) == 0:
        return Forecast("croston", [0.0] * periods, 0.0, 0.0)
    size = y[nz[0]]
    interval = float(nz[0] + 1)
    gap = 0
    errors: list[float] = []
    for t in range(int(nz[0]) + 1, len(y)):
        errors.append(y[t] - size / interval)
        gap += 1
        if y[t] > 0:
            size = size + alpha * (y[t] - size)
            interval = interval + alpha * (gap - interval)
            gap = 0
    rate = size / interval
    err = float(np.sqrt(np.mean(np.square(errors)))) if errors else 0.0
    return Forecast("croston", [float(rate)] * periods, err, float(rate))


def _ets(history: list[float], periods: int, season_length: int | None) -> Forecast:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = np.asarray(history, dtype=float)
    if np.allclose(y, y[0]):  # a constant series: its level, no error
        return Forecast("simple", [float(y[0])] * periods, 0.0, float(y[0]))
    candidates: list[tuple[str, dict[str, object]]] = [("simple", {})]
    if len(y) >= 6:
        candidates.append(("trend", {"trend": "add"}))
    if season_length and len(y) >= 2 * season_length:
        candidates.append(("seasonal", {"seasonal": "add", "seasonal_periods": season_length}))
        candidates.append(
            (
                "trend_seasonal",
                {"trend": "add", "seasonal": "add", "seasonal_periods": season_length},
            )
        )
    best: tuple[float, str, Any] | None = None
    for name, kw in candidates:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = ExponentialSmoothing(y, initialization_method="estimated", **kw).fit()
            except (ValueError, np.linalg.LinAlgError):
                continue
        aic = float(fit.aic)
        if not math.isfinite(aic):
            aic = float(np.sum(np.square(fit.resid)))
        if best is None or aic < best[0]:
            best = (aic, name, fit)
    assert best is not None
    _, name, fit = best
    values = [max(0.0, float(v)) for v in fit.forecast(periods)]
    resid = np.asarray(fit.resid, dtype=float)
    err = float(np.sqrt(np.mean(np.square(resid)))) if len(resid) else 0.0
    level = float(fit.level[-1])
    return Forecast(name, values, err, level)


def forecast(history: list[float], periods: int, season_length: int | None = None) -> Forecast:
    """Forecast `periods` future periods from `history` (oldest first).

    A solve fits each history once (prepare.py, once per solve). The checker, written apart
    from the solve, asks again for the same histories to verify the plan's demand; the fits
    are remembered (`_fitted`) so that its question costs a look-up, not a second fit (about
    25 ms each; 5 s for the 400 histories of a 2,000-item plan). The values list is shared:
    callers copy it.
    """
    return _fitted(tuple(float(v) for v in history), periods, season_length)


@lru_cache(maxsize=1024)
def _fitted(history_t: tuple[float, ...], periods: int, season_length: int | None) -> Forecast:
    history = list(history_t)
    if not history:
        return Forecast("none", [0.0] * periods, 0.0, 0.0)
    zeros = sum(1 for v in history if v <= 0) / len(history)
    if zeros > INTERMITTENT_ZERO_SHARE:
        return croston(history, periods)
    if len(history) < 3:
        m = float(np.mean(history))
        return Forecast("mean", [m] * periods, float(np.std(history)), m)
    return _ets(history, periods, season_length)
