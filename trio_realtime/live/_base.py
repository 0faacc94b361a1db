"""The bases of GPT-Live events.

GPT-Live (``/live/sessions``) reuses tags of the Realtime protocol
(``session.update``, ``error``, ``response.create``) with other payloads, so its
events derive from bases of their own and are decoded by codecs of their own;
they never join the Realtime unions. Nested objects reuse the Realtime
`Model` / `TaggedModel` bases (same encoding rules: ``UNSET`` is left out).
"""

from __future__ import annotations

import msgspec

from ..events._base import Model, TaggedModel

__all__ = ["LiveClientEvent", "LiveServerEvent", "Model", "TaggedModel"]


class LiveClientEvent(msgspec.Struct, tag_field="type", kw_only=True, omit_defaults=True):
    """An event this client sends on a GPT-Live session."""

    @property
    def type(self) -> str:
        """The wire ``type`` string, e.g. ``"session.start"``."""
        return self.__struct_config__.tag  # type: ignore[return-value]


class LiveServerEvent(msgspec.Struct, tag_field="type", kw_only=True, omit_defaults=True):
    """An event the server sends on a GPT-Live session."""

    @property
    def type(self) -> str:
        """The wire ``type`` string, e.g. ``"session.output_audio.delta"``."""
        return self.__struct_config__.tag  # type: ignore[return-value]
