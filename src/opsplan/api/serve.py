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
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from ..core.incident import configure_service
    from .app import create_app, exposure_warning
    from .settings import Settings, settings_error

    configure_service()  # the server's log is its stderr: an incident's traceback goes there
    try:
        settings = Settings(data_dir=data_dir) if data_dir is not None else Settings()
    except (ValidationError, SettingsError) as e:
        for line in settings_error(e).splitlines():
            typer.echo(f"opsplan serve: {line}", err=True)
        raise typer.Exit(2) from None
    warning = exposure_warning(host, settings)
    if warning:
        typer.secho(f"WARNING: {warning}", fg=typer.colors.YELLOW, err=True)
    app = create_app(settings, host=host)
    # open event streams must not hold a shutdown for long: the workers are ended after them
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
