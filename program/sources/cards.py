"""The source card: one typed model for generator, built-in and user sources, and its `sources` row in the store."""

from typing import Any, ClassVar, Literal

from pydantic import BaseModel

ROW_COLUMNS = ("id", "name", "kind", "modalities", "description", "fields", "size", "license")
# A field description listing the values a requirement may pick records by: "str: one of a | b" where the requirement
# also names the field ('modules like itertools'), "str: named one of a | b" where a value said alone picks ('a South
# American country', 'noble gases only').
ONE_OF = "str: one of "
NAMED_ONE_OF = "str: named one of "


def listed_values(description: str) -> list[str]:
    """The values a ONE_OF or NAMED_ONE_OF field description lists; none for any other description."""
    for prefix in (NAMED_ONE_OF, ONE_OF):
        if description.startswith(prefix):
            return [v.strip() for v in description.removeprefix(prefix).split("|") if v.strip()]
    return []


class SourceCard(BaseModel):
    """A source card; `row()` gives the store's `sources` row, `from_row()` reads the card back from one."""

    ROW_ONLY: ClassVar[tuple[str, ...]] = ()  # fields kept beside the stored card, in the row only

    id: str
    name: str
    kind: Literal["builtin", "user", "generator"]
    modalities: list[str]
    description: str
    fields: dict[str, str]
    size: int
    license: str
    keywords: list[str]
    tools: list[str]

    def row(self) -> dict[str, Any]:
        card = self.model_dump(exclude=set(self.ROW_ONLY))
        return {**{k: card[k] for k in ROW_COLUMNS}, "keywords": ", ".join(self.keywords), "card": card,
                **self.model_dump(include=set(self.ROW_ONLY))}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "SourceCard":
        """The card a row (from `row()`, the catalog or the store) holds; keys of no field, such as a search's bm25,
        are dropped."""
        return cls.model_validate({**row["card"], **{k: row[k] for k in cls.ROW_ONLY}})
