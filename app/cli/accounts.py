"""`assetmap users`: connector and admin accounts."""
from __future__ import annotations

from pathlib import Path

import click

from app.cli import _area, _build_if_missing, _default_db, cli, open_live_db


@cli.group()
def users():
    """Manage connector and admin accounts."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["connector", "admin"]), default="connector", show_default=True)
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
@click.password_option(help="The password (asked for twice if not given; at least 10 characters).")
@click.pass_context
def users_add(ctx, name, role, db_path, password):
    """Create an account, building the database first on a fresh install. Residents never need one."""
    from app.accounts import UserError, add_user

    db_path = Path(db_path or _default_db())
    _build_if_missing(_area(ctx), db_path)
    db = open_live_db(db_path)
    try:
        user = add_user(db, name, password, role)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Added {user.role} {user.name}")


@users.command("password")
@click.argument("name")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
@click.password_option(help="The new password (asked for twice if not given).")
def users_password(name, db_path, password):
    """Give an account a new password."""
    from app.accounts import UserError, set_password

    db = open_live_db(db_path or _default_db())
    try:
        set_password(db, name, password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"New password set for {name}")


@users.command("list")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
def users_list(db_path):
    """List the accounts."""
    from app.accounts import list_users

    db = open_live_db(db_path or _default_db())
    for user in list_users(db):
        click.echo(f"{user.name}\t{user.role}")
