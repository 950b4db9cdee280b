"""Source cards in the store: upsert and bm25 full-text retrieval with a modality filter."""

import json
import re
from typing import Any

from benchagent.store.db import Store


def _keywords(value: str | list[str] | None) -> str:
    return value if isinstance(value, str) else ", ".join(value or [])


def upsert_cards(store: Store, cards: list[dict[str, Any]]) -> None:
    store.upsert_many("sources", [{
        "id": card["id"], "name": card["name"], "kind": card["kind"], "modalities": card.get("modalities") or [],
        "description": card["description"], "fields": card.get("fields") or [], "size": card.get("size"),
        "license": card.get("license"), "keywords": _keywords(card.get("keywords")), "card": card,
    } for card in cards])


def _fts_query(words: list[str]) -> str:
    tokens = {t for w in words for t in re.findall(r"[a-z0-9]+", w.lower()) if len(t) > 1}
    return " OR ".join(f'"{t}"' for t in sorted(tokens))


def search_cards(store: Store, words: list[str], modalities: list[str] | None = None, limit: int = 5,
                 relative: float = 0.0) -> list[dict[str, Any]]:
    """Cards ranked by bm25 over name, description and keywords; a card must offer every wanted modality.

    With relative > 0, cards scoring below that fraction of the best card's relevance are dropped."""
    query = _fts_query(words)
    if not query:
        return []
    rows = store.query(
        "SELECT s.card, bm25(sources_fts) AS rank FROM sources_fts JOIN sources s ON s.rowid = sources_fts.rowid "
        "WHERE sources_fts MATCH ? ORDER BY rank LIMIT 50",
        (query,),
    )
    wanted = set(modalities or [])
    found = []
    for row in rows:
        card = json.loads(row["card"])
        if wanted <= set(card.get("modalities") or []):
            found.append(card | {"bm25": row["rank"]})
    if found and relative > 0 and found[0]["bm25"] < -1e-6:
        best = found[0]["bm25"]  # bm25() is negative; more negative is more relevant
        found = [c for c in found if c["bm25"] / best >= relative]
    return found[:limit]


def list_cards(store: Store) -> list[dict[str, Any]]:
    return [json.loads(r["card"]) for r in store.query("SELECT card FROM sources ORDER BY kind, name")]
