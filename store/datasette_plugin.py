"""Datasette plugin: a sample's row page shows its images, served from the assets table."""

import re
from pathlib import Path

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode, urlsafe_components
from datasette.utils.asgi import NotFound, Response
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

    async def images():
        db = datasette.get_database(database)
        if not await _has_assets(db):
            return {}
        visible, _ = await datasette.check_visibility(request.actor, permissions=_asset_permissions(database))
        if not visible:
            return {}
        sample_id = urlsafe_components(request.url_vars["pks"])[0]
        rows = await db.execute(
            f"select id, name, width, height from assets where sample_id = ? and mime in ({_MIME_PLACEHOLDERS}) "
            "order by name, id",
            [sample_id, *_IMAGE_MIMES],
        )
        prefix = f"-/benchagent/{tilde_encode(db.route)}/assets/"
        return {"benchagent_images": [
            {"src": datasette.urls.path(prefix + tilde_encode(r["id"])), "name": r["name"],
             "width": r["width"], "height": r["height"]}
            for r in rows
        ]}

    return images


async def _serve_asset(datasette, request):
    try:
        db = datasette.get_database(route=tilde_decode(request.url_vars["database"]))
    except KeyError:
        raise NotFound("Database not found") from None
    if not await _has_assets(db):
        raise NotFound("This database has no assets table")
    await datasette.ensure_permissions(request.actor, _asset_permissions(db.name))
    row = (await db.execute(
        f"select mime, content from assets where id = ? and mime in ({_MIME_PLACEHOLDERS})",
        [tilde_decode(request.url_vars["asset_id"]), *_IMAGE_MIMES],
    )).first()
    if row is None:
        raise NotFound("Image not found")
    return Response(row["content"], content_type=row["mime"], headers={"X-Content-Type-Options": "nosniff"})


@hookimpl
def register_routes():
    return [(r"^/-/benchagent/(?P<database>[^/]+)/assets/(?P<asset_id>[^/]+)$", _serve_asset)]
