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
REQUEST_TIMEOUT_S = 120.0  # a model server that has not answered by then fails the request (which is retried)
LM_RETRIES = 4             # a refused, reset or timed-out request, a 429 or a 5xx is retried this often
BACKOFF_S = 1.0            # the first retry waits this long, each next one twice as long
BACKOFF_CAP_S = 30.0       # no wait is longer, a server's Retry-After included


def cache_dir() -> Path:
    """Where the assembled model and DSPy's disk cache live: $BENCHAGENT_CACHE or ~/.cache/benchagent."""
    root = os.environ.get("BENCHAGENT_CACHE") or Path.home() / ".cache" / "benchagent"
    return Path(root)


def prepare_environment() -> None:
    """Offline hygiene; must run before dspy or litellm is imported."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("DSPY_CACHEDIR", str(cache_dir() / "dspy"))
