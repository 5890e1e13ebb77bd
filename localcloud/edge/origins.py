"""Which page a browser's request comes from, for the edge's own state-changing routes (console, fault rules).

A web page of any origin can make the developer's browser send a "simple" POST (a form, or fetch without custom
headers) to 127.0.0.1, with no preflight: CORS only keeps the page from reading the answer, not the request from
acting. Browsers name the sending page's origin in `Origin` (and in `Referer`, which older ones send alone), so a
route that changes state checks it against its own. The own origin must also be a loopback one: a page whose
host name was rebound to 127.0.0.1 sends its own name as Host and Origin alike.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.wrappers import Request

_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def requesting_origin(request: Request) -> str | None:
    """The origin the browser says sent the request: Origin, or the origin of Referer; None when neither is sent
    (a CLI, an SDK, curl)."""
    origin = request.headers.get("Origin")
    if origin:
        return origin.rstrip("/")
    referer = request.headers.get("Referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "null"
    return None


def own_origin(request: Request) -> str | None:
    """The origin of the route itself, as the browser addressed it, if it is a loopback one."""
    parts = urlsplit(request.host_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.hostname in _LOOPBACK_HOSTS else None


def is_foreign(request: Request) -> bool:
    """Does the request say it comes from a page of another origin than the route's own?"""
    origin = requesting_origin(request)
    return origin is not None and origin != own_origin(request)


def refused_origin_message(request: Request, what: str) -> str:
    return (f"{what} only from the local cloud's own pages: this request comes from "
            f"{requesting_origin(request) or 'no page (no Origin or Referer header)'}, "
            f"not from {own_origin(request) or 'a loopback address'}")
