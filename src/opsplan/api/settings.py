"""Service settings: environment variables with the OPSPLAN_ prefix (pydantic-settings).

`get_settings()` is the cached FastAPI dependency; `create_app(settings)` overrides it so tests
and `opsplan serve --data-dir` give their own.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

# a list setting is read by `_list` below, not decoded as JSON first (so `abc` and `a,b` work)
StrList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPSPLAN_", extra="ignore")

    data_dir: Path = Field(Path("opsplan-data"), description="Holds the SQLite database.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the job store (e.g. postgresql+psycopg://...); "
        "default: SQLite file opsplan.db in data_dir.",
    )
    dask_scheduler: str | None = Field(
        None,
        description="Address of a Dask scheduler (tcp://host:8786): solves run as tasks on its "
        "workers instead of local processes; the workers must reach the database.",
    )
    dask_timeout_s: float = Field(
        30.0, gt=0, description="How long start-up waits for the scheduler and a first worker."
    )
    cores: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        description="Cores the solves may use in total.",
    )
    workers_per_solve: int = Field(1, ge=1, description="Solver threads given to each solve.")
    concurrent_solves: int | None = Field(
        None, ge=1, description="Worker processes (solves at once); default cores // workers."
    )
    sync_reserved: int = Field(
        0,
        ge=0,
        description="Worker processes (on Dask: worker threads) kept free of jobs for POST "
        "/v1/solve (fewer than concurrent_solves); 0: synchronous solves wait behind running jobs "
        "when all are busy.",
    )
    max_sync_waiting: int = Field(
        32,
        ge=1,
        description="POST /v1/solve requests in progress beyond which it answers 429 (each holds "
        "a web thread; keep it below the server's thread pool, 40 by default).",
    )
    max_queue: int = Field(100, ge=0, description="Queued jobs beyond which POST answers 429.")
    retry_after_s: int = Field(5, ge=1, description="Retry-After of a 429 answer, seconds.")
    max_time_limit_s: float = Field(
        3600.0, gt=0, description="Largest time_limit_s a request may ask for (else 422)."
    )
    sync_time_limit_s: float = Field(
        60.0, gt=0, description="POST /v1/solve caps time_limit_s at this value."
    )
    max_request_bytes: int = Field(5_000_000, ge=1, description="Larger request bodies answer 413.")
    api_keys: StrList = Field(
        default_factory=list,
        description="When this or admin_keys is not empty, every /v1 and /metrics request needs "
        "one of the keys (header X-API-Key, or Authorization: Bearer KEY), and a key sees and "
        "cancels only the jobs it submitted. In the environment: one key, keys separated by "
        "commas, or a JSON list.",
    )
    admin_keys: StrList = Field(
        default_factory=list,
        description="Keys that see, read and cancel every job (same formats as api_keys).",
    )
    rate_limit_per_minute: int = Field(
        600,
        ge=0,
        description="Requests per minute one key may make (a token bucket); above it 429 with "
        "Retry-After. 0: no limit. Applies when keys are configured.",
    )
    rate_limit_burst: int | None = Field(
        None,
        ge=1,
        description="Requests one key may make at once before the per-minute rate applies; "
        "default: rate_limit_per_minute.",
    )
    max_jobs_per_key: int = Field(
        50,
        ge=0,
        description="Unfinished (queued or running) jobs one key may have; POST /v1/jobs "
        "beyond it answers 429. 0: no limit. Applies when keys are configured.",
    )
    cors_origins: StrList = Field(
        default_factory=list,
        description="Origins allowed by CORS; empty: CORS off (same formats as api_keys).",
    )
    on_restart_running: Literal["requeue", "fail"] = Field(
        "requeue",
        description="After a restart, jobs that were running are run again (requeue) or "
        "marked failed (fail).",
    )
    max_attempts: int = Field(
        2,
        ge=1,
        description="A job whose worker died (or whose service stopped) under it is run again "
        "until it has started this many times; then it is marked failed.",
    )
    shutdown_grace_s: float = Field(
        10.0,
        ge=0,
        description="On SIGTERM (or Ctrl-C) the service takes no more jobs and lets running jobs "
        "finish for this many seconds; then it stops them, saves each one's best plan and "
        "queues it again for the next start (which reports the saved plan if it finds nothing "
        "better). The process manager's stop timeout should exceed this plus about 15 s.",
    )
    progress_interval_s: float = Field(
        0.05, ge=0, description="At most one progress write per job per this many seconds."
    )
    cancel_poll_s: float = Field(
        0.25, gt=0, le=1.0, description="How often a running solve looks for a cancel request."
    )
    events_poll_s: float = Field(0.2, gt=0, description="Server-sent events poll interval.")
    events_max_s: float = Field(
        3600.0, gt=0, description="A server-sent event stream closes after this long."
    )

    @field_validator("api_keys", "admin_keys", "cors_origins", mode="before")
    @classmethod
    def _list(cls, v: Any) -> Any:
        """One value, values separated by commas, or a JSON list (a value holding a comma)."""
        if not isinstance(v, str):
            return v
        text = v.strip()
        if text.startswith("["):
            try:
                items = json.loads(text)
            except json.JSONDecodeError as e:
                raise ValueError(f"starts with '[' but is not a JSON list: {e.msg}") from None
            if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
                raise ValueError("a JSON list must hold strings only")
            return items
        return [part.strip() for part in text.split(",")] if text else []

    @field_validator("api_keys", "admin_keys", mode="after")
    @classmethod
    def _no_blank_key(cls, v: list[str]) -> list[str]:
        blank = [str(i + 1) for i, k in enumerate(v) if not k.strip()]
        if blank:
            raise ValueError(
                f"key {', '.join(blank)} of {len(v)} is empty (a stray comma?); a key must not be "
                "blank"
            )
        return v

    @model_validator(mode="after")
    def _within_cores(self) -> Settings:
        if self.workers_per_solve > self.cores:
            raise ValueError(
                f"workers_per_solve ({self.workers_per_solve}) exceeds cores ({self.cores})"
            )
        if self.concurrent_solves is None:
            self.concurrent_solves = max(1, self.cores // self.workers_per_solve)
        if self.concurrent_solves * self.workers_per_solve > self.cores:
            raise ValueError(
                f"concurrent_solves x workers_per_solve = "
                f"{self.concurrent_solves * self.workers_per_solve} exceeds cores ({self.cores})"
            )
        # on a Dask cluster the solves' slots are its worker threads, known only at start-up
        if self.dask_scheduler is None and self.sync_reserved >= self.concurrent_solves:
            raise ValueError(
                f"sync_reserved ({self.sync_reserved}) must be below concurrent_solves "
                f"({self.concurrent_solves})"
            )
        return self

    @property
    def keys_on(self) -> bool:
        """Whether requests need a key (some api_keys or admin_keys are configured)."""
        return bool(self.api_keys or self.admin_keys)

    @property
    def solves(self) -> int:
        assert self.concurrent_solves is not None
        return self.concurrent_solves

    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'opsplan.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_error(exc: ValidationError | SettingsError) -> str:
    """One line per bad setting, naming its environment variable, e.g.
    `OPSPLAN_API_KEYS: key 2 of 2 is empty ...` (for `opsplan serve` instead of a traceback)."""
    if isinstance(exc, SettingsError):  # a value the settings source could not even read
        return str(exc)
    lines = []
    for e in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in e.get("loc", ()))
        name = f"OPSPLAN_{loc.upper()}" if loc else "settings"
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        lines.append(f"{name}: {msg}")
    return "\n".join(lines)
