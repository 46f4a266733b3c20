"""`assetmap newsletter`: a ward's monthly newsletter as an A4 PDF, or one for every ward."""
from __future__ import annotations

from pathlib import Path

import click

from app.cli import cli

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


@cli.command()
@click.option("--ward", "ward_slug", help="The ward, by the name in its page's address (belgrave, spinney-hills).")
@click.option("--all-wards", is_flag=True, help="One newsletter for every ward, written into the --out folder.")
@click.option("--month", "month_text", help="The month, YYYY-MM (default: this month).")
@click.option("--lang", "lang", default="en", show_default=True, help="The language it is written in (en, gu, ...).")
@click.option("--large-print", is_flag=True, help="Large print: 16 point text, up to four pages.")
@click.option("--out", "out_path", required=True, type=click.Path(),
              help="The PDF file to write (with --all-wards: the folder to write them into).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Database (default: instance/assetmap.db).")
@click.option("--base-url", envvar="ASSETMAP_BASE_URL", default=DEFAULT_BASE_URL, show_default=True,
              help="The site's public address, for the QR code and the links printed on the sheet.")
@click.pass_context
def newsletter(ctx, ward_slug, all_wards, month_text, lang, large_print, out_path, db_path, base_url):
    """Print a ward's newsletter for a month: what is on each day, regular activities, map and contacts."""
    from app import create_app
    from app.assets.search import list_wards
    from app.newsletters.newsletter import NewsletterError, gather, parse_month
    from app.newsletters.render import check_language, filename, render_newsletter
    from app.web.db import get_db
    from app.web.filters import local_now

    if bool(ward_slug) == bool(all_wards):
        raise click.UsageError("say which ward with --ward (for example --ward belgrave), or give --all-wards")
    app = create_app(area_file=ctx.obj.get("area_file"))
    if db_path:
        app.config["DATABASE"] = str(db_path)
    if not Path(app.config["DATABASE"]).exists():
        raise click.ClickException(f"no database at {app.config['DATABASE']}: run `assetmap build` first")
    out = Path(out_path)
    with app.test_request_context(base_url=base_url):
        db = get_db()
        now = local_now()
        try:
            check_language(lang)
            month = parse_month(month_text) if month_text else now.date().replace(day=1)
            slugs = [w["slug"] for w in list_wards(db)] if all_wards else [ward_slug]
            if all_wards:
                out.mkdir(parents=True, exist_ok=True)
            for slug in slugs:
                news = gather(db, app.config["AREA"], slug, month, now)
                target = out / filename(news, lang, large_print) if all_wards else out
                target.write_bytes(render_newsletter(news, lang, large_print))
                click.echo(f"Wrote {target}")
        except NewsletterError as exc:
            raise click.ClickException(str(exc)) from None
