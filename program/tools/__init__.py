"""Pure tools: deterministic functions with typed inputs and outputs whose answers are exact by construction."""

from benchagent.program.tools.registry import (
    Tool, ToolError, ToolInput, ToolOutput, ToolResult, get_tool, list_tools, run_tool, tool,
)
from benchagent.program.tools import chart_questions, charts, options  # noqa: F401  (importing registers the tools)

__all__ = ["Tool", "ToolError", "ToolInput", "ToolOutput", "ToolResult", "get_tool", "list_tools", "run_tool", "tool"]
