"""The grounding pool: the cards of every generator, built-in and user source, and the reader behind any card."""

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from benchagent.program.sources.builtin import builtin_cards, builtin_source
from benchagent.program.sources.families import GENERATORS
from benchagent.program.sources.generators import generate_record, generator_cards
from benchagent.program.sources.readers import RowSource, Source, SourceError
from benchagent.program.sources.user import user_source


class GeneratorSource:
    """A generator's records for one build seed."""

    def __init__(self, source_id: str, seed: int):
        self.card, self.seed = GENERATORS[source_id].card.row(), seed

    @property
    def capacity(self) -> int:
        return self.card["size"]

    def record(self, index: int) -> dict[str, Any]:
        return generate_record(self.card["id"], index, self.seed)


def catalog_cards(user_paths: Iterable[str | Path] = ()) -> list[dict[str, Any]]:
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


def source_for(card_or_id: dict[str, Any] | str, seed: int = 0) -> Source:
    """The reader of a card (or of a generator or built-in id); a user card needs its `path`. Generator records
    depend on the build's seed, the others do not."""
    card = card_or_id if isinstance(card_or_id, dict) else None
    source_id = card["id"] if card else card_or_id
    if source_id in GENERATORS:
        return GeneratorSource(source_id, seed)
    if source_id.startswith("builtin_"):
        return builtin_source(source_id)
    if source_id.startswith("user_"):
        if not card or not card.get("path"):
            raise SourceError(f"user source {source_id} needs its card, with the path of its data")
        return user_reader(card["path"]).with_card(card)
    raise ValueError(f"unknown source {source_id!r}")
