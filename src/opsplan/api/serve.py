"""`opsplan serve`: the service under uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Folder of the SQLite job store (OPSPLAN_DATA_DIR)."),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level")] = "warning",
) -> None:
    """Serve the HTTP API (settings: OPSPLAN_* environment variables)."""
    import uvicorn

    from ..core.incident import configure_service
    from .app import create_app
    from .settings import Settings

    configure_service()  # the server's log is its stderr: an incident's traceback goes there
    settings = Settings(data_dir=data_dir) if data_dir is not None else Settings()
    app = create_app(settings)
    # open event streams must not hold a shutdown for long: the workers are ended after them
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
