"""lm-evaluation-harness export: task YAMLs over JSONL data loaded by a `utils.py` beside them (`--include_path`).

`generate_until` tasks (a regex filter reads the letter or number, `exact_match` scores it) work on llama.cpp servers,
which cannot return prompt log-probabilities; a `multiple_choice` variant serves servers that can. Numbers are scored
by `utils.score_number` (thousands separators ignored, the reply rounded to the target's decimals). The group `<base>`
sends images; `<base>_text` asks image items without their image, the model told so, for text-only servers."""

import json
from pathlib import Path

import yaml

from benchagent.export.files import image_paths, write_images
from benchagent.items import LETTER_REPLY, NUMBER_REPLY, BenchItem
from benchagent.settings import EVAL_MAX_TOKENS

# kind -> the regex filter that reads the answer from a reply (None: the whole reply, stripped)
_FILTERS = {
    "choice": LETTER_REPLY,
    "number": None,
    "binary": r"(?i)\b(yes|no)\b",
    "open": None,
}

UTILS = '''"""Loads the data files beside this file as the `test` split for lm-evaluation-harness,
and scores numbers."""

import json
import math
import re
from pathlib import Path

import datasets

HERE = Path(__file__).parent
NUMBER = re.compile(r"{NUMBER_REPLY}")


def _numbers(text: str) -> list[float]:
    return [float(n) for n in NUMBER.findall(text.replace(",", ""))]


def score_number(doc: dict, results: list[str]) -> dict[str, float]:
    """1.0 when the reply's last number is the target's: equal within float noise, or equal once rounded to the
    target's decimals (3.14159 for 3.14); thousands separators ignored."""
    said, gold = _numbers(results[0]), _numbers(doc["target"])
    if not said or not gold:
        return {"exact_match": 0.0}
    decimals = len(NUMBER.findall(doc["target"].replace(",", ""))[0].partition(".")[2])
    agree = math.isclose(gold[0], said[-1], rel_tol=1e-9, abs_tol=1e-9) or (
        decimals > 0 and abs(round(said[-1], decimals) - gold[0]) < 10 ** -(decimals + 3))
    return {"exact_match": float(agree)}


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
        doc.update(image=next(iter(image_paths(item).values())), prompt_without_image=item.prompt(image_shown=False))
    return doc


def _generate_config(name: str, kind: str, *, image: bool, shown: bool) -> dict:
    """A generate_until task; `image` items either send their image (`shown`) or say it is not shown."""
    pattern = _FILTERS[kind]
    steps = [{"function": "regex", "regex_pattern": pattern, "group_select": -1}] if pattern else []
    config = {
        "task": name, "test_split": "test", "output_type": "generate_until",
        "doc_to_text": "{{prompt}}" if shown or not image else "{{prompt_without_image}}",
        "doc_to_target": "{{target}}",
        "generation_kwargs": {"until": [], "max_gen_toks": EVAL_MAX_TOKENS, "do_sample": False, "temperature": 0.0},
        "filter_list": [{"name": "extract", "filter": [*steps, {"function": "take_first"}]}],
        "metric_list": [{"metric": "exact_match", "aggregation": "mean", "higher_is_better": True,
                         "ignore_case": True, "ignore_punctuation": True}],
        "metadata": {"version": 1.0},
    }
    if image and shown:
        config["doc_to_image"] = ["image"]
    return config


def _multiple_choice_config(name: str) -> dict:
    return {"task": name, "test_split": "test", "output_type": "multiple_choice", "doc_to_text": "{{question}}",
            "doc_to_choice": "{{choices}}", "doc_to_target": "{{gold}}",
            "metric_list": [{"metric": "acc", "aggregation": "mean", "higher_is_better": True}],
            "metadata": {"version": 1.0}}


def _group_config(name: str, tasks: list[str]) -> dict:
    return {"group": name, "task": tasks,
            "aggregate_metric_list": [{"metric": "exact_match", "aggregation": "mean", "weight_by_size": True,
                                       "filter_list": ["extract"]}],
            "metadata": {"version": 1.0}}


def _write_yaml(path: Path, config: dict, functions: dict[str, str]) -> None:
    """The config, then `key: !function utils.name` lines (tags yaml.safe_dump cannot write)."""
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    path.write_text(text + "".join(f"{key}: !function utils.{name}\n" for key, name in functions.items()),
                    encoding="utf-8")


def write_lm_eval(folder: Path, items: list[BenchItem], base: str) -> tuple[list[Path], dict[str, list[str]]]:
    """The data, utils.py and one YAML per task; the group `base` gathers the generate_until tasks, and when items
    have images the group `base_text` their text-only versions. Returns the files and the names of the tasks
    ({"generate_until": [...], "text_only": [...], "multiple_choice": [...]}); "text_only" is empty without images."""
    written, loaders = [], []
    names = {"generate_until": [], "text_only": [], "multiple_choice": []}
    for kind in _FILTERS:
        for image in (False, True):
            chosen = [item for item in items if item.kind == kind and bool(item.item.images) == image]
            if not chosen:
                continue
            subset = f"{kind}_image" if image else kind
            (folder / f"{subset}.jsonl").write_text(
                "".join(json.dumps(_doc(item), ensure_ascii=False) + "\n" for item in chosen), encoding="utf-8")
            loaders.append(f'\n\ndef {subset}(**kwargs) -> datasets.DatasetDict:\n    return _load("{subset}")\n')
            functions = {"custom_dataset": subset, **({"process_results": "score_number"} if kind == "number" else {})}
            variants = [(f"{base}_{subset}", True, ["generate_until", "text_only"])]
            if image:
                variants = [(f"{base}_{subset}", True, ["generate_until"]),
                            (f"{base}_{subset}_text", False, ["text_only"])]
            for name, shown, lists in variants:
                _write_yaml(folder / f"{name}.yaml", _generate_config(name, kind, image=image, shown=shown), functions)
                written.append(folder / f"{name}.yaml")
                for key in lists:
                    names[key].append(name)
            if kind == "choice" and not image:
                name = f"{base}_{subset}_mc"
                _write_yaml(folder / f"{name}.yaml", _multiple_choice_config(name), {"custom_dataset": subset})
                names["multiple_choice"].append(name)
                written.append(folder / f"{name}.yaml")
    groups = [(base, names["generate_until"])]
    if any(item.item.images for item in items):
        groups.append((f"{base}_text", names["text_only"]))
    else:
        names["text_only"] = []
    for group, tasks in groups:
        _write_yaml(folder / f"{group}.yaml", _group_config(group, tasks), {})
        written.insert(0, folder / f"{group}.yaml")
    (folder / "utils.py").write_text(UTILS.replace("{NUMBER_REPLY}", NUMBER_REPLY) + "".join(loaders),
                                     encoding="utf-8")
    write_images(folder, items)
    return [*written, folder / "utils.py"], names
