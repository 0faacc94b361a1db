"""Response sequencing: at most one ``response.create`` in flight for the conversation.

The Realtime API allows one response at a time in the default conversation;
a ``response.create`` sent while one is active is refused with
``conversation_already_has_active_response``. The server itself starts
responses too (turn detection with ``create_response``), so "no response
active" cannot be known at send time, only from the events. This state
machine is pure: it is told what is requested and what the server said, and
answers which request to send now.

The rules:

* A request goes out when no in-conversation response is active and no other
  request is awaiting its ``response.created``; otherwise it waits in order.
* Out-of-band requests (``conversation="none"``) never wait: they do not
  occupy the conversation.
* Every request is tagged in its ``metadata`` (`REQUEST_TAG`), which the
  server echoes in ``response.created``, so a response is matched to the
  request that made it even when the server starts one of its own meanwhile.
* A refusal because a response is active (the server started one first) puts
  the request back at the head of the queue; it goes out after the next
  ``response.done``. Any other refusal fails the request.
"""

from __future__ import annotations

from collections import deque

import msgspec

from . import events as ev

__all__ = ["ACTIVE_RESPONSE", "REQUEST_TAG", "ResponseSequencer", "request_tag", "tag_of", "tagged"]

#: The ``metadata`` key that carries a request's tag.
REQUEST_TAG = "trio_realtime_request"
#: The error code of a ``response.create`` refused because a response is active.
ACTIVE_RESPONSE = "conversation_already_has_active_response"


def request_tag(response: ev.Response) -> str | None:
    """The tag a response carries back from its request, if any."""
    metadata = response.metadata
    return metadata.get(REQUEST_TAG) if metadata else None


def tag_of(event: ev.ResponseCreate) -> str | None:
    """The tag a request carries, if any."""
    params = event.response
    if isinstance(params, ev.ResponseParams) and isinstance(params.metadata, dict):
        return params.metadata.get(REQUEST_TAG)
    return None


def _out_of_band(event: ev.ResponseCreate) -> bool:
    params = event.response
    return isinstance(params, ev.ResponseParams) and params.conversation == "none"


def tagged(event: ev.ResponseCreate, tag: str) -> ev.ResponseCreate:
    """A copy of ``event`` whose metadata carries ``tag`` (the caller's metadata kept)."""
    params = (
        event.response if isinstance(event.response, ev.ResponseParams) else ev.ResponseParams()
    )
    metadata = dict(params.metadata) if isinstance(params.metadata, dict) else {}
    metadata[REQUEST_TAG] = tag
    return msgspec.structs.replace(
        event, response=msgspec.structs.replace(params, metadata=metadata)
    )


class ResponseSequencer:
    """Decides when each requested ``response.create`` may be sent."""

    __slots__ = ("_awaiting", "_blocked", "_holds", "_oob", "_queue", "active")

    def __init__(self) -> None:
        self.active: str | None = None
        """The id of the in-conversation response in progress, or None."""
        #: The request sent and not yet answered by ``response.created`` or an error.
        self._awaiting: ev.ResponseCreate | None = None
        self._queue: deque[ev.ResponseCreate] = deque()
        #: Tags of out-of-band requests whose response has not been created yet.
        self._oob: set[str] = set()
        #: A refusal said a response is active that this sequencer has not
        #: seen: wait for the next ``response.done``.
        self._blocked = False
        #: Holds taken by `hold`: a turn whose tool calls still run keeps the
        #: conversation until its follow-up request is submitted.
        self._holds = 0

    @property
    def busy(self) -> bool:
        """Whether a request would have to wait now."""
        return (
            self.active is not None
            or self._awaiting is not None
            or self._blocked
            or self._holds > 0
        )

    @property
    def queued(self) -> tuple[ev.ResponseCreate, ...]:
        """The requests waiting to be sent, in order."""
        return tuple(self._queue)

    def submit(self, event: ev.ResponseCreate, *, first: bool = False) -> ev.ResponseCreate | None:
        """Request a response; returns the event to send now, or None if it was queued.

        ``first`` puts it ahead of the queue (a turn's follow-up after its tool calls).
        """
        if _out_of_band(event):
            tag = tag_of(event)
            if tag is not None:
                self._oob.add(tag)
            return event
        if first:
            self._queue.appendleft(event)
        else:
            self._queue.append(event)
        return self._next()

    def hold(self) -> None:
        """Keep other requests waiting (until `release`), though no response is active."""
        self._holds += 1

    def release(self) -> ev.ResponseCreate | None:
        """Give back a `hold`; returns the request to send now, if any."""
        self._holds = max(0, self._holds - 1)
        return self._next()

    def withdraw(self, event: ev.ResponseCreate) -> bool:
        """Take back a request not sent yet; False when it is already out."""
        # By identity: a turn's follow-up can equal another request field for field.
        for index, queued in enumerate(self._queue):
            if queued is event:
                del self._queue[index]
                return True
        return False

    def created(self, response: ev.Response) -> None:
        """Take a ``response.created`` into account."""
        tag = request_tag(response)
        if tag is not None and tag in self._oob:
            self._oob.discard(tag)
            return
        if response.conversation_id is None and tag is None:
            return  # out of band, from someone else
        if self._awaiting is not None and tag is not None and tag_of(self._awaiting) == tag:
            self._awaiting = None
        self.active = response.id
        self._blocked = False

    def done(self, response: ev.Response) -> ev.ResponseCreate | None:
        """Take a ``response.done`` into account; returns the request to send now, if any."""
        if response.id is not None and response.id == self.active:
            self.active = None
        self._blocked = False
        return self._next()

    def refused(self, event: ev.ResponseCreate, code: str | None) -> bool | None:
        """The server refused ``event``: True if it was queued again, False if it failed.

        None when ``event`` is not the request this sequencer awaits an answer for.
        """
        if _out_of_band(event):
            tag = tag_of(event)
            if tag is not None:
                self._oob.discard(tag)
            return False
        if event is not self._awaiting:
            return None
        self._awaiting = None
        if code == ACTIVE_RESPONSE:
            self._queue.appendleft(event)
            self._blocked = self.active is None
            return True
        return False

    def reset(self) -> ev.ResponseCreate | None:
        """The session was replaced: nothing is active any more.

        Returns the request that was awaiting its answer (gone with the old
        session, or on its way to the new one: the caller decides).
        """
        awaiting, self._awaiting = self._awaiting, None
        self.active = None
        self._blocked = False
        self._oob.clear()
        return awaiting

    def next_request(self) -> ev.ResponseCreate | None:
        """The request to send now, if one may go (after a failure freed the slot)."""
        return self._next()

    def _next(self) -> ev.ResponseCreate | None:
        if self.busy or not self._queue:
            return None
        self._awaiting = self._queue.popleft()
        return self._awaiting
