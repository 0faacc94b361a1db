"""Glue: a translation WebSocket of today's fake server, driving a `TranslationEngine`.

Only transport: route the path, move frames between the socket and the
engine, record what came, and apply the fault plan on the way out (inherited
from `FakeConnection`). The behaviour is `_translation.TranslationEngine`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import trio
import trio_websocket

from .._errors import EventDecodeError
from ._connection import FakeConnection
from ._strict import api_tail
from ._translation import TranslationEngine

if TYPE_CHECKING:
    from ._server import FakeServer

__all__ = ["TranslationFakeConnection", "translation_path"]


def translation_path(path: str, *, strict: bool) -> bool:
    """Whether ``path`` is the translation endpoint (strict: under ``/v1`` only;
    the SDK refuses Azure for translation, so ``/openai/...`` is not served)."""
    if not strict:
        return path.rstrip("/").endswith("/realtime/translations")
    tail = api_tail(path, strict=True, known=("realtime",))
    return tail == ["realtime", "translations"] and not path.startswith("/openai/")


class TranslationFakeConnection(FakeConnection):
    """A translation WebSocket of the fake server; ``translation`` holds its session."""

    def __init__(self, server: FakeServer, *args: Any, **kwargs: Any) -> None:
        super().__init__(server, *args, **kwargs)
        self.translation = TranslationEngine(server, self, model=self.query.get("model", ""))

    async def send(self, event: Any) -> None:
        """Send one translation server event, subject to the fault plan."""
        await self._send_frame(self.translation.encode(event), event)

    async def run(self) -> None:
        """Serve this connection until the client, the session's end or a fault ends it."""
        try:
            async with trio.open_nursery() as nursery:
                try:
                    await self.translation.start(nursery)
                    await self._read_loop()
                except trio_websocket.ConnectionClosed:
                    pass
                nursery.cancel_scope.cancel()
        except Exception:
            # A bug: tell the client as a real server would (1011), then fail the test.
            with trio.move_on_after(1.0) as scope:
                scope.shield = True
                await self._ws.aclose(1011, "fake server error")
            raise
        finally:
            await self.translation.stop()
            self.expired = self.translation.expired
            self._done.set()
            self.server._notify()  # pyright: ignore[reportPrivateUsage]

    async def _read_loop(self) -> None:
        while True:
            message = await self._ws.get_message()
            if self._stalled:
                await trio.sleep_forever()
            raw = message.encode("utf-8") if isinstance(message, str) else message
            try:
                event = self.translation.decode(raw)
            except EventDecodeError as exc:
                self.invalid.append(raw)
                await self.translation.reject(exc, raw)
                continue
            if self.server.record_received:
                self.received.append(event)  # pyright: ignore[reportArgumentType]
            self.server._record(event)  # pyright: ignore[reportPrivateUsage, reportArgumentType]
            await self.translation.handle(event)
