"""lm-evaluation-harness export: task YAMLs over JSONL data loaded by a `utils.py` beside them (`--include_path`).

`generate_until` tasks (a regex filter reads the letter or number, `exact_match` scores it) work on llama.cpp servers,
which cannot return prompt log-probabilities; a `multiple_choice` variant serves servers that can."""

import json
from pathlib import Path

import yaml

from benchagent.export.files import image_paths, write_images
from benchagent.items import LETTER_REPLY, NUMBER_REPLY, BenchItem
from benchagent.settings import EVAL_MAX_TOKENS

# kind -> the regex filter that reads the answer from a reply (None: the whole reply, stripped)
_FILTERS = {
    "choice": LETTER_REPLY,
    "number": f"({NUMBER_REPLY})",
    "binary": r"(?i)\b(yes|no)\b",
    "open": None,
}

UTILS = '''"""Loads the data files beside this file as the `test` split for lm-evaluation-harness."""

import json
from pathlib import Path

import datasets

HERE = Path(__file__).parent


def _load(name: str) -> datasets.DatasetDict:
    rows = [json.loads(line) for line in (HERE / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line]
    dataset = datasets.Dataset.from_list(rows)
    if "image" in dataset.column_names:
        dataset = dataset.map(lambda row: {"image": str(HERE / row["image"])}).cast_column("image", datasets.Image())
    return datasets.DatasetDict({"test": dataset})
'''


def _doc(item: BenchItem) -> dict:
    doc = {"id": item.sample_id, "subtask": item.subtask, "prompt": item.prompt(), "target": item.letter
           if item.kind == "choice" else item.item.answer}
    if item.kind == "choice":
        doc.update(question=f"{item.stem()}\n\n{item.options_text()}\nAnswer:", choices=item.letters,
                   gold=item.letters.index(item.letter))
    if item.item.images:
        doc["image"] = next(iter(image_paths(item).values()))
    return doc


def _generate_config(name: str, kind: str, with_image: bool) -> dict:
    pattern = _FILTERS[kind]
    steps = ([{"function": "regex", "regex_pattern": pattern, "group_select": -1}]
             if pattern else [])
    config = {
        "task": name, "test_split": "test", "output_type": "generate_until",
        "doc_to_text": "{{prompt}}", "doc_to_target": "{{target}}",
        "generation_kwargs": {"until": [], "max_gen_toks": EVAL_MAX_TOKENS, "do_sample": False, "temperature": 0.0},
        "filter_list": [{"name": "extract", "filter": [*steps, {"function": "take_first"}]}],
        "metric_list": [{"metric": "exact_match", "aggregation": "mean", "higher_is_better": True,
                         "ignore_case": True, "ignore_punctuation": kind != "number"}],
        "metadata": {"version": 1.0},
    }
    if with_image:
        config["doc_to_image"] = ["image"]
    return config


def _multiple_choice_config(name: str) -> dict:
    return {"task": name, "test_split": "test", "output_type": "multiple_choice", "doc_to_text": "{{question}}",
            "doc_to_choice": "{{choices}}", "doc_to_target": "{{gold}}",
            "metric_list": [{"metric": "acc", "aggregation": "mean", "higher_is_better": True}],
            "metadata": {"version": 1.0}}


def _write_yaml(path: Path, config: dict, loader: str | None) -> None:
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    path.write_text(text + (f"custom_dataset: !function utils.{loader}\n" if loader else ""), encoding="utf-8")


def write_lm_eval(folder: Path, items: list[BenchItem], base: str) -> tuple[list[Path], dict[str, list[str]]]:
    """The data, utils.py and one YAML per task; a group `base` gathers the generate_until tasks. Returns the files
    and the task names ({"generate_until": [...], "multiple_choice": [...]})."""
    written, loaders, names = [], [], {"generate_until": [], "multiple_choice": []}
    for kind in _FILTERS:
        for with_image in (False, True):
            chosen = [item for item in items if item.kind == kind and bool(item.item.images) == with_image]
            if not chosen:
                continue
            subset = f"{kind}_image" if with_image else kind
            (folder / f"{subset}.jsonl").write_text(
                "".join(json.dumps(_doc(item), ensure_ascii=False) + "\n" for item in chosen), encoding="utf-8")
            loaders.append(f'\n\ndef {subset}(**kwargs) -> datasets.DatasetDict:\n    return _load("{subset}")\n')
            name = f"{base}_{subset}"
            _write_yaml(folder / f"{name}.yaml", _generate_config(name, kind, with_image), subset)
            names["generate_until"].append(name)
            written.append(folder / f"{name}.yaml")
            if kind == "choice" and not with_image:
                _write_yaml(folder / f"{name}_mc.yaml", _multiple_choice_config(f"{name}_mc"), subset)
                names["multiple_choice"].append(f"{name}_mc")
                written.append(folder / f"{name}_mc.yaml")
    group = {"group": base, "task": names["generate_until"],
             "aggregate_metric_list": [{"metric": "exact_match", "aggregation": "mean", "weight_by_size": True,
                                        "filter_list": ["extract"]}],
             "metadata": {"version": 1.0}}
    _write_yaml(folder / f"{base}.yaml", group, None)
    (folder / "utils.py").write_text(UTILS + "".join(loaders), encoding="utf-8")
    write_images(folder, items)
    return [folder / f"{base}.yaml", *written, folder / "utils.py"], names
