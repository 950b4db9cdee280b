"""Inspect AI export: JSONL datasets in Inspect's field names (images as content, target letters) and a task file
with `multiple_choice()` and `choice()` for choice items, a match scorer (numeric for numbers) for the others.

Every task takes `images` (`-T images=false` for text-only models): image items are then asked without their image,
the model told so, from a `<kind>_text.jsonl` beside the data."""

import json
from pathlib import Path
from typing import Any

from benchagent.export.files import image_paths, write_images
from benchagent.items import NO_IMAGE, BenchItem

# kind -> (solver, scorer) in the task file
_TASKS = {
    "choice": ("multiple_choice()", "choice()"),
    "number": ("generate()", "match(numeric=True)"),
    "binary": ("generate()", "match(ignore_case=True)"),
    "open": ("generate()", "match(ignore_case=True)"),
}


def sample(item: BenchItem, *, images: bool = True) -> dict[str, Any]:
    """One Inspect sample: `input` as a user message with image and text content, `choices` and a `target` letter
    for choice items, else the answer as target. Without images, the text says the item's image is not shown."""
    text = item.stem() if item.kind == "choice" else item.prompt(image_shown=images)
    if item.kind == "choice" and item.item.images and not images:
        text = f"{NO_IMAGE}\n\n{text}"
    content = [{"type": "image", "image": path} for path in image_paths(item).values()] if images else []
    content.append({"type": "text", "text": text})
    record = {"id": item.sample_id, "input": [{"role": "user", "content": content}],
              "target": item.letter if item.kind == "choice" else item.item.answer, "metadata": item.metadata()}
    if item.kind == "choice":
        record["choices"] = item.item.options
    return record


def task_name(base: str, kind: str) -> str:
    return f"{base}_{kind}"


def write_inspect(folder: Path, items: list[BenchItem], base: str, title: str) -> list[Path]:
    """One JSONL per kind of item (choice, number, binary, open), a text-only copy for kinds with image items, and
    task.py with one @task each."""
    written, tasks = [], []
    for kind, (solver, scorer) in _TASKS.items():
        chosen = [item for item in items if item.kind == kind]
        if not chosen:
            continue
        blind = any(item.item.images for item in chosen)
        for suffix, images in (("", True), ("_text", False)) if blind else (("", True),):
            path = folder / f"{kind}{suffix}.jsonl"
            path.write_text("".join(json.dumps(sample(item, images=images), ensure_ascii=False) + "\n"
                                    for item in chosen), encoding="utf-8")
            written.append(path)
        data = f'"{kind}.jsonl" if images else "{kind}_text.jsonl"' if blind else f'"{kind}.jsonl"'
        tasks.append(f'''

@task
def {task_name(base, kind)}(images: bool = True) -> Task:
    """{len(chosen)} {kind} items{"; images=False asks the image items without their image" if blind else ""}."""
    return Task(dataset=json_dataset(str(HERE / ({data}))), solver={solver}, scorer={scorer})''')
    write_images(folder, items)
    task_file = folder / "task.py"
    task_file.write_text(f'''"""Inspect AI tasks for a benchmark built by benchagent;
its README.md says how to run them."""
# Requirement: {" ".join(title.split())}

from pathlib import Path

from inspect_ai import Task, task
from inspect_ai.dataset import json_dataset
from inspect_ai.scorer import choice, match
from inspect_ai.solver import generate, multiple_choice

HERE = Path(__file__).parent
{"".join(tasks)}
''', encoding="utf-8")
    return [task_file, *written]
