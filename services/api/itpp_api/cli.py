"""The `itpp` command line: database, sample data, imports and exports, and servers."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from itpp_api.backup import BackupReport
    from itpp_api.config import Settings
    from itpp_api.errors import DomainError

app = typer.Typer(
    help="ITPP Tracker: the system of record for a partnership cooperation plan.",
    no_args_is_help=True,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
sample_app = typer.Typer(help="The sample Japan–NATO plan.", no_args_is_help=True)
serve_app = typer.Typer(help="Run the services.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
parties_app = typer.Typer(help="Parties (the plans' signatories).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(parties_app, name="parties")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(sample_app, name="sample")
app.add_typer(serve_app, name="serve")
import_app = typer.Typer(help="Import plans: from a plan document, or a plan export.")
export_app = typer.Typer(help="Export plans: as a plan export (JSON) or a document.")
app.add_typer(import_app, name="import", no_args_is_help=True)
app.add_typer(export_app, name="export", no_args_is_help=True)


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar on a terminal (stderr); nothing at all when output goes to a script."""
    if not sys.stderr.isatty():
        yield lambda stage, done, total: None
        return
    from rich.console import Console
    from rich.progress import Progress, TaskID

    with Progress(console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=max(total, 1))
            bar.update(tasks[stage], completed=done if total else 1, total=max(total, 1))

        yield update


def _fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(1)


def _problem_lines(exc: "DomainError") -> str:
    lines = [exc.detail]
    for error in (exc.errors or [])[:20]:
        lines.append(f"  {'.'.join(str(part) for part in error.loc)}: {error.msg}")
    return "\n".join(lines)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}") from exc


@import_app.command("plan")
def import_plan_document(
    file: Annotated[
        Path,
        typer.Argument(help="The plan document (text, Markdown, Word .docx or OpenDocument .odt)."),
    ],
    party: Annotated[
        list[str], typer.Option("--party", help="A party of the plan (code or id); repeat.")
    ],
    reference: Annotated[str | None, typer.Option(help="The new plan's reference.")] = None,
    lang: Annotated[
        str | None, typer.Option(help="The document's language (ja or en); default: detected.")
    ] = None,
    charset: Annotated[
        str | None, typer.Option(help="The file's encoding if not UTF-8 (e.g. shift_jis).")
    ] = None,
) -> None:
    """Create a draft plan from a plan document; print what could not be mapped."""
    from itpp_api.auth.actor import Actor
    from itpp_api.db import transaction
    from itpp_api.documents.service import import_plan_text
    from itpp_api.errors import DomainError

    if lang not in (None, "ja", "en"):
        raise typer.BadParameter("ja or en", param_hint="--lang")
    raw = _read(file)
    try:
        with _progress() as progress, transaction(write=True) as session:
            plan, report = import_plan_text(
                session=session,
                actor=Actor.system(),
                raw=raw,
                charset=charset,
                party_references=party,
                reference=reference,
                lang=lang,
                progress=progress,
            )
    except DomainError as exc:
        raise _fail(_problem_lines(exc)) from exc
    typer.echo(f"Created draft plan {plan.reference} ({plan.id}).")
    typer.echo(
        f"  {len(plan.sections)} sections, {len(plan.objectives)} objectives, "
        f"term {plan.term_months} months, review every {plan.review_interval_months} months."
    )
    for note in report.notes:
        typer.echo(f"  note: {note}")
    for line in report.unmapped:
        typer.echo(f"  not imported, line {line.line}: {line.text[:80]} — {line.reason}")


@import_app.command("json")
def import_plan_export(
    file: Annotated[Path, typer.Argument(help="A plan export (itpp export plan).")],
) -> None:
    """Import a whole plan from a plan export, creating what it names that is missing."""
    from itpp_api.auth.actor import Actor
    from itpp_api.db import transaction
    from itpp_api.errors import DomainError
    from itpp_api.transfer.service import import_plan, parse_export

    raw = _read(file)
    try:
        with _progress() as progress, transaction(write=True) as session:
            plan, created, notes = import_plan(
                session=session,
                actor=Actor.system(),
                document=parse_export(raw),
                progress=progress,
            )
    except DomainError as exc:
        raise _fail(_problem_lines(exc)) from exc
    counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(created.items()))
    typer.echo(f"Imported plan {plan.reference} ({plan.id}): {counts}.")
    for note in notes:
        typer.echo(f"  note: {note}")


def _output(content: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    output.write_bytes(content)
    typer.echo(f"Wrote {output} ({len(content)} bytes).", err=True)


@export_app.command("plan")
def export_plan(
    plan: Annotated[str, typer.Argument(help="The plan's reference or id.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    with_files: Annotated[
        bool,
        typer.Option(
            "--with-files",
            help="Write a zip (needs --output): the JSON export as plan.json, each attachment's "
            "file as files/<sha256>, and manifest.json.",
        ),
    ] = False,
) -> None:
    """Export a whole plan as JSON (the plan export format), complete; with --with-files, a
    zip holding the export and the attached files."""
    from itpp_api.auth.actor import Actor
    from itpp_api.db import transaction
    from itpp_api.documents.service import find_plan
    from itpp_api.errors import DomainError
    from itpp_api.transfer.service import export_chunks

    if with_files:
        if output is None:
            raise typer.BadParameter(
                "a zip is written to a file: give --output", param_hint="--output"
            )
        _export_plan_archive(plan, output)
        return
    target = sys.stdout.buffer if output is None else output.open("wb")
    size = 0
    try:
        with _progress() as progress, transaction(write=False) as session:
            record = find_plan(session=session, actor=Actor.system(), reference_or_id=plan)
            # Written as it is read: the operator's memory holds one batch, not the plan.
            for chunk in export_chunks(
                session=session, actor=Actor.system(), plan=record, progress=progress
            ):
                target.write(chunk)
                size += len(chunk)
    except DomainError as exc:
        raise _fail(_problem_lines(exc)) from exc
    finally:
        if output is None:
            target.flush()
        else:
            target.close()
    if output is not None:
        typer.echo(f"Wrote {output} ({size} bytes).", err=True)


def _export_plan_archive(plan: str, output: Path) -> None:
    """`export plan --with-files`: the export and its files as one zip."""
    from itpp_api.attachments.storage import get_storage
    from itpp_api.auth.actor import Actor
    from itpp_api.db import transaction
    from itpp_api.documents.service import find_plan
    from itpp_api.errors import DomainError
    from itpp_api.transfer.archive import write_archive

    def warn(message: str) -> None:
        typer.echo(f"Warning: {message}", err=True)

    try:
        with (
            output.open("wb") as target,
            _progress() as progress,
            transaction(write=False) as session,
        ):
            record = find_plan(session=session, actor=Actor.system(), reference_or_id=plan)
            manifest = write_archive(
                session=session,
                actor=Actor.system(),
                plan=record,
                storage=get_storage(),
                target=target,
                progress=progress,
                warn=warn,
            )
    except DomainError as exc:
        output.unlink(missing_ok=True)
        raise _fail(_problem_lines(exc)) from exc
    files = len(manifest["files"])
    problems = manifest["missing"] + manifest["altered"]
    note = f", {problems} not as recorded (see manifest.json)" if problems else ""
    typer.echo(
        f"Wrote {output} ({output.stat().st_size} bytes, {files} attachment(s){note}).", err=True
    )


@export_app.command("document")
def export_document(
    plan: Annotated[str, typer.Argument(help="The plan's reference or id.")],
    format: Annotated[str, typer.Option("--format", help="html, md, pdf, docx or odt.")] = "pdf",
    lang: Annotated[str, typer.Option(help="ja or en.")] = "ja",
    version: Annotated[int | None, typer.Option(help="A recorded version.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Render a plan as a document (the same as GET /plans/{id}/document)."""
    from itpp_api.auth.actor import Actor
    from itpp_api.config import get_settings
    from itpp_api.db import transaction
    from itpp_api.documents import odf, pdf, render, word
    from itpp_api.documents.service import check_document_size, find_plan, plan_document
    from itpp_api.errors import DomainError

    word_processors = {"docx": word.render_docx, "odt": odf.render_odt}
    if format not in ("html", "md", "pdf", *word_processors):
        raise typer.BadParameter("html, md, pdf, docx or odt", param_hint="--format")
    if lang not in ("ja", "en"):
        raise typer.BadParameter("ja or en", param_hint="--lang")
    try:
        with transaction(write=False) as session:
            record = find_plan(session=session, actor=Actor.system(), reference_or_id=plan)
            document = plan_document(
                session=session, actor=Actor.system(), plan=record, lang=lang, version=version
            )
        if format == "pdf":
            parts = render.render_print_parts(document, processes=get_settings().pdf_processes)
            check_document_size("".join(parts))
        elif format in word_processors:
            content = word_processors[format](document)
            check_document_size(content)
        else:
            text = (
                render.render_markdown(document) if format == "md" else render.render_html(document)
            )
            check_document_size(text)
    except DomainError as exc:
        raise _fail(_problem_lines(exc)) from exc
    if format == "pdf":
        content = pdf.render_pdf(parts, processes=get_settings().pdf_processes)
    elif format not in word_processors:
        content = text.encode("utf-8")
    _output(content, output)


@export_app.command("schema")
def export_schema() -> None:
    """Print the JSON Schema of plan exports (committed as services/api/plan-export.schema.json)."""
    import json

    from itpp_api.transfer.schemas import plan_export_json_schema

    typer.echo(json.dumps(plan_export_json_schema(), indent=2, ensure_ascii=False))


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
    """Delete expired Idempotency-Key records and stale sign-in counters (safe to run at any
    time, e.g. daily)."""
    from itpp_api.auth.throttle import purge_stale
    from itpp_api.db import transaction
    from itpp_api.idempotency.service import purge_expired

    typer.echo(f"Deleted {purge_expired()} expired keys.")
    with transaction(write=True) as session:
        counters = purge_stale(session=session)
    typer.echo(f"Deleted {counters} stale sign-in counters.")


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


@parties_app.command("create")
def parties_create(
    code: Annotated[str, typer.Option(help="Short code, e.g. JP or NATO.")],
    name: Annotated[
        list[str],
        typer.Option(help="The party's name in one language, LANG=TEXT (e.g. en=Japan); repeat."),
    ],
) -> None:
    """Create a party: on a new installation, before its first user (`itpp users create`)."""
    from pydantic import ValidationError

    from itpp_api.auth.actor import Actor
    from itpp_api.db import transaction
    from itpp_api.errors import DomainError
    from itpp_api.parties.schemas import PartyCreate
    from itpp_api.parties.service import create_party

    names: dict[str, str] = {}
    for given in name:
        language, sep, text = given.partition("=")
        if not sep:
            raise typer.BadParameter(f"{given!r} is not LANG=TEXT", param_hint="--name")
        names[language.strip()] = text
    try:
        data = PartyCreate(code=code, name=names)
    except ValidationError as exc:
        reasons = "; ".join(str(error["msg"]) for error in exc.errors())
        raise typer.BadParameter(reasons, param_hint="--code/--name") from None
    try:
        with transaction(write=True) as session:
            create_party(session=session, actor=Actor.system(), data=data)
    except DomainError as exc:
        raise _fail(exc.detail) from exc
    typer.echo(f"Created party {data.code}.")


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


@users_app.command("revoke-tokens")
def users_revoke_tokens(
    email: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None,
    all_users: Annotated[
        bool, typer.Option("--all", help="Every user's tokens: everyone signs in again.")
    ] = False,
) -> None:
    """End every live sign-in and API token, of one user (--email) or of all (--all)."""
    from itpp_api.auth.actor import Actor
    from itpp_api.auth.service import find_user_by_email, revoke_every_token
    from itpp_api.db import transaction

    if (email is None) == (not all_users):
        raise typer.BadParameter("give --email ADDRESS or --all (not both)")
    with transaction(write=True) as session:
        user_id = None
        if email is not None:
            user = find_user_by_email(session=session, email=email)
            if user is None:
                raise _fail(f"no user {email}")
            user_id = user.id
        ended = revoke_every_token(session=session, actor=Actor.system(), user_id=user_id)
    typer.echo(f"Revoked {ended} tokens.")


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


def _print_backup(report: "BackupReport", verb: str) -> None:
    width = max((len(name) for name in report.tables), default=0)
    for name, rows in report.tables.items():
        typer.echo(f"  {name:{width}}  {rows:>9}")
    typer.echo(
        f"{verb} {len(report.tables)} tables, {report.rows} rows ({report.engine}, schema "
        f"revision {report.revision or 'none'})."
    )


def _attachment_files(settings: "Settings", file: Path, *, backing_up: bool) -> None:
    """The attachment files that go with a backup. Filesystem store: `itpp backup` copies the
    files it does not have yet into `attachments/` beside the backup file (after the dump, so
    every file the dump records is there); `itpp restore` copies back those the store lacks.
    S3 store: the bucket's own versioning or replication keeps them (nothing is copied)."""
    from itpp_api.attachments.storage import copy_missing

    if settings.attachment_storage == "s3":
        typer.echo(
            f"Attachment files: in the bucket {settings.s3_bucket}, not copied (its versioning "
            "or replication is their backup)."
        )
        return
    kept = file.resolve().parent / "attachments"
    store = settings.attachment_directory
    if backing_up:
        copied, present = copy_missing(store, kept)
        typer.echo(f"Attachment files: {copied} copied to {kept}, {present} already there.")
    else:
        copied, present = copy_missing(kept, store)
        typer.echo(f"Attachment files: {copied} copied back to {store}, {present} already there.")


@app.command("backup")
def backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write (replaced if present).")],
) -> None:
    """Save a consistent copy of the database (ITPP_DATABASE_URL) while the services run."""
    from itpp_api.backup import BackupError
    from itpp_api.backup import backup as save
    from itpp_api.config import get_settings

    settings = get_settings()
    try:
        report = save(
            database_url=settings.database_url,
            path=file,
            postgres_bin_dir=settings.postgres_bin_dir,
        )
    except BackupError as exc:
        raise _fail(str(exc)) from exc
    _print_backup(report, f"Saved to {file}:")
    _attachment_files(settings, file, backing_up=True)


@app.command("restore")
def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `itpp backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that is not empty.")
    ] = False,
) -> None:
    """Replace the database (ITPP_DATABASE_URL) with a backup; stop the services first."""
    from itpp_api.backup import BackupError
    from itpp_api.backup import restore as put_back
    from itpp_api.config import get_settings
    from itpp_api.migrate import head_revision

    settings = get_settings()
    try:
        report = put_back(
            database_url=settings.database_url,
            path=file,
            force=force,
            postgres_bin_dir=settings.postgres_bin_dir,
        )
    except BackupError as exc:
        raise _fail(str(exc)) from exc
    _print_backup(report, f"Restored from {file}:")
    _attachment_files(settings, file, backing_up=False)
    if report.revision != head_revision():
        typer.echo("The schema is older than this release's: run `itpp db upgrade` next.")
    typer.echo("Check it with `itpp audit verify`.")


def _unspecified(host: str) -> bool:
    """Whether a listening address means "every interface" (no address to give clients)."""
    import ipaddress

    try:
        return not host or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


@serve_app.command("api")
def serve_api(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Run the API service."""
    import os

    import uvicorn

    from itpp_api.config import get_settings
    from itpp_api.observability import configure_logging
    from itpp_common.observability import prepare_multiprocess_dir

    settings = get_settings()
    configure_logging(settings.log_format)
    prepare_multiprocess_dir()
    host = host or settings.api_host
    port = port or settings.api_port
    if settings.public_base_url is None:
        # Calendar feed URLs point where this process listens (ITPP_PUBLIC_BASE_URL overrides).
        shown = "127.0.0.1" if _unspecified(host) else host
        shown = f"[{shown}]" if ":" in shown else shown
        os.environ["ITPP_PUBLIC_BASE_URL"] = f"http://{shown}:{port}"
        get_settings.cache_clear()
    uvicorn.run(
        "itpp_api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # The app itself decides which X-Forwarded-For to believe (auth/addresses.py,
        # ITPP_FORWARDED_ALLOW_IPS): uvicorn must hand it the real peer.
        proxy_headers=False,
        log_level="info",
        # The application logs each request itself (middleware.Gateway: JSON, with the route
        # template and the request id) and sets up logging (observability.configure_logging).
        access_log=False,
        log_config=None,
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
    from importlib.metadata import entry_points

    # The API's package never imports the web's: the web is found through the entry point it
    # declares (pyproject.toml, [project.entry-points."itpp.serve"]).
    found = entry_points(group="itpp.serve", name="web")
    if not found:
        raise _fail(
            "the web service is not installed here (no 'itpp.serve' entry point 'web'); "
            "install the project again: make install"
        )
    serve = next(iter(found)).load()
    serve(host=host, port=port, api_url=api_url, workers=workers)


@app.command("worker")
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Deliver what is due now, then exit.")
    ] = False,
) -> None:
    """Deliver notifications (e-mail) and webhooks, retrying with back-off, and queue the
    reminders that come due, until SIGTERM or Ctrl-C."""
    import logging
    import signal
    import threading

    from itpp_api.config import get_settings
    from itpp_api.notifications import unsubscribe
    from itpp_api.notifications.transports import transport_for
    from itpp_api.notifications.worker import deliver_due, run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = get_settings()
    try:
        # Every mail's unsubscribe link is signed with it: a missing key stops the worker here,
        # with a reason, rather than failing each mail.
        unsubscribe.secret_key(settings)
    except OSError as exc:
        typer.echo(
            f"The key of the unsubscribe links cannot be read or created ({exc}): set "
            "ITPP_UNSUBSCRIBE_SECRET (the same as the API's), or make ITPP_VAR_DIR writable.",
            err=True,
        )
        raise typer.Exit(1) from None
    transport = transport_for(settings)
    where = (
        f"SMTP {settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security})"
        if settings.smtp_host
        else f"files in {settings.mail_directory}"
    )
    if once:
        from itpp_api.notifications.reminders import queue_reminders
        from itpp_api.webhooks.delivery import deliver_due as deliver_webhooks

        try:
            queue_reminders()
            count = deliver_due(transport=transport, settings=settings)
        finally:
            transport.close()
        hooks = deliver_webhooks(settings=settings)
        typer.echo(f"{count} notification(s) attempted; mail to {where}")
        typer.echo(f"{hooks} webhook delivery(ies) attempted")
        return
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        logging.getLogger("itpp_api.notifications.worker").info("stopping (signal %d)", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    logging.getLogger("itpp_api.notifications.worker").info("delivering mail to %s", where)
    run(transport=transport, settings=settings, stop=stop)


@app.command("openapi")
def openapi() -> None:
    """Print the API's OpenAPI document (JSON)."""
    import json

    from itpp_api.main import create_app

    typer.echo(json.dumps(create_app().openapi(), indent=2, ensure_ascii=False, sort_keys=False))
