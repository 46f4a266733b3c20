"""`assetmap kiosk`: the library kiosks' addresses, to type into a kiosk's browser."""
from __future__ import annotations

import click

from app.cli import _default_db, cli, open_live_db

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def kiosk_url(base_url: str, slug: str) -> str:
    """The kiosk's welcome screen at a site's address (no trailing slash needed on base_url)."""
    return f"{base_url.rstrip('/')}/kiosk/{slug}/"


@cli.group("kiosk")
def kiosk_group():
    """The library kiosks registered in the workspace."""


_db_option = click.option("--db", "db_path", type=click.Path(dir_okay=False),
                          help="Database (default: instance/assetmap.db).")
_base_option = click.option("--base-url", envvar="ASSETMAP_BASE_URL", default=DEFAULT_BASE_URL, show_default=True,
                            help="The site's public address, as the kiosk's browser reaches it.")


@kiosk_group.command("url")
@click.argument("name")
@_db_option
@_base_option
def kiosk_url_command(name, db_path, base_url):
    """Print the full address of the kiosk called NAME (its name or its slug)."""
    from app.kiosks.kiosk import find_kiosk

    db = open_live_db(db_path or _default_db())
    kiosk = find_kiosk(db, name)
    if kiosk is None:
        raise click.ClickException(f"No kiosk is called “{name}”. `assetmap kiosk list` shows the kiosks.")
    click.echo(kiosk_url(base_url, kiosk.slug))


@kiosk_group.command("list")
@_db_option
@_base_option
def kiosk_list_command(db_path, base_url):
    """List every kiosk with its address."""
    from app.kiosks.kiosk import list_kiosks

    db = open_live_db(db_path or _default_db())
    kiosks = list_kiosks(db)
    if not kiosks:
        click.echo("No kiosks yet: register one in the workspace (Kiosks).")
    for kiosk in kiosks:
        click.echo(f"{kiosk.name}\t{kiosk_url(base_url, kiosk.slug)}")
