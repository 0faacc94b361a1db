"""``python -m trio_realtime``: the offline demo, a text chat, and the standalone fake server."""

from __future__ import annotations

import sys

from ._cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
