"""`Conversation`: the conversation as the server sees it, rebuilt from its events.

Pure: no I/O, no trio. Call `Conversation.feed` with every server event in the
task that receives them (no channel hop); it dispatches on ``type(event)``
through a dict of bound methods, and events it has no use for cost one dict
miss.

Deltas (text, audio transcripts, input transcriptions, function-call
arguments) are appended to a list and joined only when read; the join is
cached and folded back into the list, so each delta is O(1) amortised.

Audio is kept as a duration: output audio deltas are counted in bytes and
turned into milliseconds with the session's output format (``audio/pcm`` 24 kHz
16-bit is 48 bytes per ms; G.711 ``audio/pcmu``/``audio/pcma`` 8 kHz is 8 bytes
per ms), read from ``session.created``/``session.updated`` (PCM when unknown).
With ``keep_audio=True`` the bytes are kept too, up to ``max_audio_bytes`` for
the whole conversation; bytes past the cap are counted but not kept.

Truncation (``conversation.item.truncated``) is an approximation: the audio
after ``audio_end_ms`` is dropped, and the part's transcript is cut to the
same fraction of its characters as the fraction of audio kept (speech rate is
assumed even) and marked ``truncated``. The service itself drops the
transcript text it cannot align.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from . import events as ev

__all__ = ["Conversation", "ConversationContent", "ConversationItem", "ConversationResponse"]

# Bytes per millisecond of output audio, by format type.
_BYTES_PER_MS = {"audio/pcm": 48, "audio/pcmu": 8, "audio/pcma": 8}

_ITEM_EVENTS = frozenset(
    {
        "conversation.item.added",
        "conversation.item.created",
        "conversation.item.done",
        "conversation.item.retrieved",
        "response.output_item.added",
        "response.output_item.done",
    }
)


class _Text:
    """A string assembled from deltas: appended in O(1), joined once per read."""

    __slots__ = ("_parts",)

    def __init__(self) -> None:
        self._parts: list[str] = []

    def append(self, delta: str) -> None:
        self._parts.append(delta)

    def set(self, value: str) -> None:
        self._parts = [value] if value else []

    def get(self) -> str:
        parts = self._parts
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return ""
        joined = "".join(parts)
        self._parts = [joined]
        return joined


class ConversationContent:
    """One content part of a message: its text, transcript and audio duration."""

    __slots__ = (
        "_audio",
        "_text",
        "_transcript",
        "audio_bytes",
        "transcription_error",
        "truncated",
        "type",
    )

    def __init__(self, type: str | None = None) -> None:
        self.type: str | None = type
        """``input_text``, ``input_audio``, ``output_text``, ``output_audio``... or None."""
        self.audio_bytes: int = 0
        """Bytes of output audio received for this part (kept or not)."""
        self.truncated: bool = False
        """True once the part was truncated (its transcript is then approximate)."""
        self.transcription_error: str | None = None
        """The message of a failed input audio transcription, if one failed."""
        self._text = _Text()
        self._transcript = _Text()
        self._audio: list[bytes] | None = None

    @property
    def text(self) -> str:
        """The text so far (``""`` for audio parts)."""
        return self._text.get()

    @property
    def transcript(self) -> str:
        """The transcript so far: of output audio, or of input audio once transcribed."""
        return self._transcript.get()

    @property
    def audio(self) -> bytes | None:
        """The kept audio bytes, or None when the conversation does not keep audio."""
        if self._audio is None:
            return None
        if len(self._audio) != 1:
            self._audio = [b"".join(self._audio)]
        return self._audio[0]

    def __repr__(self) -> str:
        return (
            f"ConversationContent(type={self.type!r}, text={self.text!r}, "
            f"transcript={self.transcript!r}, audio_bytes={self.audio_bytes})"
        )


class ConversationItem:
    """One item of the conversation, of any kind.

    ``type`` is the item's type (``message``, ``function_call``,
    ``function_call_output``, ``mcp_call``, ``mcp_list_tools``,
    ``mcp_approval_request``, ``mcp_approval_response``, or an unknown one,
    then kept as the decoded JSON object in ``raw``). Fields that do not apply
    to the kind are None.
    """

    __slots__ = (
        "_arguments",
        "call_id",
        "content",
        "error",
        "id",
        "name",
        "output",
        "raw",
        "response_id",
        "role",
        "server_label",
        "status",
        "tools",
        "type",
    )

    def __init__(self, id: str, type: str) -> None:
        self.id: str = id
        """The item's id."""
        self.type: str = type
        """The item's type."""
        self.role: str | None = None
        """A message's role: ``user``, ``assistant`` or ``system``."""
        self.status: str | None = None
        """``in_progress``, ``completed``, ``incomplete`` (or the response's ``cancelled``)."""
        self.call_id: str | None = None
        """A function call's (or its output's) call id."""
        self.name: str | None = None
        """A function or MCP call's tool name."""
        self.output: str | None = None
        """A function call output's (or an MCP call's) output."""
        self.error: Any = None
        """An MCP call's error, as decoded."""
        self.server_label: str | None = None
        """The MCP server of an MCP item."""
        self.tools: list[ev.McpToolInfo] | None = None
        """The tools an ``mcp_list_tools`` item lists."""
        self.content: list[ConversationContent] = []
        """A message's content parts, by content index."""
        self.response_id: str | None = None
        """The response that produced the item, for output items."""
        self.raw: dict[str, Any] | None = None
        """An item of an unknown type, as the decoded JSON object."""
        self._arguments = _Text()

    @property
    def arguments(self) -> str:
        """A function or MCP call's arguments (JSON text) so far."""
        return self._arguments.get()

    @property
    def text(self) -> str:
        """A message's text: its parts' text, or their transcripts for audio parts."""
        return "".join(p.text or p.transcript for p in self.content)

    def part(self, index: int) -> ConversationContent:
        """The content part at ``index``, created (with those before it) if missing."""
        content = self.content
        while len(content) <= index:
            content.append(ConversationContent())
        return content[index]

    def __repr__(self) -> str:
        return f"ConversationItem(id={self.id!r}, type={self.type!r}, status={self.status!r})"


class ConversationResponse:
    """A response: its status, the ids of its output items and its usage."""

    __slots__ = ("id", "output_item_ids", "status", "status_details", "usage")

    def __init__(self, id: str) -> None:
        self.id: str = id
        """The response's id."""
        self.status: str | None = None
        """``in_progress``, ``completed``, ``cancelled``, ``incomplete`` or ``failed``."""
        self.status_details: ev.ResponseStatus | None = None
        """Why it ended so, from ``response.done``."""
        self.output_item_ids: list[str] = []
        """Its output items' ids, in output order."""
        self.usage: ev.Usage | None = None
        """Token usage, from ``response.done``."""

    def __repr__(self) -> str:
        return f"ConversationResponse(id={self.id!r}, status={self.status!r})"


_Handler = Callable[[Any], None]


class Conversation:
    """The conversation as the server sees it, kept from the events of a session.

    Feed it every server event with `feed`; read `items` (in conversation
    order), `item`, `responses` and `history`. ``keep_audio=True`` keeps
    output audio bytes too, at most ``max_audio_bytes`` in all.
    """

    def __init__(self, *, keep_audio: bool = False, max_audio_bytes: int = 0) -> None:
        self.keep_audio: bool = keep_audio
        """Whether output audio bytes are kept (not only counted)."""
        self.max_audio_bytes: int = max_audio_bytes
        """The cap on kept audio bytes for the whole conversation."""
        self.kept_audio_bytes: int = 0
        """Audio bytes kept so far (after truncations and deletions)."""
        self.bytes_per_ms: int = 48
        """Output audio bytes per millisecond, from the session's output format."""
        self.responses: dict[str, ConversationResponse] = {}
        """Responses by id, in creation order."""
        self._items: dict[str, ConversationItem] = {}
        self._order: list[str] = []
        h: dict[type[Any], _Handler] = {
            ev.SessionCreated: self._session,
            ev.SessionUpdated: self._session,
            ev.ConversationItemAdded: self._item_event,
            ev.ConversationItemCreated: self._item_event,
            ev.ConversationItemDone: self._item_event,
            ev.ConversationItemRetrieved: self._item_event,
            ev.ConversationItemDeleted: self._deleted,
            ev.ConversationItemTruncated: self._truncated,
            ev.ResponseOutputItemAdded: self._output_item,
            ev.ResponseOutputItemDone: self._output_item,
            ev.ResponseContentPartAdded: self._content_part,
            ev.ResponseOutputTextDelta: self._text_delta,
            ev.ResponseOutputTextDone: self._text_done,
            ev.ResponseOutputAudioDelta: self._audio_delta,
            ev.ResponseOutputAudioTranscriptDelta: self._transcript_delta,
            ev.ResponseOutputAudioTranscriptDone: self._transcript_done,
            ev.ResponseFunctionCallArgumentsDelta: self._arguments_delta,
            ev.ResponseFunctionCallArgumentsDone: self._arguments_done,
            ev.ResponseMcpCallArgumentsDelta: self._mcp_arguments_delta,
            ev.ResponseMcpCallArgumentsDone: self._mcp_arguments_done,
            ev.ConversationItemInputAudioTranscriptionDelta: self._input_delta,
            ev.ConversationItemInputAudioTranscriptionCompleted: self._input_completed,
            ev.ConversationItemInputAudioTranscriptionFailed: self._input_failed,
            ev.ResponseCreated: self._response_created,
            ev.ResponseDone: self._response_done,
            ev.UnknownEvent: self._unknown_event,
            ev.InvalidEvent: self._invalid_event,
        }
        self._handlers: dict[type[Any], _Handler] = h

    # -- reading ----------------------------------------------------------------

    @property
    def items(self) -> list[ConversationItem]:
        """The items in conversation order."""
        items = self._items
        return [items[i] for i in self._order]

    def item(self, item_id: str) -> ConversationItem | None:
        """The item with this id, or None."""
        return self._items.get(item_id)

    def __len__(self) -> int:
        return len(self._order)

    def history(self, *, ids: bool = False) -> list[ev.Item]:
        """A text snapshot of the history, as items a reconnect can replay in order.

        Messages become text messages of the same role (input parts as
        ``input_text``, assistant parts as ``output_text``; audio as its
        transcript); function calls and their outputs are copied. MCP items,
        unknown items and messages without any text are left out. With
        ``ids=True`` each item keeps its id (a restore re-creates the items
        under their old ids, so references to them stay valid).
        """
        out: list[ev.Item] = []
        for item in self.items:
            kind = item.type
            iid: str | msgspec.UnsetType = item.id if ids else msgspec.UNSET
            if kind == "message" and item.role is not None:
                text = item.text
                if not text:
                    continue
                part: ev.ContentPart
                if item.role == "assistant":
                    part = ev.OutputText(text=text)
                else:
                    part = ev.InputText(text=text)
                out.append(ev.Message(role=item.role, content=[part], id=iid))
            elif kind == "function_call" and item.name is not None:
                out.append(
                    ev.FunctionCall(
                        name=item.name,
                        arguments=item.arguments,
                        call_id=item.call_id if item.call_id is not None else msgspec.UNSET,
                        id=iid,
                    )
                )
            elif kind == "function_call_output" and item.call_id is not None:
                out.append(
                    ev.FunctionCallOutput(call_id=item.call_id, output=item.output or "", id=iid)
                )
        return out

    def audio_ms(self, item_id: str) -> float:
        """Milliseconds of output audio received for an item (0 when unknown)."""
        item = self._items.get(item_id)
        if item is None:
            return 0.0
        return sum(p.audio_bytes for p in item.content) / self.bytes_per_ms

    # -- feeding ----------------------------------------------------------------

    def feed(self, event: ev.ServerEvent) -> None:
        """Take one server event into account; events of no interest are ignored."""
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    def _get(self, item_id: str) -> ConversationItem:
        item = self._items.get(item_id)
        if item is None:
            # A delta before its item (or after a deletion): track it at the end.
            item = self._items[item_id] = ConversationItem(item_id, "message")
            self._order.append(item_id)
        return item

    def _place(
        self, item_id: str, kind: str, previous: str | None, *, at_end: bool
    ) -> ConversationItem:
        item = self._items.get(item_id)
        if item is not None:
            return item
        item = self._items[item_id] = ConversationItem(item_id, kind)
        order = self._order
        if at_end:
            order.append(item_id)
        elif previous is None:
            order.insert(0, item_id)
        elif order and order[-1] == previous:
            order.append(item_id)
        elif previous in self._items:
            order.insert(order.index(previous) + 1, item_id)
        else:
            order.append(item_id)
        return item

    def _apply(
        self, item_struct: ev.Item, previous: str | None, *, at_end: bool
    ) -> ConversationItem | None:
        item_id = getattr(item_struct, "id", None)
        if not isinstance(item_id, str):
            return None
        kind: str = type(item_struct).__struct_config__.tag  # type: ignore[assignment]
        item = self._place(item_id, kind, previous, at_end=at_end)
        status = getattr(item_struct, "status", None)
        if isinstance(status, str):
            item.status = status
        match item_struct:
            case ev.Message(role=role, content=content):
                item.role = role
                for index, c in enumerate(content):
                    part = item.part(index)
                    if isinstance(c.type, str):
                        part.type = c.type
                    if isinstance(c.text, str) and c.text:
                        part._text.set(c.text)  # pyright: ignore[reportPrivateUsage]
                    if isinstance(c.transcript, str) and c.transcript and not part.truncated:
                        part._transcript.set(c.transcript)  # pyright: ignore[reportPrivateUsage]
            case ev.FunctionCall(name=name, arguments=arguments, call_id=call_id):
                item.name = name
                if isinstance(call_id, str):
                    item.call_id = call_id
                if arguments:
                    item._arguments.set(arguments)  # pyright: ignore[reportPrivateUsage]
            case ev.FunctionCallOutput(call_id=call_id, output=output):
                item.call_id = call_id
                item.output = output
            case ev.McpCall():
                item.name = item_struct.name
                item.server_label = item_struct.server_label
                if item_struct.arguments:
                    item._arguments.set(item_struct.arguments)  # pyright: ignore[reportPrivateUsage]
                if isinstance(item_struct.output, str):
                    item.output = item_struct.output
                if item_struct.error is not None and item_struct.error is not msgspec.UNSET:
                    item.error = item_struct.error
            case ev.McpListTools(server_label=label, tools=tools):
                item.server_label = label
                item.tools = tools
            case ev.McpApprovalRequest():
                item.name = item_struct.name
                item.server_label = item_struct.server_label
                item._arguments.set(item_struct.arguments)  # pyright: ignore[reportPrivateUsage]
            case _:
                pass
        return item

    def _session(self, event: ev.SessionCreated | ev.SessionUpdated) -> None:
        audio = getattr(event.session, "audio", None)
        output = getattr(audio, "output", None)
        fmt = getattr(getattr(output, "format", None), "type", None)
        if isinstance(fmt, str) and fmt in _BYTES_PER_MS:
            self.bytes_per_ms = _BYTES_PER_MS[fmt]

    def _item_event(
        self,
        event: ev.ConversationItemAdded
        | ev.ConversationItemCreated
        | ev.ConversationItemDone
        | ev.ConversationItemRetrieved,
    ) -> None:
        previous = getattr(event, "previous_item_id", None)
        self._apply(event.item, previous, at_end=isinstance(event, ev.ConversationItemRetrieved))

    def _output_item(self, event: ev.ResponseOutputItemAdded | ev.ResponseOutputItemDone) -> None:
        item = self._apply(event.item, None, at_end=True)
        if item is None:
            return
        item.response_id = event.response_id
        response = self.responses.get(event.response_id)
        if response is not None and item.id not in response.output_item_ids:
            response.output_item_ids.append(item.id)

    def _deleted(self, event: ev.ConversationItemDeleted) -> None:
        item = self._items.pop(event.item_id, None)
        if item is None:
            return
        self._order.remove(event.item_id)
        for part in item.content:
            self._drop_audio(part, 0)

    def _drop_audio(self, part: ConversationContent, keep: int) -> None:
        chunks = part._audio  # pyright: ignore[reportPrivateUsage]
        if chunks is None:
            return
        data = b"".join(chunks)
        self.kept_audio_bytes -= max(0, len(data) - keep)
        part._audio = [data[:keep]]  # pyright: ignore[reportPrivateUsage]

    def _truncated(self, event: ev.ConversationItemTruncated) -> None:
        item = self._items.get(event.item_id)
        if item is None:
            return
        part = item.part(event.content_index)
        keep = event.audio_end_ms * self.bytes_per_ms
        if part.audio_bytes > keep:
            transcript = part.transcript
            cut = len(transcript) * keep // part.audio_bytes if part.audio_bytes else 0
            part._transcript.set(transcript[:cut])  # pyright: ignore[reportPrivateUsage]
            part.audio_bytes = keep
        self._drop_audio(part, keep)
        part.truncated = True

    def _content_part(self, event: ev.ResponseContentPartAdded) -> None:
        part = self._get(event.item_id).part(event.content_index)
        kind = event.part.type
        if isinstance(kind, str):
            part.type = "output_" + kind if kind in ("text", "audio") else kind

    def _text_delta(self, event: ev.ResponseOutputTextDelta) -> None:
        item = self._items.get(event.item_id) or self._get(event.item_id)
        content = item.content
        index = event.content_index
        part = content[index] if index < len(content) else item.part(index)
        part._text._parts.append(event.delta)  # pyright: ignore[reportPrivateUsage]

    def _text_done(self, event: ev.ResponseOutputTextDone) -> None:
        self._get(event.item_id).part(event.content_index)._text.set(event.text)  # pyright: ignore[reportPrivateUsage]

    def _audio_delta(self, event: ev.ResponseOutputAudioDelta) -> None:
        part = self._get(event.item_id).part(event.content_index)
        data = event.delta
        part.audio_bytes += len(data)
        if self.keep_audio:
            room = self.max_audio_bytes - self.kept_audio_bytes
            if part._audio is None:  # pyright: ignore[reportPrivateUsage]
                part._audio = []  # pyright: ignore[reportPrivateUsage]
            if room > 0:
                chunk = data if len(data) <= room else data[:room]
                part._audio.append(chunk)  # pyright: ignore[reportPrivateUsage]
                self.kept_audio_bytes += len(chunk)

    def _transcript_delta(self, event: ev.ResponseOutputAudioTranscriptDelta) -> None:
        part = self._get(event.item_id).part(event.content_index)
        part._transcript._parts.append(event.delta)  # pyright: ignore[reportPrivateUsage]

    def _transcript_done(self, event: ev.ResponseOutputAudioTranscriptDone) -> None:
        part = self._get(event.item_id).part(event.content_index)
        if not part.truncated:
            part._transcript.set(event.transcript)  # pyright: ignore[reportPrivateUsage]

    def _arguments_delta(self, event: ev.ResponseFunctionCallArgumentsDelta) -> None:
        item = self._get(event.item_id)
        item._arguments._parts.append(event.delta)  # pyright: ignore[reportPrivateUsage]

    def _arguments_done(self, event: ev.ResponseFunctionCallArgumentsDone) -> None:
        item = self._get(event.item_id)
        item.type = "function_call"
        item.name = event.name
        item.call_id = event.call_id
        item._arguments.set(event.arguments)  # pyright: ignore[reportPrivateUsage]

    def _mcp_arguments_delta(self, event: ev.ResponseMcpCallArgumentsDelta) -> None:
        item = self._get(event.item_id)
        item._arguments._parts.append(event.delta)  # pyright: ignore[reportPrivateUsage]

    def _mcp_arguments_done(self, event: ev.ResponseMcpCallArgumentsDone) -> None:
        self._get(event.item_id)._arguments.set(event.arguments)  # pyright: ignore[reportPrivateUsage]

    def _input_delta(self, event: ev.ConversationItemInputAudioTranscriptionDelta) -> None:
        if event.delta:
            part = self._get(event.item_id).part(event.content_index or 0)
            part._transcript._parts.append(event.delta)  # pyright: ignore[reportPrivateUsage]

    def _input_completed(self, event: ev.ConversationItemInputAudioTranscriptionCompleted) -> None:
        part = self._get(event.item_id).part(event.content_index)
        part._transcript.set(event.transcript)  # pyright: ignore[reportPrivateUsage]
        part.transcription_error = None

    def _input_failed(self, event: ev.ConversationItemInputAudioTranscriptionFailed) -> None:
        part = self._get(event.item_id).part(event.content_index)
        part.transcription_error = event.error.message or event.error.code or "failed"

    def _response_created(self, event: ev.ResponseCreated) -> None:
        rid = event.response.id
        if rid is not None:
            response = self.responses.setdefault(rid, ConversationResponse(rid))
            response.status = event.response.status

    def _response_done(self, event: ev.ResponseDone) -> None:
        r = event.response
        if r.id is None:
            return
        response = self.responses.setdefault(r.id, ConversationResponse(r.id))
        response.status = r.status
        response.status_details = r.status_details
        response.usage = r.usage
        for item_struct in r.output or ():
            item = self._apply(item_struct, None, at_end=True)
            if item is None:
                continue
            item.response_id = r.id
            if item.id not in response.output_item_ids:
                response.output_item_ids.append(item.id)
            if item.status in (None, "in_progress") and r.status in ("cancelled", "incomplete"):
                item.status = r.status

    # An item of an unknown type fails the typed decode: the connection hands it
    # over as an UnknownEvent or InvalidEvent with the event type and the JSON.
    def _unknown_event(self, event: ev.UnknownEvent) -> None:
        self._raw_item(event.event_type, event.payload)

    def _invalid_event(self, event: ev.InvalidEvent) -> None:
        if event.event_type not in _ITEM_EVENTS:
            return
        try:
            payload = msgspec.json.decode(event.raw)
        except msgspec.DecodeError:
            return
        if isinstance(payload, dict):
            self._raw_item(event.event_type, payload)  # pyright: ignore[reportUnknownArgumentType]

    def _raw_item(self, event_type: str | None, payload: dict[str, Any]) -> None:
        if event_type not in _ITEM_EVENTS:
            return
        raw = payload.get("item")
        if not isinstance(raw, dict):
            return
        raw_item: dict[str, Any] = raw  # pyright: ignore[reportUnknownVariableType]
        item_id = raw_item.get("id")
        if not isinstance(item_id, str):
            return
        kind = raw_item.get("type")
        previous = payload.get("previous_item_id")
        at_end = not event_type.startswith("conversation.item.") or event_type.endswith("retrieved")
        item = self._place(
            item_id,
            kind if isinstance(kind, str) else "unknown",
            previous if isinstance(previous, str) else None,
            at_end=at_end,
        )
        item.raw = raw_item
        status = raw_item.get("status")
        if isinstance(status, str):
            item.status = status
        response_id = payload.get("response_id")
        if isinstance(response_id, str):
            item.response_id = response_id
            response = self.responses.get(response_id)
            if response is not None and item_id not in response.output_item_ids:
                response.output_item_ids.append(item_id)
