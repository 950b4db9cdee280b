"""Registry of pure tools: typed pydantic inputs and outputs, deterministic functions, PNG images kept
out of the JSON result and referred to by name."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import SkipJsonSchema

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class ToolError(Exception):
    """An unknown tool, arguments that do not fit its input model, or a tool that refused its input."""


class ToolInput(BaseModel):
    """Base of every tool's input model: unknown arguments are refused."""

    model_config = ConfigDict(extra="forbid")


class ToolOutput(BaseModel):
    """Base of every tool's output model; `images` (name -> PNG bytes) never enters the JSON result."""

    images: SkipJsonSchema[dict[str, bytes]] = Field(default_factory=dict, exclude=True, repr=False)


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    input_model: type[ToolInput]
    output_model: type[ToolOutput]
    fn: Callable[[ToolInput], ToolOutput]
    asks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    instances: dict[str, str] = field(default_factory=dict)
    untied: bool = False  # asks which holds the largest or smallest only when exactly one does

    def spec(self) -> dict[str, Any]:
        """The tool as JSON for prompts and source cards: name, description, input and output schemas."""
        return {
            "name": self.name,
            "description": self.description,
            "input": self.input_model.model_json_schema(),
            "output": self.output_model.model_json_schema(mode="serialization"),
        }


@dataclass(frozen=True)
class ToolResult:
    tool: str
    args: dict[str, Any]
    output: ToolOutput
    images: dict[str, bytes]

    @property
    def result(self) -> dict[str, Any]:
        """The output as JSON, without image bytes (image fields hold names, keys of `images`)."""
        return self.output.model_dump(mode="json")


_TOOLS: dict[str, Tool] = {}


def tool(name: str, description: str, asks: dict[str, tuple[str, ...]] | None = None,
         instances: dict[str, str] | None = None, untied: bool = False) -> Callable[[Callable], Callable]:
    """Register `fn(args: InputModel) -> OutputModel` as a pure tool; the models come from its type hints. A question
    target lists the kinds of question it can ask (`asks`: kind -> the words a requirement names it by); its `asks`
    argument then narrows it to some of them. `instances` maps a kind that is one case of a wider kind to it ('blue
    triangles' -> 'colour and kind'): named only in a requirement's example, the wider kind is asked. An `untied`
    target asks which holds the most or the least only when exactly one does."""

    def register(fn: Callable) -> Callable:
        hints = get_type_hints(fn)
        params = [h for k, h in hints.items() if k != "return"]
        returns = hints.get("return", object)
        if len(params) != 1 or not issubclass(params[0], ToolInput) or not issubclass(returns, ToolOutput):
            raise TypeError(f"tool {name}: expected fn(args: ToolInput subclass) -> ToolOutput subclass")
        if name in _TOOLS:
            raise ValueError(f"tool {name} is already registered")
        if asks and "asks" not in params[0].model_fields:
            raise TypeError(f"tool {name}: lists kinds of question but takes no asks argument")
        if unknown := {k for pair in (instances or {}).items() for k in pair} - set(asks or {}):
            raise TypeError(f"tool {name}: instances name kinds it does not ask: {sorted(unknown)}")
        _TOOLS[name] = Tool(name, description, params[0], hints["return"], fn, dict(asks or {}), dict(instances or {}),
                            untied)
        return fn

    return register


def get_tool(name: str) -> Tool:
    try:
        return _TOOLS[name]
    except KeyError:
        raise ToolError(f"unknown tool {name!r}; known tools: {', '.join(sorted(_TOOLS))}") from None


def list_tools() -> list[Tool]:
    return [_TOOLS[name] for name in sorted(_TOOLS)]


def _describe(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '(args)'}: {e['msg']}" for e in exc.errors())


def run_tool(name: str, args: dict[str, Any]) -> ToolResult:
    """Validate args into the tool's input model, run it and check its output; failures raise ToolError."""
    spec = get_tool(name)
    if not isinstance(args, dict):
        raise ToolError(f"{name}: arguments must be a JSON object, got {type(args).__name__}")
    try:
        parsed = spec.input_model.model_validate(args)
    except ValidationError as exc:
        raise ToolError(f"{name}: bad arguments: {_describe(exc)}") from None
    try:
        output = spec.fn(parsed)
    except ValueError as exc:
        raise ToolError(f"{name}: {exc}") from None
    if not isinstance(output, spec.output_model):
        raise ToolError(f"{name}: returned {type(output).__name__}, expected {spec.output_model.__name__}")
    bad = [k for k, v in output.images.items() if not v.startswith(PNG_SIGNATURE)]
    if bad:
        raise ToolError(f"{name}: images {bad} are not PNG")
    return ToolResult(name, parsed.model_dump(mode="json"), output, dict(output.images))
