"""An ASGI handler that serves each HTTP request in one hop to a pooled thread.

Django's own ASGIHandler runs the middleware chain in async mode (every MiddlewareMixin
middleware then crosses from the event loop to a thread and back), starts a new one-thread
executor, i.e. a new thread with its own database wrapper, for every request
(`ThreadSensitiveContext`), and hops to a thread three times: to send `request_started`, to run
the view, and to close the response (`request_finished`). Our HTTP views are all synchronous, so
this handler builds the chain in sync mode and does all three in one call on the event loop's
thread pool, the way a threaded WSGI server runs Django. A response that is not streamed is
closed (its database connection returned to the pool) before its bytes are sent; a streamed one
(static files) after, as Django does. Measured with `benchmark api --floor django`
(docs/performance.md). Request parsing and the response path stay Django's; WebSockets go
through Channels, not through this handler.

Building the handler also loads every view and tunes the garbage collector for a long-lived
server process (`_tune_garbage_collector`).

Not kept from Django's handler: listening for a client disconnect while the view runs, which
only helps async views (a sync view cannot be interrupted).
"""

import gc

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse
from django.urls import get_resolver, set_script_prefix, set_urlconf


def _tune_garbage_collector() -> None:
    """Keep full collections out of the request path (measured in docs/performance.md).

    A full collection stops every request of the process while it walks every tracked object:
    80-90 ms of CPU with the app loaded and a few thousand trades in the trigger book, about once
    per 1,500 API orders, which alone set the benchmark's p99. What is loaded by now lives as
    long as the process, so it is frozen out of the scans; and a full collection waits for 1,000
    middle-generation ones instead of 10 (young cycles are still collected by the cheap
    generations; refcounting frees everything else as before).
    """
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 1000)


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self):
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        get_resolver().url_patterns  # noqa: B018 - import every view now, not on the first request
        _tune_garbage_collector()
        # One wrapper for every request: building a SyncToAsync inspects and wraps the function
        # (1-2 % of an API order's server CPU when done per call).
        self._respond_in_thread = sync_to_async(self._respond, thread_sensitive=False)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def handle(self, scope, receive, send):
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            response = await self._respond_in_thread(scope, body_file)
            await self.send_response(response, send)
            if response.streaming:
                await sync_to_async(response.close, thread_sensitive=False)()
        finally:
            body_file.close()

    def _respond(self, scope, body_file):
        """`request_started`, the request, the middleware chain and view, and (unless streamed)
        `response.close()`, which sends `request_finished`: all on one thread."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self._sync_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
        return response

    def _sync_response(self, request):
        set_urlconf(settings.ROOT_URLCONF)
        return self.get_response(request)
