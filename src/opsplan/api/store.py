"""The job store: jobs, their requests, progress, events and results, through SQLAlchemy 2.

SQLite in the data directory by default (WAL, so worker processes write while the web process
reads); any SQLAlchemy URL works (PostgreSQL: postgresql+psycopg://...). The web process and
every worker process open their own Store on the same URL.

Leases: each claim of a job starts a new attempt (`attempts` + 1), and the attempt number is the
lease. A worker writes progress, a saved plan or the result only with the lease it was given, in
the UPDATE's WHERE clause (`attempts = lease AND state = 'running'`): a worker left over from an
earlier attempt (a crashed service's orphan, a Dask task the service lost) can never overwrite a
newer attempt's progress or a final result, and learns from its poll (`lease_state`) that it
should stop. A job stopped by a service shutdown, or whose service died, keeps its best plan so
far as `checkpoint` (a SolveResult JSON); the next attempt reports it if it finds nothing better.
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
    false,
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
from sqlalchemy.schema import CreateColumn

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
    # the best plan of an earlier attempt (SolveResult JSON), kept when that attempt was stopped
    checkpoint: Mapped[str | None] = mapped_column(Text)
    checkpoint_status: Mapped[str | None] = mapped_column(String(32))
    # the service is shutting down: the attempt should stop, save its plan and queue the job again
    release_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


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
        """Bring a store made by an earlier version up to date, so that an upgrade keeps its
        jobs: the columns added since (all nullable or with a default) and their indexes.
        `create_all` makes missing tables but never changes an existing one."""
        table = Base.metadata.tables["jobs"]

        def missing() -> list[Any]:
            have = {c["name"] for c in inspect(self.engine).get_columns("jobs")}
            return [col for col in table.columns if col.name not in have]

        for col in missing():
            try:
                with self.engine.begin() as conn:
                    ddl = CreateColumn(col).compile(dialect=self.engine.dialect)
                    conn.execute(text(f"ALTER TABLE jobs ADD COLUMN {ddl}"))
            except Exception:
                # another process opening the same store at once may have added it first
                if col.name in {c.name for c in missing()}:
                    raise
        for index in table.indexes:
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
                    .values(
                        state=RUNNING,
                        started_at=now(),
                        attempts=Job.attempts + 1,
                        release_requested=False,
                    )
                ).rowcount  # type: ignore[attr-defined]
                if n == 1:
                    self._event(s, j.id, "state", {"state": RUNNING})
                    s.flush()
                    s.refresh(j)
                    return j
        return None

    def request_cancel(self, job_id: str) -> Job | None:
        """Queued: cancelled at once (with the plan an earlier attempt saved, if any). Running:
        flagged; the worker stops and keeps its plan."""
        with self.session() as s:
            j = s.get(Job, job_id)
            if j is None or j.state in FINAL:
                return j
            if j.state == QUEUED:
                self._end_cancelled(s, job_id, QUEUED)
            s.execute(update(Job).where(Job.id == job_id).values(cancel_requested=True))
        return self.get(job_id)

    def _end_cancelled(self, s: Session, job_id: str, state: str, lease: int | None = None) -> bool:
        """A job in `state` ends cancelled; its result is the plan an earlier attempt saved."""
        q = update(Job).where(Job.id == job_id, Job.state == state)
        if lease is not None:
            q = q.where(Job.attempts == lease)
        n = s.execute(
            q.values(
                state=CANCELLED,
                cancel_requested=True,
                finished_at=now(),
                result=Job.checkpoint,
                result_status=Job.checkpoint_status,
            )
        ).rowcount  # type: ignore[attr-defined]
        if n == 1:
            saved = s.execute(select(Job.result_status).where(Job.id == job_id)).scalar_one()
            data: dict[str, Any] = {"state": CANCELLED, "result": saved is not None}
            if saved:
                data["status"] = saved
            self._event(s, job_id, "state", data)
        return bool(n == 1)

    def recover(self, mode: str, max_attempts: int) -> list[str]:
        """At start-up: jobs left running by a stopped service are re-queued or failed (a job
        whose cancel was asked for ends cancelled, never runs again)."""
        with self.session() as s:
            rows = s.execute(select(Job.id, Job.attempts).where(Job.state == RUNNING)).all()
        for jid, attempts in rows:
            if mode == "requeue":
                self.retry_or_fail(
                    jid, attempts, max_attempts, "the service stopped while this job was running"
                )
            else:
                self.fail_running(jid, "the service stopped while this job was running", attempts)
        return [jid for jid, _ in rows]

    def retry_or_fail(self, job_id: str, attempts: int, max_attempts: int, why: str) -> str:
        """Attempt `attempts` of a running job lost its worker: cancelled if a cancel was asked
        for, else queued again while attempts remain, else failed. Nothing happens when that
        attempt no longer holds the job (the answer is then the job's state as it is)."""
        with self.session() as s:
            j = s.execute(
                select(Job.state, Job.attempts, Job.cancel_requested).where(Job.id == job_id)
            ).one_or_none()
            if j is None:
                return FAILED
            if j.state != RUNNING or j.attempts != attempts:
                return str(j.state)
            if j.cancel_requested:
                self._end_cancelled(s, job_id, RUNNING, attempts)
                return CANCELLED
        if attempts >= max_attempts:
            self.fail_running(job_id, f"{why} (started {attempts} times; not retried)", attempts)
            return FAILED
        with self.session() as s:
            n = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == RUNNING, Job.attempts == attempts)
                .values(state=QUEUED, started_at=None, solutions=0, elapsed_s=None)
            ).rowcount  # type: ignore[attr-defined]
            if n == 1:
                self._event(s, job_id, "state", {"state": QUEUED, "requeued": why})
        return QUEUED

    def fail_running(self, job_id: str, why: str, lease: int | None = None) -> None:
        """A running job (attempt `lease`, when given) ends failed, with the plan an earlier
        attempt saved as its result if there is one."""
        with self.session() as s:
            q = update(Job).where(Job.id == job_id, Job.state == RUNNING)
            if lease is not None:
                q = q.where(Job.attempts == lease)
            n = s.execute(
                q.values(
                    state=FAILED,
                    finished_at=now(),
                    error=why,
                    result=Job.checkpoint,
                    result_status=Job.checkpoint_status,
                )
            ).rowcount  # type: ignore[attr-defined]
            if n == 1:
                self._event(s, job_id, "state", {"state": FAILED, "error": why})

    def request_release(self, job_ids: list[str]) -> int:
        """The service is shutting down: these running jobs should stop, save their best plan
        and be queued again (see `release`). How many were flagged."""
        if not job_ids:
            return 0
        with self.session() as s:
            n = s.execute(
                update(Job)
                .where(Job.id.in_(job_ids), Job.state == RUNNING)
                .values(release_requested=True)
            ).rowcount  # type: ignore[attr-defined]
        return int(n)

    def events_after(self, job_id: str, after: int) -> list[JobEvent]:
        with self.session() as s:
            return list(
                s.execute(
                    select(JobEvent)
                    .where(JobEvent.job_id == job_id, JobEvent.id > after)
                    .order_by(JobEvent.id)
                ).scalars()
            )

    # --- worker process: every write names the attempt (lease) it comes from --------------
    def lease_state(self, job_id: str, lease: int) -> tuple[bool, bool, bool]:
        """(attempt `lease` still holds the job, cancel asked for, release asked for)."""
        with self.session() as s:
            row = s.execute(
                select(Job.state, Job.attempts, Job.cancel_requested, Job.release_requested).where(
                    Job.id == job_id
                )
            ).one_or_none()
        if row is None:
            return False, False, False
        held = row.state == RUNNING and row.attempts == lease
        return held, bool(row.cancel_requested), bool(row.release_requested)

    def cancel_requested(self, job_id: str) -> bool:
        with self.session() as s:
            return bool(
                s.execute(select(Job.cancel_requested).where(Job.id == job_id)).scalar_one()
            )

    def progress(self, job_id: str, p: dict[str, Any], lease: int) -> bool:
        """A new incumbent of attempt `lease`; False (nothing written) when it lost the job."""
        with self.session() as s:
            n = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == RUNNING, Job.attempts == lease)
                .values(
                    solutions=p["solutions"],
                    objective=p["objective"],
                    bound=p["bound"],
                    gap=p["gap"],
                    elapsed_s=p["elapsed_s"],
                )
            ).rowcount  # type: ignore[attr-defined]
            if n == 1:
                self._event(s, job_id, "progress", p)
        return bool(n == 1)

    def finish(
        self,
        job_id: str,
        state: str,
        *,
        lease: int,
        result_json: str | None = None,
        result_status: str | None = None,
        runtime_s: float | None = None,
        error: str | None = None,
    ) -> bool:
        """The end of attempt `lease`: False (nothing written) when that attempt no longer holds
        the job, so a final result is written once and never rewritten."""
        with self.session() as s:
            n = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == RUNNING, Job.attempts == lease)
                .values(
                    state=state,
                    finished_at=now(),
                    result=result_json,
                    result_status=result_status,
                    runtime_s=runtime_s,
                    error=error,
                )
            ).rowcount  # type: ignore[attr-defined]
            if n != 1:
                return False
            data: dict[str, Any] = {"state": state, "result": result_json is not None}
            if result_status:
                data["status"] = result_status
            if error:
                data["error"] = error
            self._event(s, job_id, "state", data)
        return True

    def release(
        self,
        job_id: str,
        lease: int,
        checkpoint: tuple[str, str, float | None] | None,
        why: str,
    ) -> bool:
        """Attempt `lease` stopped for a shutdown: the job is queued again with its best plan so
        far saved (`checkpoint`: (SolveResult JSON, its status, its objective), or None to keep
        the one saved before)."""
        values: dict[str, Any] = {
            "state": QUEUED,
            "started_at": None,
            "solutions": 0,
            "elapsed_s": None,
            "release_requested": False,
        }
        if checkpoint is not None:
            values["checkpoint"], values["checkpoint_status"] = checkpoint[:2]
        with self.session() as s:
            n = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == RUNNING, Job.attempts == lease)
                .values(**values)
            ).rowcount  # type: ignore[attr-defined]
            if n == 1:
                data: dict[str, Any] = {"state": QUEUED, "requeued": why}
                if checkpoint is not None:
                    data["saved_objective"] = checkpoint[2]
                self._event(s, job_id, "state", data)
        return bool(n == 1)

    def save_checkpoint(self, job_id: str, lease: int, checkpoint: str, status: str) -> bool:
        """The best plan of attempt `lease`, whose service died: kept with the job while no
        later attempt has started (the job may already be queued again by a restart)."""
        with self.session() as s:
            n = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.state.in_((RUNNING, QUEUED)), Job.attempts == lease)
                .values(checkpoint=checkpoint, checkpoint_status=status)
            ).rowcount  # type: ignore[attr-defined]
        return bool(n == 1)

    @staticmethod
    def _event(s: Session, job_id: str, kind: str, data: dict[str, Any]) -> None:
        s.add(
            JobEvent(
                job_id=job_id, kind=kind, data=json.dumps(data, allow_nan=False), created_at=now()
            )
        )
