"""Datasette plugin: a sample's row page shows its images (served from assets) and links its lineage."""

import re
from pathlib import Path
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode, urlsafe_components
from datasette.utils.asgi import Response
from jinja2 import BaseLoader, ChoiceLoader, TemplateNotFound

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


def _asset_permissions(database: str) -> list:
    return [("view-table", (database, "assets")), ("view-database", database), "view-instance"]


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
        visible, _ = await datasette.check_visibility(request.actor, permissions=_asset_permissions(database))
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
    await datasette.ensure_permissions(request.actor, _asset_permissions(db.name))
    row = (await db.execute(
        f"select mime, content from assets where id = ? and mime in ({_MIME_PLACEHOLDERS})",
        [tilde_decode(request.url_vars["asset_id"]), *_IMAGE_MIMES],
    )).first()
    if row is None:
        return Response.text("Image not found", status=404)
    return Response(row["content"], content_type=row["mime"], headers={"X-Content-Type-Options": "nosniff"})


@hookimpl
def register_routes():
    return [(r"^/-/benchagent/(?P<database>[^/]+)/assets/(?P<asset_id>[^/]+)$", _serve_asset)]
