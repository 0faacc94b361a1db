"""The conversation: creating, retrieving, truncating and deleting items."""

from __future__ import annotations

from msgspec import UNSET, UnsetType

from ._base import ClientEvent, Model, ServerEvent
from ._items import Item

__all__ = [
    "Conversation",
    "ConversationCreated",
    "ConversationItemAdded",
    "ConversationItemCreate",
    "ConversationItemCreated",
    "ConversationItemDelete",
    "ConversationItemDeleted",
    "ConversationItemDone",
    "ConversationItemRetrieve",
    "ConversationItemRetrieved",
    "ConversationItemTruncate",
    "ConversationItemTruncated",
]


class Conversation(Model, kw_only=True):
    """The conversation a session holds."""

    id: str | None = None
    object: str | None = None


# -- client events ------------------------------------------------------------


class ConversationItemCreate(ClientEvent, tag="conversation.item.create", kw_only=True):
    """Add an item, after ``previous_item_id`` (``"root"`` for the start) or at the end."""

    item: Item
    previous_item_id: str | UnsetType = UNSET
    event_id: str | UnsetType = UNSET


class ConversationItemRetrieve(
    ClientEvent, tag="conversation.item.retrieve", kw_only=True, gc=False
):
    """Ask for the server's copy of an item (answered by ``conversation.item.retrieved``)."""

    item_id: str
    event_id: str | UnsetType = UNSET


class ConversationItemTruncate(
    ClientEvent, tag="conversation.item.truncate", kw_only=True, gc=False
):
    """Cut an assistant audio item at ``audio_end_ms`` (what the user actually heard)."""

    item_id: str
    content_index: int
    audio_end_ms: int
    event_id: str | UnsetType = UNSET


class ConversationItemDelete(ClientEvent, tag="conversation.item.delete", kw_only=True, gc=False):
    """Remove an item from the conversation."""

    item_id: str
    event_id: str | UnsetType = UNSET


# -- server events ------------------------------------------------------------


class ConversationCreated(ServerEvent, tag="conversation.created", kw_only=True):
    """The session's conversation exists (sent right after ``session.created``)."""

    event_id: str
    conversation: Conversation


class ConversationItemCreated(ServerEvent, tag="conversation.item.created", kw_only=True):
    """An item was created, by the client or by the server."""

    event_id: str
    item: Item
    previous_item_id: str | None = None


class ConversationItemAdded(ServerEvent, tag="conversation.item.added", kw_only=True):
    """An item entered the conversation (its content may still be streaming)."""

    event_id: str
    item: Item
    previous_item_id: str | None = None


class ConversationItemDone(ServerEvent, tag="conversation.item.done", kw_only=True):
    """An item is complete; ``item`` holds its final content."""

    event_id: str
    item: Item
    previous_item_id: str | None = None


class ConversationItemRetrieved(ServerEvent, tag="conversation.item.retrieved", kw_only=True):
    """The server's copy of an item, audio included (answer to ``conversation.item.retrieve``)."""

    event_id: str
    item: Item


class ConversationItemTruncated(
    ServerEvent, tag="conversation.item.truncated", kw_only=True, gc=False
):
    """The server cut an assistant audio item (answer to ``conversation.item.truncate``)."""

    event_id: str
    item_id: str
    content_index: int
    audio_end_ms: int


class ConversationItemDeleted(ServerEvent, tag="conversation.item.deleted", kw_only=True, gc=False):
    """The server deleted an item (answer to ``conversation.item.delete``)."""

    event_id: str
    item_id: str
