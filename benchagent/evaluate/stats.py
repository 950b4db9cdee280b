"""Evaluation figures: accuracy with 95% bootstrap intervals (scipy), whether accuracy rises with model size (the
paper's consistency check) and how well the benchmark separates the models."""

from collections import defaultdict
from itertools import pairwise
from typing import Any

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
RESAMPLES = 2000


def accuracy(correct: list[int]) -> dict[str, Any]:
    """n, accuracy and its 95% percentile-bootstrap interval (the point itself when every value is the same)."""
    values = np.asarray(correct, dtype=float)
    mean = float(values.mean()) if len(values) else 0.0
    if len(values) < 2 or values.min() == values.max():
        return {"n": len(values), "accuracy": mean, "low": mean, "high": mean}
    result = stats.bootstrap((values,), np.mean, confidence_level=CONFIDENCE, n_resamples=RESAMPLES,
                             method="percentile", rng=np.random.default_rng(0))
    return {"n": len(values), "accuracy": mean, "low": float(result.confidence_interval.low),
            "high": float(result.confidence_interval.high)}


def difference(a: list[int], b: list[int]) -> dict[str, float]:
    """accuracy(a) - accuracy(b) on the same items, with a paired 95% bootstrap interval."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    delta = float(x.mean() - y.mean())
    if len(x) < 2 or np.all(x - y == (x - y)[0]):
        return {"delta": delta, "low": delta, "high": delta}
    result = stats.bootstrap((x, y), lambda p, q, axis: p.mean(axis) - q.mean(axis), paired=True, vectorized=True,
                             confidence_level=CONFIDENCE, n_resamples=RESAMPLES, method="percentile",
                             rng=np.random.default_rng(0))
    return {"delta": delta, "low": float(result.confidence_interval.low),
            "high": float(result.confidence_interval.high)}


def _consistency(models: list[str], by_model: dict[str, list[int]], overall: dict[str, dict]) -> dict[str, Any]:
    """Models are given smallest first: does accuracy rise at each step, and does any step fall beyond noise?"""
    steps = []
    for smaller, larger in pairwise(models):
        change = difference(by_model[larger], by_model[smaller])
        steps.append({"from": smaller, "to": larger, **change, "significant": change["low"] > 0 or change["high"] < 0})
    accuracies = [overall[m]["accuracy"] for m in models]
    rho = float(stats.spearmanr(range(len(models)), accuracies).statistic) if len(set(accuracies)) > 1 else None
    rises = len(models) >= 2 and all(s["delta"] >= 0 for s in steps) and accuracies[-1] > accuracies[0]
    falls = [s for s in steps if s["delta"] < 0]
    if len(models) < 2:
        verdict = "one model: nothing to compare"
    elif rises:
        verdict = "accuracy rises with size"
    elif falls:
        verdict = "accuracy does not rise with size: " + "; ".join(
            f"{s['from']} -> {s['to']} falls by {-s['delta']:.0%}" + ("" if s["significant"] else " (within noise)")
            for s in falls)
    else:
        verdict = "accuracy does not rise with size: every model scores the same"
    return {"order": models, "rises": rises, "spearman": rho, "steps": steps, "verdict": verdict}


def _discrimination(models: list[str], by_model: dict[str, list[int]], overall: dict[str, dict],
                    sample_ids: list[str]) -> dict[str, Any]:
    ranked = sorted(models, key=lambda m: overall[m]["accuracy"])
    worst, best = ranked[0], ranked[-1]
    table = np.array([by_model[m] for m in models], dtype=int)
    solved = table.sum(axis=0)
    return {"best": best, "worst": worst,
            "spread": difference(by_model[best], by_model[worst]) if len(models) >= 2 else None,
            "std": float(np.std([overall[m]["accuracy"] for m in models])),
            "solved_by_none": [sid for sid, n in zip(sample_ids, solved, strict=True) if n == 0],
            "solved_by_all": [sid for sid, n in zip(sample_ids, solved, strict=True) if n == len(models)],
            "separating": int(((solved > 0) & (solved < len(models))).sum())}


def summarize(predictions: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures for one evaluation's predictions (model, model_rank, sample_id, subtask, correct, saw_image, tokens):
    per model overall and per subtask, consistency in rank order, discrimination."""
    models = sorted({p["model"] for p in predictions}, key=lambda m: min(p["model_rank"] for p in predictions
                                                                         if p["model"] == m))
    sample_ids = list(dict.fromkeys(p["sample_id"] for p in predictions))
    correct = {(p["model"], p["sample_id"]): int(p["correct"]) for p in predictions}
    by_model = {m: [correct[(m, sid)] for sid in sample_ids] for m in models}
    overall = {m: accuracy(by_model[m]) for m in models}
    per_subtask: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for p in predictions:
        per_subtask[p["subtask"]][p["model"]].append(int(p["correct"]))
    rows = []
    for m in models:
        own = [p for p in predictions if p["model"] == m]
        rows.append({
            "model": m, **overall[m],
            "subtasks": {key: accuracy(values[m]) for key, values in per_subtask.items()},
            "image_items": sum(1 for p in own if p["has_image"]),
            "images_not_shown": sum(1 for p in own if p["has_image"] and not p["saw_image"]),
            "errors": sum(1 for p in own if p.get("error")),
            "unparsed": sum(1 for p in own if p["parsed_answer"] is None and not p.get("error")),
            "tokens_per_item": round(sum((p["prompt_tokens"] or 0) + (p["completion_tokens"] or 0) for p in own)
                                     / len(own), 1),
            "seconds_per_item": round(sum(p["latency_ms"] or 0 for p in own) / len(own) / 1000, 2),
        })
    return {"items": len(sample_ids), "subtasks": list(per_subtask), "models": rows,
            "consistency": _consistency(models, by_model, overall),
            "discrimination": _discrimination(models, by_model, overall, sample_ids)}
