"""Hugging Face datasets export: `save_to_disk` with the item's first image in an `Image()` feature."""

import json
from pathlib import Path

from benchagent.items import BenchItem

SPLIT = "test"


def write_hf(folder: Path, items: list[BenchItem]) -> list[Path]:
    """A DatasetDict with one `test` split; `image` holds the PNG (None for text items), `images` every image."""
    import datasets

    datasets.disable_progress_bars()
    features = datasets.Features({
        "id": datasets.Value("string"), "subtask": datasets.Value("string"), "answer_type": datasets.Value("string"),
        "context": datasets.Value("string"), "question": datasets.Value("string"),
        "options": datasets.Sequence(datasets.Value("string")), "answer": datasets.Value("string"),
        "answer_letter": datasets.Value("string"), "image": datasets.Image(),
        "images": datasets.Sequence(datasets.Image()), "prompt": datasets.Value("string"),
        "answer_origin": datasets.Value("string"), "source": datasets.Value("string"),
        "source_license": datasets.Value("string"),
    })
    rows = [{"id": item.sample_id, "subtask": item.subtask, "answer_type": item.answer_type,
             "context": json.dumps(item.item.extra_input, ensure_ascii=False), "question": item.item.question,
             "options": item.item.options or [], "answer": item.item.answer, "answer_letter": item.letter,
             "image": _image(next(iter(item.item.images.values()), None)),
             "images": [_image(png) for png in item.item.images.values()], "prompt": item.prompt(),
             "answer_origin": item.answer_origin, "source": item.source_id, "source_license": item.source_license}
            for item in items]
    dataset = datasets.Dataset.from_list(rows, features=features)
    datasets.DatasetDict({SPLIT: dataset}).save_to_disk(str(folder))
    return [folder / "dataset_dict.json"]


def _image(png: bytes | None) -> dict | None:
    return None if png is None else {"bytes": png, "path": None}
