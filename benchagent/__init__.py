"""benchagent: evaluation benchmarks for LLMs and MLLMs built from a one-line requirement."""

from benchagent.settings import prepare_environment

prepare_environment()

__version__ = "0.1.0"
