"""Score models on a run's accepted items: every prediction to the evals table, then accuracy with intervals,
consistency with model size and discrimination."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchagent.errors import ModelError
from benchagent.evaluate.ask import ModelUnderTest
from benchagent.evaluate.score import is_correct, parse_reply
from benchagent.evaluate.stats import summarize
from benchagent.items import load_items
from benchagent.store.db import Store
from benchagent.store.evals import save_predictions

FAILURES_IN_A_ROW = 3


def evaluate_run(store: Store, run_id: str, models: list[ModelUnderTest], *, parallel: int = 1,
                 on_item: Callable[[str, int, int], None] = lambda model, done, total: None) -> dict[str, Any]:
    """Ask every model every accepted item of the run, `parallel` items at a time (models one after another in the
    order given, smallest first for the consistency check), and store the predictions in one transaction. A model
    whose first calls all fail raises ModelError and nothing is stored. Returns the figures with `eval_id`."""
    items = load_items(store, run_id)
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise ModelError(f"a model is given twice: {', '.join(names)}")
    predictions = []
    for rank, model in enumerate(models):
        pool = ThreadPoolExecutor(max(1, parallel), thread_name_prefix="eval")
        try:
            failures = 0
            for done, (item, reply) in enumerate(zip(items, pool.map(model.ask, items), strict=True), start=1):
                failures = failures + 1 if reply.error and failures == done - 1 else failures
                if failures >= min(FAILURES_IN_A_ROW, len(items)):
                    raise ModelError(f"model {model.name} failed on its first {failures} items: {reply.error}")
                parsed = None if reply.error else parse_reply(reply.text, item)
                predictions.append({"sample_id": item.sample_id, "model": model.name, "model_rank": rank,
                                    "saw_image": int(reply.saw_image), "raw_output": reply.text,
                                    "parsed_answer": parsed, "correct": int(is_correct(parsed, item)),
                                    "prompt_tokens": reply.prompt_tokens,
                                    "completion_tokens": reply.completion_tokens,
                                    "latency_ms": round(reply.latency_ms, 1), "error": reply.error})
                on_item(model.name, done, len(items))
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    eval_id = save_predictions(store, run_id, predictions)
    subtasks = {item.sample_id: item.subtask for item in items}
    images = {item.sample_id: bool(item.item.images) for item in items}
    figures = summarize([{**p, "subtask": subtasks[p["sample_id"]], "has_image": images[p["sample_id"]]}
                         for p in predictions])
    return {"eval_id": eval_id, "run_id": run_id, **figures}
