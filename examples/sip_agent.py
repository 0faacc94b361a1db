"""A phone agent: answer SIP calls from the ``realtime.call.incoming`` webhook.

When someone dials the project's SIP number, OpenAI POSTs a signed
``realtime.call.incoming`` webhook to this server. It verifies the signature,
answers 200 at once, accepts the call over REST with the session the agent
wants (G.711 on the line, instructions, voice), attaches a sideband WebSocket
with ``open_realtime(client, call_id=...)`` to follow and steer the
conversation (the caller's audio itself flows over SIP to OpenAI, not through
here), and hangs up after ``--turns`` replies (0: leave that to the caller).

Needs the ``rest`` extra (``pip install 'trio-realtime[rest]'``) and, from the
environment, ``OPENAI_API_KEY``, ``OPENAI_BASE_URL`` (optional) and
``OPENAI_WEBHOOK_SECRET`` (the endpoint's ``whsec_...``)::

    python examples/sip_agent.py --port 8000     # webhook URL: http://HOST:8000/webhook

Offline, against ``python -m trio_realtime serve-fake`` (whose banner prints the
webhook secret), make the fake ring this server::

    curl -X POST "$OPENAI_BASE_URL/fake/incoming_calls" \\
        -H "Authorization: Bearer $OPENAI_API_KEY" \\
        -d '{"webhook_url": "http://127.0.0.1:8000/webhook"}'

The web server is a few lines of h11 over trio so that the example needs
nothing else; any trio-compatible framework does the same with its request's
body bytes and headers.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

import h11
import trio

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime import rest

MAX_BODY = 1024 * 1024  # a webhook delivery is a few KiB

SESSION = ev.RealtimeSession(
    model="gpt-realtime-2.1",
    instructions="You answer the phone for a bakery. Greet the caller and be brief.",
    output_modalities=["audio"],
    audio=ev.AudioConfig(
        input=ev.AudioInput(format=ev.AudioPCMU(), turn_detection=ev.ServerVad()),
        output=ev.AudioOutput(format=ev.AudioPCMU(), voice="marin"),
    ),
)


class Agent:
    """Accepts the calls its webhooks announce and runs one conversation per call."""

    def __init__(
        self, client: rt.Client, api: rest.RestClient, verifier: rest.WebhookVerifier, turns: int
    ) -> None:
        self.client = client
        self.api = api
        self.verifier = verifier
        self.turns = turns
        self.finished = 0
        self.changed = trio.Event()

    def delivery(
        self, body: bytes, headers: list[tuple[bytes, bytes]], nursery: trio.Nursery
    ) -> int:
        """Check one webhook delivery; start its call; the HTTP status to answer."""
        try:
            event = self.verifier.unwrap(body, headers)
        except rt.WebhookVerificationError as exc:
            print(f"refused a delivery: {exc}", flush=True)
            return 400
        if isinstance(event, rest.RealtimeCallIncoming):
            # Answer the webhook now; the call is accepted in the background.
            nursery.start_soon(self.answer, event.data)
        return 200

    async def answer(self, call: rest.RealtimeCallIncomingData) -> None:
        caller = call.sip_header("From") or "an unknown caller"
        try:
            await self.api.calls.accept(call.call_id, SESSION)
            print(f"call {call.call_id} from {caller}: accepted", flush=True)
            await self.converse(call.call_id)
        except rt.RealtimeError as exc:
            print(f"call {call.call_id}: {type(exc).__name__}: {exc}", flush=True)
        finally:
            self.finished += 1
            self.changed.set()

    async def converse(self, call_id: str) -> None:
        replies = 0
        async with rt.open_realtime(self.client, call_id=call_id) as conn:
            await conn.send(ev.ResponseCreate())  # the greeting
            async for event in conn:
                match event:
                    case ev.ResponseOutputAudioTranscriptDone(transcript=text):
                        print(f"agent: {text}", flush=True)
                    case ev.ConversationItemInputAudioTranscriptionCompleted(transcript=text):
                        print(f"caller: {text}", flush=True)
                    case ev.ErrorEvent(error=error):
                        print(f"error: {error.message}", flush=True)
                    case ev.ResponseDone():
                        replies += 1
                        if self.turns and replies >= self.turns:
                            break
                    case _:
                        pass
        if self.turns and replies >= self.turns:
            await self.api.calls.hangup(call_id)
            print(f"call {call_id}: hung up", flush=True)
        else:
            print(f"call {call_id}: ended by the caller", flush=True)


async def serve_connection(
    stream: trio.SocketStream, agent: Agent, path: str, nursery: trio.Nursery
) -> None:
    """Answer HTTP requests on one connection: POST ``path`` is a webhook delivery."""
    http = h11.Connection(h11.SERVER)
    while True:
        request: h11.Request | None = None
        body = bytearray()
        with trio.move_on_after(30):
            while True:
                event = http.next_event()
                if event is h11.NEED_DATA:
                    http.receive_data(await stream.receive_some(65536))
                elif isinstance(event, h11.Request):
                    request = event
                elif isinstance(event, h11.Data):
                    body += event.data
                    if len(body) > MAX_BODY:
                        return
                else:
                    break
        if request is None or http.their_state is not h11.DONE:
            return
        status = 404
        if request.method == b"POST" and request.target.split(b"?")[0] == path.encode():
            status = agent.delivery(bytes(body), list(request.headers), nursery)
        await stream.send_all(
            (http.send(h11.Response(status_code=status, headers=[("content-length", "0")])) or b"")
            + (http.send(h11.EndOfMessage()) or b"")
        )
        http.start_next_cycle()


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Answer SIP calls from the webhook.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    parser.add_argument("--path", default="/webhook", help="the webhook's path")
    parser.add_argument("--turns", type=int, default=0, help="hang up after N replies (0: never)")
    parser.add_argument("--calls", type=int, default=0, help="exit after N calls (0: never)")
    args = parser.parse_args(argv)
    try:
        verifier = rest.WebhookVerifier.from_env()  # OPENAI_WEBHOOK_SECRET
        client = rt.Client.from_env()
    except rt.ConfigurationError as exc:
        print(exc, file=sys.stderr)
        return 2
    async with rest.open_rest(client) as api, trio.open_nursery() as nursery:
        agent = Agent(client, api, verifier, args.turns)
        listeners = await trio.open_tcp_listeners(args.port, host=args.host)
        port = listeners[0].socket.getsockname()[1]
        print(f"listening on http://{args.host}:{port}{args.path}", flush=True)

        async def handle(stream: trio.SocketStream) -> None:
            async with stream:
                # A client that broke HTTP or hung up is dropped.
                with contextlib.suppress(h11.ProtocolError, trio.BrokenResourceError):
                    await serve_connection(stream, agent, args.path, nursery)

        nursery.start_soon(trio.serve_listeners, handle, listeners)
        while not args.calls or agent.finished < args.calls:
            await agent.changed.wait()
            agent.changed = trio.Event()
        nursery.cancel_scope.cancel()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(trio.run(main))
    except KeyboardInterrupt:
        sys.exit(130)
