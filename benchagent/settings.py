"""Paths and limits shared by the CLI and the build; reads the environment, imports nothing heavy."""

import os
from pathlib import Path

DEFAULT_SIZE = 10
MAX_SIZE = 100_000
MAX_REQUIREMENT_CHARS = 4_000  # a requirement is a sentence or a paragraph, not a document
MAX_SUBTASKS = 8
MAX_CONCURRENCY = 64
EVAL_MAX_TOKENS = 256  # room for a model that reasons before it answers
EVAL_PARALLEL = 4  # requests `benchagent eval` keeps in flight per model


def cache_dir() -> Path:
    """Where the assembled model and DSPy's disk cache live: $BENCHAGENT_CACHE or ~/.cache/benchagent."""
    root = os.environ.get("BENCHAGENT_CACHE") or Path.home() / ".cache" / "benchagent"
    return Path(root)


def prepare_environment() -> None:
    """Offline hygiene; must run before dspy or litellm is imported."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("DSPY_CACHEDIR", str(cache_dir() / "dspy"))
