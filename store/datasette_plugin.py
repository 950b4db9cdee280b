"""Datasette plugin: a sample's row page shows its images (served from assets) and links its lineage; with
`"plugins": {"benchagent": {"review": true}}` in the metadata it also takes Accept and Reject reviews."""

import re
import secrets
from pathlib import Path
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode, urlsafe_components
from datasette.utils.asgi import Response
from jinja2 import BaseLoader, ChoiceLoader, TemplateNotFound

from benchagent.store.db import Store, busy_timeout
from benchagent.store.errors import StoreError

_SAMPLE_ROW_TEMPLATE = Path(__file__).parent / "templates" / "sample_row.html"
_SAMPLE_ROW_NAME = re.compile(r"row-.+-samples\.html")
_ASSET_COLUMNS = {"id", "sample_id", "name", "mime", "width", "height", "content"}
# No SVG: it can carry scripts.
_IMAGE_MIMES = ("image/png", "image/jpeg", "image/gif", "image/webp")
_MIME_PLACEHOLDERS = ", ".join("?" for _ in _IMAGE_MIMES)


class _SampleRowLoader(BaseLoader):
    """Answers row-<db>-samples.html, for any database, with benchagent's sample row template."""

    def get_source(self, environment, template):
        if not _SAMPLE_ROW_NAME.fullmatch(template):
            raise TemplateNotFound(template)
        return _SAMPLE_ROW_TEMPLATE.read_text(encoding="utf-8"), str(_SAMPLE_ROW_TEMPLATE), lambda: True

    def list_templates(self):
        return []


async def _has_assets(db) -> bool:
    return await db.table_exists("assets") and _ASSET_COLUMNS <= set(await db.table_columns("assets"))


def _view_permissions(database: str, table: str) -> list:
    return [("view-table", (database, table)), ("view-database", database), "view-instance"]


def _reviewing(datasette) -> bool:
    return bool((datasette.plugin_config("benchagent") or {}).get("review"))


async def _takes_reviews(datasette, db) -> bool:
    return _reviewing(datasette) and db.is_mutable and await db.table_exists("reviews")


async def _review_vars(datasette, db, sample_id: str) -> dict:
    # benchagent.store.reviews imports the signatures (and dspy): only servers that take reviews pay for it.
    from benchagent.store.reviews import INSPECTOR_CATEGORIES, MAX_REASON

    rows = await db.execute(
        "select decision, reason, reviewer, created_at from reviews where sample_id = ? "
        "order by created_at desc, rowid desc", [sample_id])
    return {
        "action": datasette.urls.path(f"-/benchagent/{tilde_encode(db.route)}/review/{tilde_encode(sample_id)}"),
        "reasons": INSPECTOR_CATEGORIES, "max_reason": MAX_REASON, "reviews": [dict(r) for r in rows],
    }


@hookimpl
def prepare_jinja2_environment(env):
    # Datasette tries row-<db>-samples.html before row.html. Answering that name for every database,
    # after the existing loaders, needs no per-database file and leaves --template-dir overrides first.
    env.loader = ChoiceLoader([env.loader, _SampleRowLoader()])


@hookimpl
def extra_template_vars(view_name, database, table, request, datasette):
    if view_name != "row" or table != "samples" or request is None:
        return {}

    async def sample_vars():
        db = datasette.get_database(database)
        sample_id = urlsafe_components(request.url_vars["pks"])[0]
        found = {}
        if await datasette.get_canned_query(database, "sample_lineage", request.actor):
            query = urlencode({"sample_id": sample_id})
            found["benchagent_lineage"] = f"{datasette.urls.database(database)}/sample_lineage?{query}"
        visible, _ = await datasette.check_visibility(request.actor, permissions=_view_permissions(database, "assets"))
        if visible and await _has_assets(db):
            rows = await db.execute(
                f"select id, name, width, height from assets where sample_id = ? and mime in ({_MIME_PLACEHOLDERS}) "
                "order by name, id",
                [sample_id, *_IMAGE_MIMES],
            )
            prefix = f"-/benchagent/{tilde_encode(db.route)}/assets/"
            found["benchagent_images"] = [
                {"src": datasette.urls.path(prefix + tilde_encode(r["id"])), "name": r["name"],
                 "width": r["width"], "height": r["height"]}
                for r in rows
            ]
        if await _takes_reviews(datasette, db):
            found["benchagent_review"] = await _review_vars(datasette, db, sample_id)
        return found

    return sample_vars


async def _serve_asset(datasette, request):
    # Plain 404s: raising NotFound would make Datasette print a rich traceback for each miss.
    try:
        db = datasette.get_database(route=tilde_decode(request.url_vars["database"]))
    except KeyError:
        return Response.text("Database not found", status=404)
    if not await _has_assets(db):
        return Response.text("This database has no assets table", status=404)
    await datasette.ensure_permissions(request.actor, _view_permissions(db.name, "assets"))
    row = (await db.execute(
        f"select mime, content from assets where id = ? and mime in ({_MIME_PLACEHOLDERS})",
        [tilde_decode(request.url_vars["asset_id"]), *_IMAGE_MIMES],
    )).first()
    if row is None:
        return Response.text("Image not found", status=404)
    return Response(row["content"], content_type=row["mime"], headers={"X-Content-Type-Options": "nosniff"})


def _csrf_token_matches(request, form) -> bool:
    # asgi-csrf lets a POST without cookies through, and a browser sends no Lax cookie on a cross-site POST,
    # so the route itself requires the form's token to equal the signed cookie asgi-csrf has checked it against.
    cookie = request.cookies.get("ds_csrftoken", "")
    return bool(cookie) and secrets.compare_digest(form.get("csrftoken", "").encode(), cookie.encode())


async def _review(datasette, request):
    from benchagent.store.reviews import add_review, default_reviewer

    if request.method != "POST":
        return Response.text("Reviews are POSTed from a sample's page", status=405)
    if not _reviewing(datasette):
        return Response.text("Reviewing is off: start the server with `benchagent browse --review`", status=403)
    try:
        db = datasette.get_database(route=tilde_decode(request.url_vars["database"]))
    except KeyError:
        return Response.text("Database not found", status=404)
    if not await _takes_reviews(datasette, db):
        return Response.text("This database cannot take reviews", status=403)
    await datasette.ensure_permissions(request.actor, _view_permissions(db.name, "samples"))
    form = await request.post_vars()
    if not _csrf_token_matches(request, form):
        return Response.text("Missing or wrong CSRF token: review from the sample's page", status=403)
    sample_id, decision = tilde_decode(request.url_vars["sample_id"]), form.get("decision", "")
    reason = form.get("reason_text", "").strip() or form.get("reason") or None
    config = datasette.plugin_config("benchagent")
    reviewer = str((request.actor or {}).get("id") or config.get("reviewer") or default_reviewer())

    if not (await db.execute("select 1 from samples where id = ?", [sample_id])).first():
        return Response.text("Sample not found", status=404)

    def write(conn) -> str | None:
        # Returns why the review was refused: execute_write_fn would raise a returned exception.
        try:
            conn.execute(f"PRAGMA busy_timeout = {round(busy_timeout() * 1000)}")
            add_review(Store(conn, Path(db.path)), sample_id, decision, reason, reviewer)
        except StoreError as exc:
            return str(exc)

    error = await db.execute_write_fn(write)
    if error:
        datasette.add_message(request, f"Review not saved: {error}", datasette.ERROR)
    else:
        datasette.add_message(request, f"{decision.capitalize()}ed {sample_id}" + (f" ({reason})" if reason else "")
                              + f" as {reviewer}", datasette.INFO)
    return Response.redirect(datasette.urls.row(db.name, "samples", tilde_encode(sample_id)))


@hookimpl
def register_routes():
    return [
        (r"^/-/benchagent/(?P<database>[^/]+)/assets/(?P<asset_id>[^/]+)$", _serve_asset),
        (r"^/-/benchagent/(?P<database>[^/]+)/review/(?P<sample_id>[^/]+)$", _review),
    ]
