"""The ``python -m trio_realtime`` command line: ``demo``, ``chat`` and ``serve-fake``."""

from __future__ import annotations

import argparse
import math
import os
import random
import signal
import sys
from collections.abc import Sequence

import trio

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    # `python -m trio_realtime` or the `trio-realtime` console script.
    script = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    prog = "python -m trio_realtime" if script in ("", "__main__.py", "-c") else script
    parser = argparse.ArgumentParser(
        prog=prog,
        description="trio-realtime: a trio-native client for the OpenAI Realtime API.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="an offline, scripted conversation against the embedded fake server",
        description="Run a scripted conversation (text, a tool call, a spoken turn) against "
        "the embedded fake Realtime server, streaming each reply, then print the latency "
        "this client measured. Needs no network and no API key.",
    )
    demo.add_argument(
        "--delta-size", type=int, default=4, help="characters per text delta (default 4)"
    )
    demo.add_argument(
        "--interval",
        type=float,
        default=0.02,
        help="seconds between deltas, so the streaming is visible (default 0.02; 0 = burst)",
    )

    chat = commands.add_parser(
        "chat",
        help="an interactive text chat (real API with OPENAI_API_KEY, or --fake)",
        description="Chat in text, streaming each reply. Uses the OpenAI Realtime API when "
        "OPENAI_API_KEY is set, or the offline fake server with --fake.",
    )
    chat.add_argument("--fake", action="store_true", help="chat with the embedded fake server")
    chat.add_argument(
        "--model", default="gpt-realtime-2.1", help="model (default gpt-realtime-2.1)"
    )

    serve = commands.add_parser(
        "serve-fake",
        help="run the fake Realtime server standalone (for other languages' tests)",
        description="Serve the fake Realtime API until Ctrl-C. Clients use "
        "ws://HOST:PORT/v1/realtime?model=... with any key as a bearer token, or the "
        "--api-key one if given.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    serve.add_argument(
        "--api-key", default=None, help="accept only this key (default: accept any key)"
    )
    serve.add_argument(
        "--lenient",
        action="store_true",
        help="accept any model name and any path ending like the API's (default: refuse "
        "unknown models and wrong paths as the service does)",
    )
    serve.add_argument("--delta-size", type=int, default=8, help="characters per text delta")
    serve.add_argument("--interval", type=float, default=0.0, help="seconds between deltas")
    serve.add_argument(
        "--tool-call",
        action="append",
        default=[],
        type=_tool_call,
        metavar="NAME[=JSON]",
        help="on every user turn whose session offers tool NAME, call it with the JSON "
        "arguments (default {}); repeat for parallel calls. Answers in words after the "
        "tool output.",
    )
    # The fake's Faults, for testing a client's reconnect from outside the process.
    faults = serve.add_argument_group(
        "faults", "failures to inject, on every connection (see trio_realtime.testing.Faults)"
    )
    faults.add_argument(
        "--session-duration",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="end each session SECONDS after it opened, like the service at its limit: "
        "an error event session_expired, then a close",
    )
    faults.add_argument(
        "--drop-after",
        type=_positive_int,
        default=None,
        metavar="EVENTS",
        help="reset each connection's TCP link (no close frame) after it sent EVENTS events",
    )
    faults.add_argument(
        "--drop-chance",
        type=_probability,
        default=0.0,
        metavar="P",
        help="after any event sent, drop the connection with probability P (0 to 1)",
    )
    faults.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed for --drop-chance's draws, so that a run can be repeated",
    )
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of at least 1")
    return value


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a probability from 0 to 1")
    return value


def _tool_call(text: str) -> object:
    import json

    from .testing import ToolCall

    name, _, arguments = text.partition("=")
    if not name:
        raise argparse.ArgumentTypeError(f"{text!r}: give a tool name, as NAME or NAME=JSON")
    if not arguments:
        return ToolCall(name)
    try:
        decoded = json.loads(arguments)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: the arguments are not JSON ({exc})") from None
    if not isinstance(decoded, dict):
        raise argparse.ArgumentTypeError(f"{text!r}: the arguments must be a JSON object")
    return ToolCall(name, arguments)


async def _serve_fake(args: argparse.Namespace) -> int:
    from .testing import (
        DEFAULT_API_KEY,
        Faults,
        echo_responder,
        open_fake_server,
        tool_rule_responder,
    )

    rules = list(args.tool_call)
    faults = Faults(
        session_duration=args.session_duration,
        drop_after=args.drop_after,
        drop_chance=args.drop_chance,
        rng=random.Random(args.seed),
    )
    # Opened before the server, so that no Ctrl-C after the banner is missed.
    with trio.open_signal_receiver(signal.SIGINT) as interrupts:
        async with open_fake_server(
            responder=tool_rule_responder(rules) if rules else echo_responder,
            host=args.host,
            port=args.port,
            api_key=args.api_key or DEFAULT_API_KEY,
            accept_any_key=args.api_key is None,
            delta_size=args.delta_size,
            delta_interval=args.interval,
            faults=faults,
            record_received=False,
            strict=not args.lenient,
        ) as server:
            print("fake Realtime server listening", flush=True)
            print(f"  websocket url: {server.url}", flush=True)
            print(f"  base url:      {server.base_url}", flush=True)
            print(f"  webhook secret: {server.rest.webhook_secret}", flush=True)
            if server.accept_any_key:
                print("  api key:       any (start with --api-key KEY to require one)", flush=True)
            else:
                # Not echoed: it may be a key the user keeps private.
                print("  api key:       only the one given with --api-key", flush=True)
            for rule in rules:
                print(f"  tool call:     {rule.name} {rule.arguments_json()}", flush=True)
            for flag, value in (
                ("session duration", args.session_duration),
                ("drop after", args.drop_after),
                ("drop chance", args.drop_chance or None),
            ):
                if value is not None:
                    print(f"  {flag}: {value:g}", flush=True)
            if args.lenient:
                print("  lenient:       any model name and path prefix accepted", flush=True)
            print("press Ctrl-C to stop", flush=True)
            # Ctrl-C is awaited here as a signal, not left to the KeyboardInterrupt
            # trio raises in whichever task is running when it lands: in the reader
            # task of a connection that is just closing (so in a cancelled scope),
            # the next cleanup checkpoint raises Cancelled over it, the scope
            # swallows that, and the server went on serving. Leaving the block
            # normally also says goodbye (1001) to clients still connected.
            async for _ in interrupts:
                break
    print("\nstopped", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            from ._demo import run_demo

            return trio.run(
                lambda: run_demo(
                    sys.stdout, delta_size=args.delta_size, delta_interval=args.interval
                )
            )
        if args.command == "chat":
            from ._chat import run_chat

            # Ctrl-C only at a checkpoint of the main task, where it unwinds the
            # chat, never raised inside a connection's task that may be
            # cancelled already and lose it (see _serve_fake).
            return trio.run(
                lambda: run_chat(fake=args.fake, model=args.model),
                restrict_keyboard_interrupt_to_checkpoints=True,
            )
        return trio.run(_serve_fake, args)
    except KeyboardInterrupt:
        # Ctrl-C is how serve-fake and chat are meant to stop.
        print("\nstopped", file=sys.stderr)
        return 0 if args.command == "serve-fake" else 130
