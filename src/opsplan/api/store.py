"""The job store: jobs, their requests, progress, events and results, through SQLAlchemy 2.

SQLite in the data directory by default (WAL, so worker processes write while the web process
reads); any SQLAlchemy URL works (PostgreSQL: postgresql+psycopg://...). The web process and
every worker process open their own Store on the same URL.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    defer,
    mapped_column,
    sessionmaker,
)

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
STATES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
FINAL = (SUCCEEDED, FAILED, CANCELLED)


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    model: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    request: Mapped[str] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    result_status: Mapped[str | None] = mapped_column(String(32))
    runtime_s: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    solutions: Mapped[int] = mapped_column(Integer, default=0)
    objective: Mapped[float | None] = mapped_column(Float)
    bound: Mapped[float | None] = mapped_column(Float)
    gap: Mapped[float | None] = mapped_column(Float)
    elapsed_s: Mapped[float | None] = mapped_column(Float)
    # who submitted it: a digest of the API key (never the key); NULL when keys were off
    owner: Mapped[str | None] = mapped_column(String(64), index=True)


class JobEvent(Base):
    """One server-sent event: a state change or a new incumbent, in order of id."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _utc(d: datetime | None) -> str | None:
    if d is None:
        return None
    if d.tzinfo is None:  # SQLite gives naive datetimes back; they were written in UTC
        d = d.replace(tzinfo=UTC)
    return d.isoformat()


def job_view(j: Job) -> dict[str, Any]:
    """The public shape of a job (GET /v1/jobs/{id}), without request or result bodies."""
    progress = None
    if j.solutions or j.elapsed_s is not None:
        progress = {
            "solutions": j.solutions,
            "objective": j.objective,
            "bound": j.bound,
            "gap": j.gap,
            "elapsed_s": j.elapsed_s,
        }
    return {
        "id": j.id,
        "model": j.model,
        "state": j.state,
        "created_at": _utc(j.created_at),
        "started_at": _utc(j.started_at),
        "finished_at": _utc(j.finished_at),
        "cancel_requested": j.cancel_requested,
        "attempts": j.attempts,
        "progress": progress,
        "result_status": j.result_status,
        "runtime_s": j.runtime_s,
        "error": j.error,
    }


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _rec: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class Store:
    def __init__(self, url: str, create: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        if create:
            Base.metadata.create_all(self.engine)
            self._migrate()

    def _migrate(self) -> None:
        """Bring a store made by an earlier version up to date (additive: columns and indexes
        only). `create_all` makes missing tables but never changes an existing one."""
        if "owner" in {c["name"] for c in inspect(self.engine).get_columns("jobs")}:
            return
        table = Base.metadata.tables["jobs"]
        column = table.c.owner
        try:
            with self.engine.begin() as conn:
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(text(f"ALTER TABLE jobs ADD COLUMN owner {kind}"))
        except Exception:
            # another process opening the same store at once may have added it first
            if "owner" not in {c["name"] for c in inspect(self.engine).get_columns("jobs")}:
                raise
        for index in table.indexes:
            if column in index.columns.values():
                index.create(self.engine, checkfirst=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._session() as s, s.begin():
            yield s

    def dispose(self) -> None:
        self.engine.dispose()

    def ping(self) -> bool:
        with self.session() as s:
            return s.execute(text("SELECT 1")).scalar() == 1

    # --- web process -------------------------------------------------------------------
    def add_job(self, model: str, request: dict[str, Any], owner: str | None = None) -> Job:
        t = now()
        j = Job(
            id=uuid.uuid4().hex,
            owner=owner,
            model=model,
            state=QUEUED,
            created_at=t,
            request=json.dumps(request, allow_nan=False),
            cancel_requested=False,
            attempts=0,
            solutions=0,
        )
        with self.session() as s:
            s.add(j)
            s.flush()
            self._event(s, j.id, "state", {"state": QUEUED})
        return j

    def get(self, job_id: str, bodies: bool = False) -> Job | None:
        """A job; its request and result texts only when `bodies` (they can be large)."""
        with self.session() as s:
            q = select(Job).where(Job.id == job_id)
            if not bodies:
                q = q.options(defer(Job.request), defer(Job.result))
            return s.execute(q).scalar_one_or_none()

    def result_of(self, job_id: str) -> str | None:
        with self.session() as s:
            return s.execute(select(Job.result).where(Job.id == job_id)).scalar_one_or_none()

    def page(
        self, state: str | None, limit: int, offset: int, owner: str | None = None
    ) -> tuple[list[Job], int]:
        """A page of jobs, oldest first, and how many there are; only `owner`'s when given."""
        with self.session() as s:
            q = select(Job).options(defer(Job.request), defer(Job.result))
            c = select(func.count()).select_from(Job)
            if state:
                q = q.where(Job.state == state)
                c = c.where(Job.state == state)
            if owner is not None:
                q = q.where(Job.owner == owner)
                c = c.where(Job.owner == owner)
            total = int(s.execute(c).scalar_one())
            rows = s.execute(q.order_by(Job.created_at, Job.id).limit(limit).offset(offset))
            return list(rows.scalars()), total

    def counts(self) -> dict[str, int]:
        with self.session() as s:
            rows = s.execute(select(Job.state, func.count()).group_by(Job.state)).all()
        out = dict.fromkeys(STATES, 0)
        out.update({st: int(n) for st, n in rows})
        return out

    def queued_count(self) -> int:
        with self.session() as s:
            return int(
                s.execute(
                    select(func.count()).select_from(Job).where(Job.state == QUEUED)
                ).scalar_one()
            )

    def unfinished_count(self, owner: str) -> int:
        """Queued and running jobs of one owner (the per-key job limit)."""
        with self.session() as s:
            return int(
                s.execute(
                    select(func.count())
                    .select_from(Job)
                    .where(Job.owner == owner, Job.state.in_((QUEUED, RUNNING)))
                ).scalar_one()
            )

    def claim_next(self) -> Job | None:
        """Move the oldest queued job to running; None when nothing is queued."""
        with self.session() as s:
            for j in s.execute(
                select(Job)
                .options(defer(Job.request), defer(Job.result))
                .where(Job.state == QUEUED)
                .order_by(Job.created_at, Job.id)
                .limit(5)
            ).scalars():
                n = s.execute(
                    update(Job)
                    .where(Job.id == j.id, Job.state == QUEUED)
                    .values(state=RUNNING, started_at=now(), attempts=Job.attempts + 1)
                ).rowcount  # type: ignore[attr-defined]
                if n == 1:
                    self._event(s, j.id, "state", {"state": RUNNING})
                    s.flush()
                    s.refresh(j)
                    return j
        return None

    def request_cancel(self, job_id: str) -> Job | None:
        """Queued: cancelled at once. Running: flagged; the worker stops and keeps its plan."""
        with self.session() as s:
            j = s.get(Job, job_id)
            if j is None or j.state in FINAL:
                return j
            if j.state == QUEUED:
                n = s.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.state == QUEUED)
                    .values(state=CANCELLED, cancel_requested=True, finished_at=now())
                ).rowcount  # type: ignore[attr-defined]
                if n == 1:
                    self._event(s, job_id, "state", {"state": CANCELLED, "result": False})
            s.execute(update(Job).where(Job.id == job_id).values(cancel_requested=True))
        return self.get(job_id)

    def recover(self, mode: str, max_attempts: int) -> list[str]:
        """At start-up: jobs left running by a stopped service are re-queued or failed."""
        with self.session() as s:
            rows = s.execute(select(Job.id, Job.attempts).where(Job.state == RUNNING)).all()
        for jid, attempts in rows:
            if mode == "requeue":
                self.retry_or_fail(
                    jid, attempts, max_attempts, "the service stopped while this job was running"
                )
            else:
                self.fail_running(jid, "the service stopped while this job was running")
        return [jid for jid, _ in rows]

    def retry_or_fail(self, job_id: str, attempts: int, max_attempts: int, why: str) -> str:
        """A running job lost its worker: queued again while attempts remain, else failed."""
        if attempts >= max_attempts:
            self.fail_running(job_id, f"{why} (started {attempts} times; not retried)")
            return FAILED
        with self.session() as s:
            n = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == RUNNING)
                .values(state=QUEUED, started_at=None, solutions=0, elapsed_s=None)
            ).rowcount  # type: ignore[attr-defined]
            if n == 1:
                self._event(s, job_id, "state", {"state": QUEUED, "requeued": why})
        return QUEUED

    def fail_running(self, job_id: str, why: str) -> None:
        with self.session() as s:
            n = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == RUNNING)
                .values(state=FAILED, finished_at=now(), error=why)
            ).rowcount  # type: ignore[attr-defined]
            if n == 1:
                self._event(s, job_id, "state", {"state": FAILED, "error": why})

    def events_after(self, job_id: str, after: int) -> list[JobEvent]:
        with self.session() as s:
            return list(
                s.execute(
                    select(JobEvent)
                    .where(JobEvent.job_id == job_id, JobEvent.id > after)
                    .order_by(JobEvent.id)
                ).scalars()
            )

    # --- worker process ----------------------------------------------------------------
    def cancel_requested(self, job_id: str) -> bool:
        with self.session() as s:
            return bool(
                s.execute(select(Job.cancel_requested).where(Job.id == job_id)).scalar_one()
            )

    def progress(self, job_id: str, p: dict[str, Any]) -> None:
        with self.session() as s:
            s.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    solutions=p["solutions"],
                    objective=p["objective"],
                    bound=p["bound"],
                    gap=p["gap"],
                    elapsed_s=p["elapsed_s"],
                )
            )
            self._event(s, job_id, "progress", p)

    def finish(
        self,
        job_id: str,
        state: str,
        *,
        result_json: str | None = None,
        result_status: str | None = None,
        runtime_s: float | None = None,
        error: str | None = None,
    ) -> None:
        with self.session() as s:
            s.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    state=state,
                    finished_at=now(),
                    result=result_json,
                    result_status=result_status,
                    runtime_s=runtime_s,
                    error=error,
                )
            )
            data: dict[str, Any] = {"state": state, "result": result_json is not None}
            if result_status:
                data["status"] = result_status
            if error:
                data["error"] = error
            self._event(s, job_id, "state", data)

    @staticmethod
    def _event(s: Session, job_id: str, kind: str, data: dict[str, Any]) -> None:
        s.add(
            JobEvent(
                job_id=job_id, kind=kind, data=json.dumps(data, allow_nan=False), created_at=now()
            )
        )
