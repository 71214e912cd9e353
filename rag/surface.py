"""What the web server accepts from outside: only what the page needs.

Gradio lets any client call any event handler of a page through its queue (by fn_index), the
hidden ones too, and serves a file-upload route even when the page has no upload field. The
page itself calls its handlers through that same queue, so they cannot be switched off; instead
every request passes this ASGI middleware first:

- a Host header outside the allowed hosts is refused (400): a forged Host is the vector of
  CVE-2026-134825 (gradio 6.27 to before 6.32, with SSR; SSR is off here too);
- uploads are refused (403): the page has no upload field;
- a request body over max_request_bytes is refused (413): a question, its history and a
  rating fit in a few kilobytes, so a 5 MB "question" never reaches a handler;
- each client address may start at most rate_limit_per_minute calls a minute (429), with a
  burst of the same size, so no one client can flood the queue or the feedback database.

`launch_options(settings)` gives the extra keyword arguments of Blocks.launch that install it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse

from rag.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
_ANY_ADDRESS = ("0.0.0.0", "::", "")
# POSTs that start work on the server; the page's other requests (static files, the event stream) are reads.
_CALLS = ("/queue/join", "/call/", "/run/", "/api/")
_MAX_CLIENTS = 10_000  # rate buckets kept; the oldest is forgotten first


def allowed_hosts(settings: Settings) -> frozenset[str] | None:
    """The Host names accepted: MINSHENG_ALLOWED_HOSTS if set, else localhost and the listening
    address; None (any) when listening on every address without a list."""
    if settings.allowed_hosts.strip():
        return frozenset(h.strip().lower() for h in settings.allowed_hosts.split(",") if h.strip())
    if settings.host in _ANY_ADDRESS:
        return None
    return frozenset({*_LOCAL_HOSTS, settings.host.lower()})


def _host_name(value: str) -> str:
    if value.startswith("["):  # [::1]:7860
        return value.split("]")[0] + "]"
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class RateLimiter:
    """A token bucket per client: `per_minute` calls a minute, bursts of the same size."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        if self.per_minute <= 0:
            return True
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60)
            allowed = tokens >= 1
            self._buckets[client] = (tokens - 1 if allowed else tokens, now)
            while len(self._buckets) > _MAX_CLIENTS:
                self._buckets.popitem(last=False)
        return allowed


class _TooLarge(Exception):
    pass


class Surface:
    """The ASGI middleware in front of the Gradio app (see the module docstring)."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str] | None, max_body: int, limiter: RateLimiter):
        self.app = app
        self.hosts = hosts
        self.max_body = max_body
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            if scope["type"] == "http":
                await PlainTextResponse(refusal[1], status_code=refusal[0])(scope, receive, send)
            else:
                await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] == "http" and scope.get("method") == "POST":
            await self._bounded(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        if self.hosts is not None and _host_name(headers.get("host", "").lower()) not in self.hosts:
            return 400, "Unknown host."
        path = scope.get("path", "")
        if path.rstrip("/").endswith("/upload") or "/upload_progress" in path:
            return 403, "Uploads are off: this page takes questions, not files."
        if scope.get("method") != "POST":
            return None
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            return 413, f"Request too large (at most {self.max_body} bytes)."
        client = (scope.get("client") or ("?", 0))[0]
        if any(c in path for c in _CALLS) and not self.limiter.allow(client):
            return 429, "Too many requests: please wait a moment and ask again."
        return None

    async def _bounded(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, refusing it once its body (even one sent without a length) grows too large."""
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await PlainTextResponse(f"Request too large (at most {self.max_body} bytes).", status_code=413)(
                    scope, receive, send
                )


def middleware(settings: Settings) -> Middleware:
    return Middleware(
        Surface,
        hosts=allowed_hosts(settings),
        max_body=settings.max_request_bytes,
        limiter=RateLimiter(settings.rate_limit_per_minute),
    )


def launch_options(settings: Settings) -> dict[str, Any]:
    """Extra keyword arguments for Blocks.launch: the middleware above, and no file may be uploaded."""
    return {"app_kwargs": {"middleware": [middleware(settings)]}, "max_file_size": 0}
