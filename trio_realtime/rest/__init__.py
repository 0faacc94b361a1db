"""REST calls of the Realtime API over httpx (the ``rest`` extra).

The HTTP core, `RestTransport`, addresses and authenticates requests exactly
as the WebSocket handshake does (one `trio_realtime.Client` for both) and maps
every failure into the library's error tree.
"""

from __future__ import annotations

from ._http import DEFAULT_REST_OPTIONS as DEFAULT_REST_OPTIONS
from ._http import MultipartField as MultipartField
from ._http import RestOptions as RestOptions
from ._http import RestResponse as RestResponse
from ._http import RestTransport as RestTransport
from ._http import open_rest_transport as open_rest_transport

__all__ = [
    "DEFAULT_REST_OPTIONS",
    "MultipartField",
    "RestOptions",
    "RestResponse",
    "RestTransport",
    "open_rest_transport",
]
