"""The `itpp` command line: database, sample data and servers."""

from typing import Annotated

import typer

app = typer.Typer(
    help="ITPP Tracker: the system of record for a partnership cooperation plan.",
    no_args_is_help=True,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
sample_app = typer.Typer(help="The sample Japan–NATO plan.", no_args_is_help=True)
serve_app = typer.Typer(help="Run the services.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(sample_app, name="sample")
app.add_typer(serve_app, name="serve")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the migrations to the configured database (ITPP_DATABASE_URL)."""
    from itpp_api.migrate import upgrade

    upgrade(revision=revision)
    typer.echo(f"Database at {revision}.")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision.")]) -> None:
    """Revert the migrations down to a revision ('base' empties the database)."""
    from itpp_api.migrate import downgrade

    downgrade(revision=revision)
    typer.echo(f"Database at {revision}.")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Argument(help="What the revision changes, in a few words.")],
) -> None:
    """Autogenerate a new revision from the models (read and edit it before committing)."""
    from alembic import command

    from itpp_api.migrate import alembic_config

    command.revision(alembic_config(), message=message, autogenerate=True)


@db_app.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    from itpp_api.db import get_engine
    from itpp_api.migrate import current_revision, head_revision

    current = current_revision(get_engine())
    typer.echo(f"current: {current or '(none)'}   head: {head_revision()}")


@db_app.command("purge-idempotency-keys")
def purge_idempotency_keys() -> None:
    """Delete expired Idempotency-Key records (safe to run at any time, e.g. daily)."""
    from itpp_api.idempotency.service import purge_expired

    typer.echo(f"Deleted {purge_expired()} expired keys.")


@sample_app.command("load")
def sample_load(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Load only into a database that has no plan yet.")
    ] = False,
) -> None:
    """Load the sample Japan–NATO plan (does nothing if it is already loaded)."""
    from itpp_api.sample.loader import database_has_plans, load

    if if_empty and database_has_plans():
        typer.echo("The database already has plans; the sample was not loaded.")
        return
    result = load()
    if result.created:
        typer.echo(
            f"Loaded sample plan {result.plan_reference} "
            f"with {result.commitments} example commitments."
        )
    else:
        typer.echo(f"Sample plan {result.plan_reference} is already loaded.")


@serve_app.command("api")
def serve_api(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Run the API service."""
    import uvicorn

    from itpp_api.config import get_settings

    settings = get_settings()
    uvicorn.run(
        "itpp_api.main:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
    )


@app.command("openapi")
def openapi() -> None:
    """Print the API's OpenAPI document (JSON)."""
    import json

    from itpp_api.main import create_app

    typer.echo(json.dumps(create_app().openapi(), indent=2, ensure_ascii=False, sort_keys=False))
