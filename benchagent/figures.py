"""PNG figures drawn with matplotlib (Agg): evaluation accuracy with intervals, and the run report's charts."""

import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

_DPI = 110


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=_DPI, format="png")
    plt.close(fig)
    return path


def _bars(ax, groups: list[str], series: dict[str, list[dict]], ylabel: str) -> None:
    """Grouped bars of accuracy with their intervals: one group per label, one bar per series."""
    width = 0.8 / max(len(series), 1)
    x = np.arange(len(groups))
    for i, (name, figures) in enumerate(series.items()):
        values = [f["accuracy"] for f in figures]
        errors = [[f["accuracy"] - f["low"] for f in figures], [f["high"] - f["accuracy"] for f in figures]]
        ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width, yerr=errors, capsize=3, label=name)
    ax.set_xticks(x, groups, rotation=20 if len(groups) > 3 else 0, ha="right" if len(groups) > 3 else "center")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)


def eval_chart(figures: dict[str, Any], path: Path) -> Path:
    """Accuracy per model, overall and per subtask, with 95% bootstrap intervals."""
    groups = ["overall", *figures["subtasks"]]
    missing = {"accuracy": 0, "low": 0, "high": 0}
    series = {m["model"]: [m, *(m["subtasks"].get(s, missing) for s in figures["subtasks"])]
              for m in figures["models"]}
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(groups) * max(1, len(series) / 2)), 4))
    _bars(ax, groups, series, "accuracy (95% bootstrap CI)")
    ax.set_title(textwrap.fill(f"{figures['items']} items; {figures['consistency']['verdict']}", 80), fontsize=9)
    return _save(fig, path)


def quota_chart(subtasks: list[dict], facets_carried: dict[str, int], path: Path) -> Path:
    """Quota against delivered items per subtask, with the number of facets each carries."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [3, 2]})
    keys = [s["key"] for s in subtasks]
    x = np.arange(len(keys))
    left.bar(x - 0.2, [s["quota"] for s in subtasks], 0.4, label="quota", color="#bbbbbb")
    left.bar(x + 0.2, [s["accepted"] for s in subtasks], 0.4, label="delivered", color="#2a7ab9")
    left.set_xticks(x, keys, rotation=15, ha="right")
    left.set_ylabel("items")
    left.set_title("quota and delivered items")
    left.legend(fontsize=8)
    right.barh(keys, [facets_carried.get(k, 0) for k in keys], color="#6a9f3b")
    right.set_xlabel("facets of the requirement carried")
    right.set_title("facets per subtask")
    right.xaxis.get_major_locator().set_params(integer=True)
    return _save(fig, path)


def rejection_chart(reasons: list[dict], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(8, max(2.2, 0.35 * len(reasons) + 1)))
    if reasons:
        ax.barh([f"{r['stage']}: {r['name']}" for r in reasons][::-1], [r["count"] for r in reasons][::-1],
                color="#c0504d")
        ax.set_xlabel("rejected samples")
        ax.xaxis.get_major_locator().set_params(integer=True)
    else:
        ax.text(0.5, 0.5, "no sample was rejected", ha="center", va="center")
        ax.set_axis_off()
    ax.set_title("rejection reasons")
    return _save(fig, path)


def stage_chart(stages: list[dict], accepted: int, path: Path) -> Path:
    """Tokens and LM seconds per accepted item, by stage."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    names = [s["stage"] for s in stages]
    per = max(accepted, 1)
    left.bar(names, [(s["prompt_tokens"]) / per for s in stages], label="prompt", color="#2a7ab9")
    left.bar(names, [(s["completion_tokens"]) / per for s in stages],
             bottom=[s["prompt_tokens"] / per for s in stages], label="completion", color="#f0a030")
    left.set_title("tokens per accepted item")
    left.legend(fontsize=8)
    right.bar(names, [(s["lm_seconds"] or 0) / per for s in stages], color="#7f5fa8")
    right.set_title("LM seconds per accepted item")
    for ax in (left, right):
        ax.tick_params(axis="x", rotation=20)
    return _save(fig, path)


def review_chart(rows: list[dict], path: Path) -> Path:
    """Human acceptance per program version, with the number of reviews."""
    fig, ax = plt.subplots(figsize=(8, 3.2))
    if rows:
        labels = [r["program"] for r in rows]
        bars = ax.bar(labels, [r["acceptance"] for r in rows], color="#6a9f3b")
        for bar, row in zip(bars, rows, strict=True):
            ax.annotate(f"{row['accepted']}/{row['reviewed']}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize=8)
        ax.set_ylim(0, 1.1)
        ax.set_ylabel("share accepted by a human")
    else:
        ax.text(0.5, 0.5, "no sample was reviewed yet (benchagent review)", ha="center", va="center")
        ax.set_axis_off()
    ax.set_title("human review acceptance per program version")
    return _save(fig, path)
