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

Not kept from Django's handler: listening for a client disconnect while the view runs, which
only helps async views (a sync view cannot be interrupted).
"""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse
from django.urls import set_script_prefix, set_urlconf


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self):
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

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
            response = await sync_to_async(self._respond, thread_sensitive=False)(scope, body_file)
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
