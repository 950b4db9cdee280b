"""Generator families, one module each; importing this package registers every generator in `registry.GENERATORS`,
in catalog order."""

from benchagent.program.sources.families import (  # noqa: F401  (importing registers the generators)
    charts, scenes, word_problems, units, calendar, tables, printed, chemistry,
)
from benchagent.program.sources.families.registry import GENERATORS, Generator

__all__ = ["GENERATORS", "Generator"]
