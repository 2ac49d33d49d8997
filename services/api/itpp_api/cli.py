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
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
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
            f"with {result.commitments} example commitments and {len(result.logins)} sample users."
        )
    else:
        typer.echo(f"Sample plan {result.plan_reference} is already loaded.")


@sample_app.command("logins")
def sample_logins() -> None:
    """Print the sample accounts created on this machine, with current one-time codes."""
    from itpp_api.auth.totp import current_code
    from itpp_api.sample.users import logins_file, read_logins

    logins = read_logins()
    if not logins:
        typer.echo(f"No sample logins recorded ({logins_file()} is missing).")
        return
    typer.echo("SAMPLE ACCOUNTS ONLY - for trying the product, never for real use.")
    typer.echo(f"{'email':40} {'role':9} {'password':24} one-time code now")
    for login in logins:
        code = current_code(login.totp_secret) if login.totp_secret else "-"
        typer.echo(f"{login.email:40} {login.role:9} {login.password:24} {code}")
    typer.echo("Approvers and admins also need the one-time code (changes every 30 s; run again).")


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Sign-in address.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    party: Annotated[str, typer.Option(help="Party code, e.g. JP or NATO.")],
    role: Annotated[str, typer.Option(help="viewer, editor, approver or admin.")],
    language: Annotated[str, typer.Option(help="Preferred language (BCP 47).")] = "en",
    password: Annotated[
        str | None,
        typer.Option(help="Initial password (prompted when omitted; avoid shell history)."),
    ] = None,
) -> None:
    """Create a user. Approvers and admins set up their second factor at first sign-in."""
    from sqlmodel import select

    from itpp_api.auth.actor import Actor
    from itpp_api.auth.passwords import hash_password, policy_problems
    from itpp_api.db import transaction
    from itpp_api.enums import Role
    from itpp_api.errors import DomainError
    from itpp_api.parties.models import Party
    from itpp_api.users.service import create_user

    try:
        chosen_role = Role(role)
    except ValueError:
        raise typer.BadParameter("role must be viewer, editor, approver or admin") from None
    secret = password or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    problems = policy_problems(secret, user_inputs=(email, name))
    if problems:
        raise typer.BadParameter(" ".join(problems), param_hint="password")
    try:
        with transaction(write=True) as session:
            party_row = session.scalars(select(Party).where(Party.code == party)).first()
            if party_row is None:
                raise typer.BadParameter(f"no party with code {party}", param_hint="--party")
            user = create_user(
                session=session,
                actor=Actor.system(),
                party_id=party_row.id,
                email=email,
                display_name=name,
                role=chosen_role,
                preferred_language=language,
                password_hash=hash_password(secret),
            )
            typer.echo(f"Created {user.email} ({chosen_role.value}, {party}).")
    except DomainError as exc:
        typer.echo(f"Error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain; exit 1 and name the first broken link if any."""
    from itpp_api.audit.service import verify
    from itpp_api.db import transaction

    with transaction(write=False) as session:
        result = verify(session=session)
    if result.ok:
        typer.echo(f"Audit chain intact: {result.checked} events verified.")
        return
    typer.echo(
        f"Audit chain BROKEN at event {result.broken_seq}: {result.reason} "
        f"({result.checked} events verified before it).",
        err=True,
    )
    raise typer.Exit(1)


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


@serve_app.command("web")
def serve_web(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    api_url: Annotated[
        str | None, typer.Option(help="The API's base URL (default ITPP_WEB_API_URL).")
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Run the web service (pages for browsers; it calls the API over HTTP)."""
    import os

    import uvicorn

    from itpp_web.app import vendor_paths
    from itpp_web.config import get_web_settings

    if api_url:
        os.environ["ITPP_WEB_API_URL"] = api_url
        get_web_settings.cache_clear()
    settings = get_web_settings()
    vendor_paths(settings)  # fail now, with advice, if `npm ci` has not run
    uvicorn.run(
        "itpp_web.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
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
