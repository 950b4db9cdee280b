"""A realized item: what the model under test sees, its gold answer, and the images it carries."""

import json
from dataclasses import dataclass, field
from typing import Any

LETTERS = "ABCDEFGHIJ"
# a yes/no answer as the side it stands for: a true/false item's True is a yes
SIDE_OF = {"yes": "yes", "true": "yes", "no": "no", "false": "no"}
INPUT_LINE_CHARS = 1200


@dataclass
class Item:
    question: str
    answer: str
    answer_origin: str                      # "tool" when a pure tool made the answer, else "llm"
    options: list[str] | None = None
    images: dict[str, bytes] = field(default_factory=dict)
    facts: str = ""                         # text view of what the images show, for text-only checkers
    extra_input: dict[str, Any] = field(default_factory=dict)
    goal: str = ""                          # what a tool's target asked, when a tool chose it
    query: dict[str, Any] = field(default_factory=dict)  # the tool's target as data

    @property
    def answer_letter(self) -> str | None:
        if not self.options or self.answer not in self.options:
            return None
        return LETTERS[self.options.index(self.answer)]

    def final_input(self) -> dict[str, Any]:
        data: dict[str, Any] = {"question": self.question, **self.extra_input}
        if self.options is not None:
            data["options"] = {LETTERS[i]: o for i, o in enumerate(self.options)}
        for name in self.images:
            data[name] = f"asset:{name}"
        return data

    def final_output(self) -> dict[str, Any]:
        out: dict[str, Any] = {"answer": self.answer}
        if self.answer_letter:
            out["answer_letter"] = self.answer_letter
        return out

    def input_line(self) -> str:
        """One line on what the model under test sees besides the question."""
        parts = []
        if self.images:
            parts.append("an image" + (f" showing {_clipped(self.facts)}" if self.facts else ""))
        parts += [f"{name}: {_clipped(str(value))}" for name, value in self.extra_input.items()]
        return "; ".join(parts) or "nothing but the question"

    def for_checker(self) -> dict[str, Any]:
        """The item as a text-only checker sees it: images replaced by what they show."""
        view: dict[str, Any] = {"question": self.question, **self.extra_input}
        if self.options is not None:
            view["options"] = self.final_input()["options"]
        if self.images:
            view["image_shows"] = self.facts
        view["gold_answer"] = self.answer
        return view

    def checker_json(self) -> str:
        """for_checker() as the JSON text the inspector, the recall step and the judge read."""
        return json.dumps(self.for_checker(), ensure_ascii=False)


def _clipped(text: str) -> str:
    """Text on one line, cut at INPUT_LINE_CHARS: long enough for a whole table or passage chunk, so a check that
    reads it sees the row or sentence the question names."""
    flat = " ".join(text.split())
    return flat[:INPUT_LINE_CHARS] + ("..." if len(flat) > INPUT_LINE_CHARS else "")


def stored_item(row: dict[str, Any]) -> Item:
    """A sample read back from the store (its JSON columns decoded, with its `images`), as the duplicate index, the
    gold balance and the optimizer need it."""
    images = row["images"]
    extra = {k: v for k, v in (row["input"] or {}).items() if k not in ("question", "options") and k not in images}
    return Item(question=row["question"], answer=row["answer"], answer_origin=row["answer_origin"] or "llm",
                options=row["options"] or None, images=images, extra_input=extra)
