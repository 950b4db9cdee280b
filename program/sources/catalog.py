"""The grounding pool: the cards of every generator, built-in and user source, the reader behind any card, and the
cards kept in the store, where a card becomes its `sources` row and is read back from one."""

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchagent.program.sources.builtin import builtin_cards, builtin_source
from benchagent.program.sources.cards import SourceCard
from benchagent.program.sources.families import GENERATORS
from benchagent.program.sources.generators import generate_record, generator_cards
from benchagent.program.sources.readers import RowSource, Source, SourceError
from benchagent.program.sources.user import UserCard, user_source
from benchagent.store.catalog import list_cards, search_cards, upsert_cards
from benchagent.store.db import Store


class GeneratorSource:
    """A generator's records for one build seed."""

    def __init__(self, source_id: str, seed: int):
        self.card, self.seed = GENERATORS[source_id].card, seed

    @property
    def capacity(self) -> int:
        return self.card.size

    def record(self, index: int) -> dict[str, Any]:
        return generate_record(self.card.id, index, self.seed)


def catalog_cards(user_paths: Iterable[str | Path] = ()) -> list[SourceCard]:
    """Generator, built-in and user cards; user cards carry their plain description (SourceDescriber writes a
    better one)."""
    return [*generator_cards(), *builtin_cards(), *(user_reader(path).card for path in user_paths)]


_USER_SOURCES: dict[tuple[str, int], RowSource] = {}
_LOCK = threading.Lock()


def user_reader(path: str | Path) -> RowSource:
    """user_source, read once per path and modification time."""
    path = Path(path).expanduser()
    try:
        key = (str(path.resolve()), path.stat().st_mtime_ns)
    except OSError:
        return user_source(path)  # raises the SourceError that names the path
    with _LOCK:
        if key not in _USER_SOURCES:
            _USER_SOURCES[key] = user_source(path)
        return _USER_SOURCES[key]


def source_for(card: SourceCard | str, seed: int = 0) -> Source:
    """The reader of a card (or of a generator or built-in id); a user source needs its UserCard, which holds the
    path of its data. Generator records depend on the build's seed, the others do not."""
    source_id = card if isinstance(card, str) else card.id
    if source_id in GENERATORS:
        return GeneratorSource(source_id, seed)
    if source_id.startswith("builtin_"):
        return builtin_source(source_id)
    if source_id.startswith("user_"):
        if not isinstance(card, UserCard):
            raise SourceError(f"user source {source_id} needs its card, with the path of its data")
        return user_reader(card.path).with_card(card)
    raise ValueError(f"unknown source {source_id!r}")


@dataclass(frozen=True)
class Match:
    """A card the store's full-text search found, with its bm25 rank (negative; more negative is more relevant)."""

    card: SourceCard
    bm25: float


def _card(row: dict[str, Any]) -> SourceCard:
    """The card a `sources` row holds: a UserCard when the row keeps the path of its data."""
    return (UserCard if row["kind"] == "user" and row.get("path") else SourceCard).from_row(row)


def save_cards(store: Store, cards: Iterable[SourceCard]) -> None:
    upsert_cards(store, [card.row() for card in cards])


def stored_cards(store: Store) -> list[SourceCard]:
    """Every card in the store, by kind and name."""
    return [_card(row) for row in list_cards(store)]


def find_cards(store: Store, words: list[str], modalities: list[str] | None = None, limit: int = 5,
               relative: float = 0.0) -> list[Match]:
    """search_cards, its rows read back as cards."""
    return [Match(_card(row), row["bm25"]) for row in search_cards(store, words, modalities, limit, relative)]
