"""Requests per minute per API key: a token bucket for each key, in the web process.

Each key's bucket holds up to `burst` tokens and refills at `per_minute / 60` tokens a second;
a request takes one token, and a request that finds less than one is refused with the seconds
until a token is back (the 429's Retry-After). The state is one (tokens, time) pair per key, so
it is bounded by the configured keys (requests are limited only after their key is accepted).

Why not a library: the limit needs per-process state for a few keys, an exact Retry-After and
a clock the tests can move. `limits` (slowapi's engine) would be a new dependency whose memory
storage reads the wall clock itself and expires windows on a timer thread; pyrate-limiter keeps
a log item per request in the window and empties it on a background leak thread. A bucket is
two numbers per key and a dozen lines. The durable, cross-replica limit is the other one:
unfinished jobs per key, counted in the job store (`Store.unfinished_count`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self, per_minute: int, burst: int | None = None, clock: Callable[[], float] | None = None
    ) -> None:
        self.rate = per_minute / 60.0  # tokens a second
        self.burst = float(burst if burst is not None else per_minute)
        self.clock = clock or time.monotonic
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    @property
    def on(self) -> bool:
        return self.rate > 0

    def take(self, client: str) -> float:
        """0 when `client` may make a request now (a token is taken), else the seconds to wait."""
        if not self.on:
            return 0.0
        with self._lock:
            now = self.clock()
            tokens, then = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.rate


def retry_after(wait_s: float) -> str:
    """A Retry-After value (whole seconds, at least 1) for a wait."""
    return str(max(1, math.ceil(wait_s)))
