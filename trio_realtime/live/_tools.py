"""Tools and tool choices of a Live session's Responses backend.

When a Live session delegates work to the Responses API, ``delegation.responses``
says which tools that backend may use. Most hosted tools are named by their
``type`` alone here (the Live API configures them server side); a function tool
carries its JSON schema and a shell tool its environment.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from msgspec import UNSET, UnsetType

from ._base import Model, TaggedModel

__all__ = [
    "AllowedToolsChoice",
    "ApplyPatchTool",
    "CodeInterpreterTool",
    "ComputerTool",
    "ContainerAutoEnvironment",
    "ContainerReferenceEnvironment",
    "CustomTool",
    "CustomToolChoice",
    "FileSearchTool",
    "FunctionTool",
    "FunctionToolChoice",
    "ImageGenerationTool",
    "InlineSkill",
    "InlineSkillSource",
    "LocalEnvironment",
    "LocalSkill",
    "McpTool",
    "McpToolChoice",
    "NamespaceTool",
    "NetworkAllowlist",
    "NetworkDisabled",
    "ProgrammaticToolCallingTool",
    "ShellEnvironment",
    "ShellTool",
    "ShellToolChoice",
    "SkillReference",
    "Tool",
    "ToolChoice",
    "ToolSearchTool",
    "WebSearchPreviewTool",
    "WebSearchTool",
]


class FunctionTool(TaggedModel, tag="function", kw_only=True):
    """A function your backend runs; ``parameters`` is its JSON schema."""

    name: str
    description: str | UnsetType | None = UNSET
    parameters: dict[str, Any] | UnsetType | None = UNSET
    strict: bool | UnsetType | None = UNSET


class WebSearchTool(TaggedModel, tag="web_search", kw_only=True):
    """The hosted web search tool."""


class WebSearchPreviewTool(TaggedModel, tag="web_search_preview", kw_only=True):
    """The hosted web search preview tool (a tool choice only)."""


class FileSearchTool(TaggedModel, tag="file_search", kw_only=True):
    """The hosted file search tool."""


class CodeInterpreterTool(TaggedModel, tag="code_interpreter", kw_only=True):
    """The hosted code interpreter."""


class ImageGenerationTool(TaggedModel, tag="image_generation", kw_only=True):
    """The hosted image generation tool."""


class McpTool(TaggedModel, tag="mcp", kw_only=True):
    """Remote MCP servers, as configured for the backend."""


class CustomTool(TaggedModel, tag="custom", kw_only=True):
    """Custom (free-form input) tools, as configured for the backend."""


class NamespaceTool(TaggedModel, tag="namespace", kw_only=True):
    """A namespace of tools, as configured for the backend."""


class ToolSearchTool(TaggedModel, tag="tool_search", kw_only=True):
    """The hosted tool search tool."""


class ProgrammaticToolCallingTool(TaggedModel, tag="programmatic_tool_calling", kw_only=True):
    """Programmatic tool calling."""


class ComputerTool(TaggedModel, tag="computer", kw_only=True):
    """The hosted computer-use tool."""


class ApplyPatchTool(TaggedModel, tag="apply_patch", kw_only=True):
    """The apply-patch tool."""


# -- the shell tool's environment ------------------------------------------------


class NetworkDisabled(TaggedModel, tag="disabled", kw_only=True):
    """No network access from the container."""


class NetworkAllowlist(TaggedModel, tag="allowlist", kw_only=True):
    """Network access to ``allowed_domains`` only."""

    allowed_domains: list[str]


class SkillReference(TaggedModel, tag="skill_reference", kw_only=True):
    """A stored skill, by id (and ``version``)."""

    skill_id: str
    version: str | UnsetType | None = UNSET


class InlineSkillSource(TaggedModel, tag="base64", kw_only=True):
    """A skill's zip archive, base64 in ``data`` (``media_type`` ``"application/zip"``)."""

    data: str
    media_type: str


class InlineSkill(TaggedModel, tag="inline", kw_only=True):
    """A skill given inline with the request."""

    name: str
    description: str
    source: InlineSkillSource


class ContainerAutoEnvironment(TaggedModel, tag="container_auto", kw_only=True):
    """A container the API creates for the shell tool."""

    file_ids: list[str] | UnsetType | None = UNSET
    memory_limit: str | UnsetType | None = UNSET
    network_policy: NetworkDisabled | NetworkAllowlist | UnsetType | None = UNSET
    skills: list[SkillReference | InlineSkill] | UnsetType | None = UNSET


class ContainerReferenceEnvironment(TaggedModel, tag="container_reference", kw_only=True):
    """An existing container, by id."""

    container_id: str


class LocalSkill(Model, kw_only=True):
    """A skill on the local machine, at ``path``."""

    name: str
    description: str
    path: str


class LocalEnvironment(TaggedModel, tag="local", kw_only=True):
    """The shell runs on your side."""

    skills: list[LocalSkill] | UnsetType | None = UNSET


ShellEnvironment: TypeAlias = (
    ContainerAutoEnvironment | ContainerReferenceEnvironment | LocalEnvironment
)


class ShellTool(TaggedModel, tag="shell", kw_only=True):
    """The shell tool and where it runs."""

    environment: ShellEnvironment | UnsetType | None = UNSET


Tool: TypeAlias = (
    FunctionTool
    | WebSearchTool
    | FileSearchTool
    | CodeInterpreterTool
    | ShellTool
    | ImageGenerationTool
    | McpTool
    | CustomTool
    | NamespaceTool
    | ToolSearchTool
    | ProgrammaticToolCallingTool
    | ComputerTool
    | ApplyPatchTool
)


# -- tool choice -----------------------------------------------------------------


class FunctionToolChoice(TaggedModel, tag="function", kw_only=True):
    """Force a call of the function ``name``."""

    name: str


class McpToolChoice(TaggedModel, tag="mcp", kw_only=True):
    """Force the MCP tool ``name`` of ``server_label``."""

    name: str
    server_label: str


class ShellToolChoice(TaggedModel, tag="shell", kw_only=True):
    """Force the shell tool."""


class CustomToolChoice(TaggedModel, tag="custom", kw_only=True):
    """Force the custom tool ``name``."""

    name: str


_NamedChoice: TypeAlias = (
    FunctionToolChoice
    | McpToolChoice
    | FileSearchTool
    | WebSearchTool
    | WebSearchPreviewTool
    | ImageGenerationTool
    | ComputerTool
    | CodeInterpreterTool
    | ProgrammaticToolCallingTool
    | ShellToolChoice
    | CustomToolChoice
    | ApplyPatchTool
)


class AllowedToolsChoice(TaggedModel, tag="allowed_tools", kw_only=True):
    """Restrict the backend to ``tools``; ``mode`` is ``"auto"``, ``"none"`` or ``"required"``."""

    tools: list[_NamedChoice]
    mode: str | UnsetType | None = UNSET


#: ``"auto"``, ``"none"``, ``"required"``, or one tool (or a set of allowed tools).
ToolChoice: TypeAlias = str | _NamedChoice | AllowedToolsChoice
