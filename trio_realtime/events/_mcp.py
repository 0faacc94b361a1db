"""Remote MCP tools: the conversation items they produce and their progress events.

The items (tool listings, calls, approval requests and responses) are part of
the `Item` union in ``_items``; the events report a listing or a call moving
through ``in_progress`` / ``completed`` / ``failed``.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from msgspec import UNSET, UnsetType

from ._base import Model, ServerEvent, TaggedModel

__all__ = [
    "McpApprovalRequest",
    "McpApprovalResponse",
    "McpCall",
    "McpCallError",
    "McpHttpError",
    "McpListTools",
    "McpListToolsCompleted",
    "McpListToolsFailed",
    "McpListToolsInProgress",
    "McpProtocolError",
    "McpToolExecutionError",
    "McpToolInfo",
    "ResponseMcpCallArgumentsDelta",
    "ResponseMcpCallArgumentsDone",
    "ResponseMcpCallCompleted",
    "ResponseMcpCallFailed",
    "ResponseMcpCallInProgress",
]


# -- items --------------------------------------------------------------------


class McpToolInfo(Model, kw_only=True):
    """One tool an MCP server offers, as listed in an `McpListTools` item."""

    name: str
    input_schema: Any
    description: str | UnsetType | None = UNSET
    annotations: Any | UnsetType = UNSET


class McpListTools(TaggedModel, tag="mcp_list_tools", kw_only=True):
    """The tools an MCP server offered when the session listed them."""

    server_label: str
    tools: list[McpToolInfo]
    id: str | UnsetType | None = UNSET


class McpProtocolError(TaggedModel, tag="protocol_error", kw_only=True):
    """The MCP server broke the MCP protocol."""

    code: int
    message: str


class McpToolExecutionError(TaggedModel, tag="tool_execution_error", kw_only=True):
    """The MCP tool ran and failed."""

    message: str


class McpHttpError(TaggedModel, tag="http_error", kw_only=True):
    """The MCP server answered with an HTTP error."""

    code: int
    message: str


McpCallError: TypeAlias = McpProtocolError | McpToolExecutionError | McpHttpError


class McpCall(TaggedModel, tag="mcp_call", kw_only=True):
    """A call the model made to an MCP tool, with its output or error once done."""

    id: str
    server_label: str
    name: str
    arguments: str
    approval_request_id: str | UnsetType | None = UNSET
    output: str | UnsetType | None = UNSET
    error: McpCallError | UnsetType | None = UNSET


class McpApprovalRequest(TaggedModel, tag="mcp_approval_request", kw_only=True):
    """The model asks for permission to call an MCP tool."""

    id: str
    server_label: str
    name: str
    arguments: str


class McpApprovalResponse(TaggedModel, tag="mcp_approval_response", kw_only=True):
    """The client's answer to an `McpApprovalRequest`."""

    id: str
    approval_request_id: str
    approve: bool
    reason: str | UnsetType | None = UNSET


# -- events -------------------------------------------------------------------


class McpListToolsInProgress(ServerEvent, tag="mcp_list_tools.in_progress", kw_only=True, gc=False):
    """The session is listing an MCP server's tools."""

    event_id: str
    item_id: str


class McpListToolsCompleted(ServerEvent, tag="mcp_list_tools.completed", kw_only=True, gc=False):
    """An MCP server's tools were listed (the `McpListTools` item is complete)."""

    event_id: str
    item_id: str


class McpListToolsFailed(ServerEvent, tag="mcp_list_tools.failed", kw_only=True, gc=False):
    """Listing an MCP server's tools failed."""

    event_id: str
    item_id: str


class ResponseMcpCallArgumentsDelta(
    ServerEvent, tag="response.mcp_call_arguments.delta", kw_only=True, gc=False
):
    """A piece of the JSON arguments of an MCP tool call."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    delta: str
    obfuscation: str | None = None


class ResponseMcpCallArgumentsDone(
    ServerEvent, tag="response.mcp_call_arguments.done", kw_only=True, gc=False
):
    """The complete JSON arguments of an MCP tool call."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    arguments: str


class ResponseMcpCallInProgress(
    ServerEvent, tag="response.mcp_call.in_progress", kw_only=True, gc=False
):
    """An MCP tool call is running."""

    event_id: str
    item_id: str
    output_index: int


class ResponseMcpCallCompleted(
    ServerEvent, tag="response.mcp_call.completed", kw_only=True, gc=False
):
    """An MCP tool call finished."""

    event_id: str
    item_id: str
    output_index: int


class ResponseMcpCallFailed(ServerEvent, tag="response.mcp_call.failed", kw_only=True, gc=False):
    """An MCP tool call failed."""

    event_id: str
    item_id: str
    output_index: int
