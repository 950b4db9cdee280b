"""Export a run's accepted samples to JSONL, CSV, Hugging Face datasets, Inspect AI and lm-evaluation-harness, each
folder with its benchmark card."""

from pathlib import Path
from typing import Any

from benchagent.errors import InputError
from benchagent.export.card import card_facts, card_markdown
from benchagent.export.files import prepare_folder
from benchagent.export.hf import write_hf
from benchagent.export.inspect_task import write_inspect
from benchagent.export.lm_eval_task import write_lm_eval
from benchagent.export.plain import write_csv, write_jsonl
from benchagent.items import BenchItem, load_items
from benchagent.store.db import Store

FORMATS = ("jsonl", "csv", "hf", "inspect", "lm-eval")
SERVER = "http://127.0.0.1:8080/v1"


def check_formats(formats: list[str]) -> list[str]:
    """The formats in FORMATS order without repeats; InputError naming an unknown one."""
    if not formats:
        raise InputError(f"give at least one --format: {', '.join(FORMATS)}")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise InputError(f"unknown format {unknown[0]!r}: use {', '.join(FORMATS)}")
    return [f for f in FORMATS if f in formats]


def task_base(run_id: str) -> str:
    """The name of the run's Inspect and lm-eval tasks."""
    return "benchagent_" + run_id.removeprefix("run_")


def _how_to_run(fmt: str, folder: str, base: str, tasks: dict[str, list[str]], items: list[BenchItem]
                ) -> list[str]:
    if fmt == "jsonl":
        return [f"- `{folder}/data.jsonl`: one item a line (`prompt` is the full prompt; `answer_letter` the gold "
                "letter of choice items; `images` are PNG paths relative to the file)."]
    if fmt == "csv":
        return [f"- `{folder}/data.csv`: the same columns; `context`, `options` and `images` cells hold JSON."]
    if fmt == "hf":
        return [f"- Hugging Face: `datasets.load_from_disk(\"{folder}\")[\"test\"]`; `image` is a PIL image."]
    blind = any(item.item.images for item in items)
    if fmt == "inspect":
        lines = ["- Inspect AI, against an OpenAI-compatible server (e.g. `benchagent serve`):",
                 f"  `cd {folder} && LOCAL_BASE_URL={SERVER} LOCAL_API_KEY=none inspect eval task.py "
                 "--model openai-api/local/<model>` (Inspect wants the task file's path relative)"]
        return lines + (["  A text-only model (such as `benchagent serve`'s) takes `-T images=false`: image items are "
                         "then asked without their image, and the prompt says so."] if blind else [])
    mc = (f"; servers that return prompt log-probabilities can run the `multiple_choice` variant "
          f"`{','.join(tasks['multiple_choice'])}`" if tasks["multiple_choice"] else "")
    lines = ["- lm-evaluation-harness (`pip install lm-eval[api]`):",
             f"  `lm_eval run --model local-chat-completions --model_args model=<model>,base_url={SERVER}/chat/"
             f"completions --apply_chat_template --include_path {folder} --tasks {base}`{mc}"]
    return lines + ([f"  `{base}` sends each item's image; a text-only model runs `--tasks {base}_text`, where "
                     "image items are asked without their image and the prompt says so."] if blind else [])


def export_run(store: Store, run_id: str, formats: list[str], out: str | Path, *, force: bool = False
               ) -> dict[str, Any]:
    """Write each format into out/<format>/ with a README.md card, and the card with every format's instructions
    to out/README.md. Returns {"items": n, "folders": {format: path}, "files": [...]}."""
    formats = check_formats(formats)
    items = load_items(store, run_id)
    out = prepare_folder(out, formats, force=force)
    facts, base = card_facts(store, run_id, items), task_base(run_id)
    folders, files, how = {}, [], []
    for fmt in formats:
        folder = out / fmt
        folder.mkdir()
        tasks = {"generate_until": [], "multiple_choice": []}
        if fmt == "jsonl":
            files += write_jsonl(folder, items)
        elif fmt == "csv":
            files += write_csv(folder, items)
        elif fmt == "hf":
            files += write_hf(folder, items)
        elif fmt == "inspect":
            files += write_inspect(folder, items, base, facts["summary"]["run"]["requirement"])
        else:
            written, tasks = write_lm_eval(folder, items, base)
            files += written
        lines = _how_to_run(fmt, str(folder), base, tasks, items)
        (folder / "README.md").write_text(card_markdown(facts, items, lines), encoding="utf-8")
        folders[fmt], how = folder, how + lines
    how.append(f"- Score models directly: `benchagent eval {run_id} --db <db> --model <model> [--model ...]`.")
    (out / "README.md").write_text(card_markdown(facts, items, how), encoding="utf-8")
    return {"items": len(items), "folders": folders, "files": files, "card": out / "README.md"}
