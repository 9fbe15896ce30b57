"""The `systemfel` command: Flask's commands (run, db ...) plus users and demo data."""

import logging

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, pass_script_info, with_appcontext
from sqlalchemy import select

from systemfel import create_app, leadership, scheduler
from systemfel import demo as demo_data
from systemfel.auth import services as accounts
from systemfel.auth.domain import Role
from systemfel.dbtypes import utcnow
from systemfel.errors import DomainError
from systemfel.extensions import db
from systemfel.privacy import stored
from systemfel.reports import summaries
from systemfel.verksamheter import services as tenant_services
from systemfel.verksamheter.models import Verksamhet
from systemfel.verksamheter.scope import Scope


@click.group(cls=FlaskGroup, create_app=lambda: create_app())
def main() -> None:
    """Systemfel: brister i personligt ombud-verksamheter."""


@main.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--namn", required=True, help="The person's name.")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--verksamhet", "verksamheter", multiple=True, help="Verksamhet name (repeatable).")
@click.option(
    "--new-verksamhet",
    is_flag=True,
    help="Create the named verksamheter that do not exist yet (a new installation's first).",
)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_user(
    email: str,
    namn: str,
    role: str,
    verksamheter: tuple[str, ...],
    new_verksamhet: bool,
    password: str,
) -> None:
    """Create an account in existing verksamheter (or new ones, with --new-verksamhet)."""
    try:
        chosen = [_verksamhet_named(name, create=new_verksamhet) for name in verksamheter]
        user, _password = accounts.create_user(
            scope=Scope.everything(),
            actor_role=Role.ADMIN,
            email=email,
            namn=namn,
            role=Role(role),
            verksamheter=chosen,
            password=password,
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.email} ({user.role.value}).")


def _verksamhet_named(name: str, create: bool) -> Verksamhet:
    """The verksamhet of that name; a misspelt name is refused rather than made anew."""
    existing = db.session.scalar(select(Verksamhet).where(Verksamhet.namn == name))
    if existing is not None:
        return existing
    if not create:
        raise click.ClickException(
            f"No verksamhet is named {name!r}. Check the spelling, or pass --new-verksamhet "
            "to create it."
        )
    return tenant_services.create_verksamhet(scope=Scope.everything(), namn=name, kommuner=[name])


@main.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when there are accounts already.")
@with_appcontext
def load_demo(if_empty: bool) -> None:
    """Load anonymous demo data and print the demo logins (never in production)."""
    if current_app.config["ENV"] == "production":
        raise click.ClickException(
            "Demo data is never loaded in production: its accounts have published passwords."
        )
    if if_empty and demo_data.has_data():
        click.echo("Demo data: the database has data already; nothing loaded.")
        return
    logins = demo_data.load()
    db.session.commit()
    click.echo("Demo logins (e-post / lösenord):")
    for email, password, role in logins:
        click.echo(f"  {email:38} {password:20} {role}")


@main.group()
def privacy() -> None:
    """Stored text that fails the privacy guard."""


@privacy.command("scan")
@with_appcontext
def privacy_scan() -> None:
    """List every stored field holding a personnummer or samordningsnummer, masked."""
    found = stored.scan()
    for finding in found.findings:
        click.echo(f"{finding.table}\t{finding.row_id}\t{finding.column}\t{finding.shown}")
    click.echo(f"{len(found.findings)} fields.")


@privacy.command("redact")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def privacy_redact(yes: bool) -> None:
    """Replace every such number by "[borttaget]", recording which field, when — not the number."""
    found = stored.scan()
    if not found.findings:
        click.echo("No stored text holds a personnummer.")
        return
    click.echo(f"{len(found.findings)} fields hold a personnummer or samordningsnummer.")
    if not yes:
        click.confirm("Replace them by [borttaget]? This cannot be undone", abort=True)
    changed = stored.redact(found.findings, user_id=None, now=utcnow())
    db.session.commit()
    click.echo(f"Redacted {changed} fields.")


@main.group()
def statistik() -> None:
    """The statistics page's summaries."""


@statistik.command("uppdatera")
@with_appcontext
def refresh_statistics() -> None:
    """Count the statistics summaries afresh now (after loading data directly, say)."""
    started = utcnow()
    summaries.refresh()
    db.session.commit()
    seconds = (utcnow() - started).total_seconds()
    click.echo(f"Statistiken uppdaterad på {seconds:.1f} s.")


@main.command("scheduler")
@pass_script_info
def scheduler_command(info: ScriptInfo) -> None:
    """Run the scheduler: reminders, daily digests and the outbox (its own process)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo("Systemfel scheduler: sweeping reminders, digests and the outbox. Ctrl+C stops.")
    scheduler.run(info.load_app())


@main.command("sweep")
@pass_script_info
def sweep_command(info: ScriptInfo) -> None:
    """Run every scheduler job once, now (for cron, or to try things out).

    Not while a scheduler process is active: it holds the scheduler lock and runs them itself.
    """
    app = info.load_app()
    lock = leadership.scheduler_lock(app.config["DATABASE_URL"])
    if not lock.acquire():
        raise click.ClickException(
            "En schemaläggare är aktiv och kör jobben; inget kördes. "
            "/ A scheduler is active and runs the jobs; nothing was run."
        )
    try:
        for job, _setting in scheduler.JOBS:
            scheduler.run_job(app, job, lock=lock)
    finally:
        lock.release()
    click.echo("Done.")
