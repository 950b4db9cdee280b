"""The samples table with each sample's images (assets) and verdicts."""

import hashlib
import io
import json
from typing import Any

from PIL import Image

from benchagent.store.db import Store, decode, new_id


def save_sample(store: Store, sample: dict[str, Any], images: dict[str, bytes], verdicts: list[dict[str, Any]]) -> None:
    """The sample row, its PNG images and its verdicts, in one transaction (or the caller's)."""
    assets = []
    for name, png in images.items():
        with Image.open(io.BytesIO(png)) as img:
            width, height = img.size
        assets.append({"id": new_id("ast"), "run_id": sample["run_id"], "sample_id": sample["id"], "name": name,
                       "mime": "image/png", "width": width, "height": height,
                       "sha256": hashlib.sha256(png).hexdigest(), "content": png})
    with store.transaction():
        store.insert("samples", sample)
        store.insert_many("assets", assets)
        store.insert_many("verdicts", [{"id": new_id("vrd"), "run_id": sample["run_id"], "sample_id": sample["id"],
                                        "created_at": sample["created_at"], **v} for v in verdicts])


def sample_images(store: Store, sample_ids: list[str]) -> dict[str, dict[str, bytes]]:
    """{sample id: {asset name: PNG bytes}} for the samples that have images."""
    images: dict[str, dict[str, bytes]] = {}
    for asset in store.query("SELECT sample_id, name, content FROM assets WHERE mime = 'image/png' AND sample_id IN "
                             "(SELECT value FROM json_each(?)) ORDER BY name, rowid", (json.dumps(sample_ids),)):
        images.setdefault(asset["sample_id"], {})[asset["name"]] = asset["content"]
    return images


def accepted_samples(store: Store, run_id: str) -> list[dict[str, Any]]:
    """The run's accepted samples (ok or fixed), JSON columns decoded, each with its `images`."""
    rows = [decode(r) for r in store.query("SELECT * FROM samples WHERE run_id = ? AND status IN ('ok', 'fixed') "
                                           "ORDER BY rowid", (run_id,))]
    images = sample_images(store, [r["id"] for r in rows])
    return [{**row, "images": images.get(row["id"], {})} for row in rows]


def asset(store: Store, asset_id: str) -> dict[str, Any] | None:
    """One asset's mime type and content."""
    return store.one("SELECT mime, content FROM assets WHERE id = ?", (asset_id,))
