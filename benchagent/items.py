"""A run's accepted samples as benchmark items, and the one prompt that exports and `benchagent eval` show them with."""

from dataclasses import dataclass
from typing import Any

from benchagent.program.executor.item import LETTERS, Item, stored_item
from benchagent.store.benchmark import accepted_rows
from benchagent.store.db import Store

INSTRUCTIONS = {
    "choice": "Answer with the letter of the correct option only.",
    "number": "Answer with the number only.",
    "binary": "Answer yes or no only.",
}
OPEN_INSTRUCTION = "Answer with a word or short phrase only."
# How a reply names its answer: a leading letter ("B", "(B)", "B. 42"), "answer is B", "option B", LaTeX's
# "\boxed{B}"; a number. A reply that reasons first states its answer last, so readers take the last match.
LETTER_REPLY = (r"^\s*\(?([A-J])\)?(?:[.:)]|\s*$)|(?i:answer(?:\s+is)?)\s*:?\s*\(?\**([A-J])\b"
                r"|(?i:option)\s+\(?([A-J])\b|\\boxed\{\s*\(?([A-J])\)?\s*\}")
NUMBER_REPLY = r"-?\d+(?:\.\d+)?"
NO_IMAGE = "(This question comes with an image, which you cannot see. Answer as best you can.)"


@dataclass(frozen=True)
class BenchItem:
    """One accepted sample: what the model under test sees, the gold answer, and where the sample came from."""

    sample_id: str
    subtask: str
    subtask_name: str
    answer_type: str
    item: Item
    source_id: str
    source_name: str
    source_license: str
    answer_origin: str
    status: str
    program_id: str | None

    @property
    def kind(self) -> str:
        """choice, number, binary or open: how the answer is given and scored."""
        if self.item.options:
            return "choice"
        return self.answer_type if self.answer_type in ("number", "binary") else "open"

    @property
    def letter(self) -> str | None:
        return self.item.answer_letter

    @property
    def letters(self) -> list[str]:
        return list(LETTERS[:len(self.item.options or [])])

    def context(self) -> str:
        """The text shown beside the question (passages, tables as text), one `name: value` line each."""
        return "\n".join(f"{name}: {value}" for name, value in self.item.extra_input.items())

    def stem(self) -> str:
        """Context and question, without options or instruction (runners with their own choice template)."""
        return "\n\n".join(part for part in (self.context(), self.item.question) if part)

    def options_text(self) -> str:
        options = self.item.options or []
        return "\n".join(f"{letter}. {option}" for letter, option in zip(self.letters, options, strict=True))

    def prompt(self, *, image_shown: bool = True) -> str:
        """The full prompt: context, question, lettered options and how to answer; a model that cannot see the
        item's image is told so."""
        parts = [] if image_shown or not self.item.images else [NO_IMAGE]
        parts += [self.stem(), self.options_text(), INSTRUCTIONS.get(self.kind, OPEN_INSTRUCTION)]
        return "\n\n".join(part for part in parts if part)

    def metadata(self) -> dict[str, Any]:
        return {"sample_id": self.sample_id, "subtask": self.subtask, "answer_type": self.answer_type,
                "answer": self.item.answer, "answer_origin": self.answer_origin, "source": self.source_id,
                "status": self.status, "program": self.program_id}


def load_items(store: Store, run_id: str) -> list[BenchItem]:
    """The run's accepted samples, oldest first; NotFoundError or EmptyRunError when there is none."""
    return [BenchItem(sample_id=row["id"], subtask=row["subtask"], subtask_name=row["subtask_name"],
                      answer_type=row["answer_type"], item=stored_item(row), source_id=row["source_id"],
                      source_name=row["source_name"] or row["source_id"], source_license=row["source_license"] or "",
                      answer_origin=row["answer_origin"] or "llm", status=row["status"], program_id=row["program_id"])
            for row in accepted_rows(store, run_id)]
