"""``examples/sip_agent.py`` end to end against ``serve-fake``, as CI runs it.

serve-fake and the example run as subprocesses; the test makes the fake ring
(its ``/fake/incoming_calls`` endpoint delivers a signed webhook to the
example), and the example must verify it, accept the call, hear the agent's
greeting on the sideband connection and hang up. A forged delivery must be
refused with 400.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import partial
from pathlib import Path

import httpx
import trio
from _serve_fake import start_serve_fake
from test_examples import _env  # pyright: ignore[reportPrivateUsage]

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "sip_agent.py"


async def test_sip_agent_answers_a_call_from_the_fake() -> None:
    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            env = await start_serve_fake(nursery, _env())
            command = [sys.executable, str(EXAMPLE), "--port", "0", "--turns", "1", "--calls", "1"]
            agent: trio.Process = await nursery.start(
                partial(
                    trio.run_process,
                    command,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=env,
                    check=False,
                )
            )
            assert agent.stdout is not None
            out = b""
            while b"listening on" not in out or not out.endswith(b"\n"):
                chunk = await agent.stdout.receive_some(4096)
                assert chunk, "the example exited early"
                out += chunk
            found = re.search(rb"listening on (\S+)", out)
            assert found
            webhook_url = found.group(1).decode()
            base_url = env["OPENAI_BASE_URL"]
            headers = {"Authorization": f"Bearer {env['OPENAI_API_KEY']}"}
            async with httpx.AsyncClient() as http:
                forged = await http.post(
                    webhook_url,
                    content=b'{"type": "realtime.call.incoming"}',
                    headers={
                        "webhook-id": "x",
                        "webhook-timestamp": "1",
                        "webhook-signature": "v1,AA==",
                    },
                )
                assert forged.status_code == 400
                rang = await http.post(
                    f"{base_url}/fake/incoming_calls",
                    json={"webhook_url": webhook_url},
                    headers=headers,
                )
            assert rang.status_code == 200, rang.text
            answer = json.loads(rang.content)
            assert answer["webhook_status"] == 200
            call_id = answer["call_id"]
            async for chunk in agent.stdout:
                out += chunk
            await agent.wait()
            assert agent.returncode == 0, out.decode()
            nursery.cancel_scope.cancel()
    text = out.decode()
    assert "refused a delivery" in text
    assert f"call {call_id} from <sip:+14155550123@sip.example.com>;tag=fake: accepted" in text
    assert "agent: Hello from the fake Realtime server." in text
    assert f"call {call_id}: hung up" in text
