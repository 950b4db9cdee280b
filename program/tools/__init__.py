"""Pure tools: deterministic functions with typed inputs and outputs whose answers are exact by construction."""

from benchagent.program.tools.registry import (
    Tool, ToolError, ToolInput, ToolOutput, ToolResult, get_tool, list_tools, run_tool, tool,
)
from benchagent.program.tools import (  # noqa: F401  (importing registers the tools)
    arithmetic, calendar_ops, chart_questions, chemistry, charts, grids, images, options, printed, records, scenes,
    table_questions, tables, text_ops, units, word_problems,
)

__all__ = ["Tool", "ToolError", "ToolInput", "ToolOutput", "ToolResult", "get_tool", "list_tools", "run_tool", "tool"]
