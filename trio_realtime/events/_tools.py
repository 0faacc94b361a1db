"""Tools the model may call (functions, remote MCP servers) and the tool choice.

Used in ``session.update`` and ``response.create`` and echoed by the server, so
optional fields default to ``UNSET`` and accept ``None`` (the API lets a client
null out MCP ``headers``, ``allowed_tools``, ``require_approval``...).
"""

from __future__ import annotations

from typing import Any, TypeAlias

from msgspec import UNSET, UnsetType

from ._base import Model, TaggedModel

__all__ = [
    "FunctionTool",
    "McpApprovalFilter",
    "McpTool",
    "McpToolFilter",
    "Tool",
    "ToolChoice",
    "ToolChoiceFunction",
    "ToolChoiceMcp",
]


class FunctionTool(TaggedModel, tag="function", kw_only=True):
    """A function the client implements; ``parameters`` is a JSON Schema object."""

    name: str | UnsetType | None = UNSET
    description: str | UnsetType | None = UNSET
    parameters: Any | UnsetType = UNSET


class McpToolFilter(Model, kw_only=True):
    """Selects MCP tools by name and/or by their read-only hint."""

    tool_names: list[str] | UnsetType | None = UNSET
    read_only: bool | UnsetType | None = UNSET


class McpApprovalFilter(Model, kw_only=True):
    """Which MCP tools always, and which never, need the client's approval."""

    always: McpToolFilter | UnsetType | None = UNSET
    never: McpToolFilter | UnsetType | None = UNSET


class McpTool(TaggedModel, tag="mcp", kw_only=True):
    """A remote MCP server (by ``server_url`` or a ``connector_id``) whose tools the model may call.

    ``require_approval`` is ``"always"``, ``"never"`` or an `McpApprovalFilter`;
    ``allowed_tools`` is a list of names or an `McpToolFilter`.
    """

    server_label: str
    server_url: str | UnsetType | None = UNSET
    connector_id: str | UnsetType | None = UNSET
    server_description: str | UnsetType | None = UNSET
    authorization: str | UnsetType | None = UNSET
    headers: dict[str, str] | UnsetType | None = UNSET
    allowed_tools: list[str] | McpToolFilter | UnsetType | None = UNSET
    allowed_callers: list[str] | UnsetType | None = UNSET
    require_approval: str | McpApprovalFilter | UnsetType | None = UNSET
    defer_loading: bool | UnsetType | None = UNSET
    tunnel_id: str | UnsetType | None = UNSET


Tool: TypeAlias = FunctionTool | McpTool


class ToolChoiceFunction(TaggedModel, tag="function", kw_only=True):
    """Force a call to the function tool ``name``."""

    name: str


class ToolChoiceMcp(TaggedModel, tag="mcp", kw_only=True):
    """Force a call to a tool on the MCP server ``server_label``."""

    server_label: str
    name: str | UnsetType | None = UNSET


#: ``"auto"``, ``"none"``, ``"required"``, or a specific tool.
ToolChoice: TypeAlias = str | ToolChoiceFunction | ToolChoiceMcp
