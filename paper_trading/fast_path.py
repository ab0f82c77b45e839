"""Every use of a dependency's private or undocumented API, in one place, behind `FAST_PATH`.

Each class or function here names the private thing it relies on and why; `tests/test_fast_path.py`
holds one test per use that fails when the dependency changes it, and runs the API with the
setting off. With `settings.FAST_PATH` off (`FAST_PATH=false`) each use falls back to the
dependency's ordinary public behaviour; what the API, the WebSockets and the dashboard show does
not change. Figures: docs/performance.md ("Eighth session: issue 15").

Two uses are not switched by the setting: `FormlessServer` (without it Twisted answers some bodies
with its own bare 400 before Django sees them, which would change the API's error body) and
`orm_values` (the hand-written SQL's rows need the ORM's converters; there is no public way).
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
import weakref
from contextlib import contextmanager

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse
from django.urls import set_script_prefix, set_urlconf
from django.utils.functional import cached_property


def enabled() -> bool:
    """`settings.FAST_PATH` (default on)."""
    return getattr(settings, "FAST_PATH", True)


# ---- DRF: declared fields built once per thread ------------------------------------------------
class ReusedFields:
    """Serializer mixin: declared fields built once per thread and re-bound to each new instance.

    Relies on DRF internals: `rest_framework.utils.serializer_helpers.BindingDict` (the mapping
    `Serializer.fields` returns, which binds a field when it is stored) and re-pointing an already
    bound field's `parent` at the new serializer. DRF deep-copies every declared field for every
    instance; the order endpoints validate one body per request. The fields keep no state between
    validations, and a thread validates one body at a time. Off: DRF's own `fields`.
    """

    _built = threading.local()

    @cached_property
    def fields(self):
        if not enabled():
            return super().fields
        from rest_framework.utils.serializer_helpers import BindingDict

        fields = self._built.__dict__.get(type(self))
        if fields is None:
            fields = self._built.__dict__[type(self)] = BindingDict(self)
            for name, field in self.get_fields().items():
                fields[name] = field
        else:
            fields.serializer = self
            for field in fields.values():
                field.parent = self
        return fields


# ---- channels_redis: owners' events published by the committing thread -------------------------
class DirectPublisher:
    """Owners' events onto the Redis pub/sub channel layer, published by the calling thread.

    Relies on channels_redis's undocumented wire format: a group's messages go to the Redis pub/sub
    channel `<prefix>__group__<group>`, encoded by the layer's `serialize`. With it an order's
    events skip the server's loop and its async Redis client (docs/decisions/0004) for one blocking
    PUBLISH from the request's thread, after its commit. Only for a single Redis host, so no shard
    has to be chosen the way the layer chooses it. After a failure (Redis down) the broadcaster
    sends through the loop for `COOL_DOWN` seconds, so a dead Redis holds up at most one request in
    that time. Off (`for_layer` returns None): every event goes through the layer's own `group_send`
    on the loop.
    """

    COOL_DOWN = 5.0
    TIMEOUT = 1.0

    def __init__(self, layer, config: dict):
        import redis

        self.layer = layer
        self.prefix = config.get("prefix", "asgi")
        (host,) = config["hosts"]
        # Request threads publish at once; the pool is bounded like the cache's
        # (REDIS_MAX_CONNECTIONS), and a thread that finds it busy waits at most TIMEOUT.
        self._client = redis.Redis(
            connection_pool=redis.BlockingConnectionPool.from_url(
                host if isinstance(host, str) else host["address"],
                max_connections=settings.REDIS_MAX_CONNECTIONS,
                timeout=self.TIMEOUT,
                socket_timeout=self.TIMEOUT,
                socket_connect_timeout=self.TIMEOUT,
            )
        )
        self.resting_until = 0.0

    @classmethod
    def for_layer(cls, layer, alias: str):
        """A publisher for `layer` (configured as `alias`) if the fast path is on and it is the
        Redis pub/sub layer on one host; otherwise None."""
        if not enabled():
            return None
        from channels_redis.pubsub import RedisPubSubChannelLayer

        config = settings.CHANNEL_LAYERS[alias].get("CONFIG", {})
        if not isinstance(layer, RedisPubSubChannelLayer) or len(config.get("hosts", ())) != 1:
            return None
        return cls(layer, config)

    def usable(self) -> bool:
        """Not on an event loop's thread (a blocking call there would stall the loop), and not
        resting after a failure."""
        if time.monotonic() < self.resting_until:
            return False
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return True
        return False

    def send(self, group: str, message: dict) -> None:
        """PUBLISH one channel-layer message to `group`; raises what redis-py raises, and then
        rests for `COOL_DOWN` seconds."""
        try:
            self._client.publish(f"{self.prefix}__group__{group}", self.layer.serialize(message))
        except Exception:
            self.resting_until = time.monotonic() + self.COOL_DOWN
            raise


# ---- Django: the HTTP handler ------------------------------------------------------------------
def http_application():
    """The ASGI application for HTTP: `SyncChainASGIHandler` on the fast path, else Django's own
    `ASGIHandler` (what `get_asgi_application()` returns)."""
    if not enabled():
        return ASGIHandler()
    return SyncChainASGIHandler()


class SyncChainASGIHandler(ASGIHandler):
    """Django's ASGIHandler serving each HTTP request in one hop to a pooled thread.

    Relies on undocumented parts of `django.core.handlers.asgi.ASGIHandler`: `read_body`,
    `create_request`, `send_response`, `chunk_size`, `get_script_prefix`, the response's
    `_handler_class`, and building the middleware chain with `load_middleware(is_async=False)`.
    Django's handler runs the chain in async mode (each MiddlewareMixin middleware crosses
    from the loop to a thread and back), starts a one-thread executor per request, and hops
    to a thread three times (`request_started`, the view, `request_finished`). Our views are
    all synchronous, so this runs the three in one call on the loop's thread pool, the way a
    threaded WSGI server runs Django. A response that is not streamed is closed (its database
    connection returned) before its bytes are sent; a streamed one after, as Django does. Not
    kept: listening for a client disconnect while the view runs (only async views can stop).
    """

    def __init__(self):
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        # One wrapper for every request: a SyncToAsync built per call inspects and wraps it.
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
        """`request_started`, the middleware chain and view, and (unless streamed)
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


# ---- daphne / Twisted: request bodies left to Django -------------------------------------------
def formless_server_class():
    """daphne's `Server`, whose requests leave POST bodies to Django (not switched by FAST_PATH).

    Relies on Twisted's private `Request._parsePOSTFormSubmission`, the attribute behind the public
    `parsePOSTFormSubmission` constructor argument, and on daphne's `protocol_connected` being
    called from the request's constructor, before any body arrives. daphne builds its requests
    without that argument and gives no way to pass it. Twisted would parse every form body into
    `request.args` (which daphne never reads; measured in docs/performance.md) and answer a
    multipart body it cannot parse with a bare 400 of its own, before Django can answer with the
    API's error body (docs/api.md, "Errors").
    """
    from daphne.http_protocol import WebRequest
    from daphne.server import Server

    class FormlessServer(Server):
        def protocol_connected(self, protocol):
            if isinstance(protocol, WebRequest):
                protocol._parsePOSTFormSubmission = False
            super().protocol_connected(protocol)

    return FormlessServer


# ---- persistence: the order path's kept statement cursors (paper_trading/persistence) ---------
# Relied on: psycopg keeps a cursor's parameter dumpers and column loaders while the cursor runs
# the same query object again, and a Django backend wraps a cursor it did not open itself with the
# steps of its own `cursor()` (`validate_thread_sharing`, `make_cursor`, `make_debug_cursor`,
# `create_cursor`: public names, not a documented API). Off: `db.cursor()` for every statement.

# psycopg connection -> {(prepare, sql): its cursor}, for as long as the pooled connection lives.
_kept_cursors: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@contextmanager
def kept_statement_cursor(db, sql: str, *, prepare: bool = False):
    """A Django cursor (query logging, error translation) that runs the fixed statement `sql` on
    this PostgreSQL connection, the same one from one execution to the next; with `prepare`,
    psycopg prepares it on its first run (not while Django logs queries, whose log reads the
    statement psycopg records only when it sends it unprepared). Off, or on another database:
    `db.cursor()`."""
    if not enabled() or db.vendor != "postgresql":
        with db.cursor() as cursor:
            yield cursor
        return
    prepare = (
        prepare and not db.queries_logged and db.settings_dict["OPTIONS"].get("prepare_threshold") is not None
    )
    db.close_if_health_check_failed()
    db.ensure_connection()
    with db.wrap_database_errors:
        kept = _kept_cursors.get(db.connection)
        if kept is None:
            kept = _kept_cursors[db.connection] = {}
        cursor = kept.get((prepare, sql))
        if cursor is None or cursor.closed:
            cursor = kept[prepare, sql] = (
                preparing_cursor_class()(db.connection) if prepare else db.create_cursor()
            )
    db.validate_thread_sharing()
    yield db.make_debug_cursor(cursor) if db.queries_logged else db.make_cursor(cursor)


@functools.cache
def preparing_cursor_class() -> type:
    """psycopg's server-binding cursor, asking psycopg (its public `prepare=True`) to prepare every
    statement it runs: Django's cursor wrapper calls `execute(sql, params)` without it."""
    import psycopg

    class PreparingCursor(psycopg.Cursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


# ---- persistence: raw rows valued by the ORM's own converters -----------------------------------
# Relied on: `Field.get_col`, `connection.ops.get_db_converters` and `Field.get_db_converters`,
# what the ORM's compiler calls for each selected column (public names, not a documented API;
# `from_db_value` alone misses the backend's converters: SQLite returns floats and text).
_CONVERTERS: dict[tuple, tuple] = {}


def _converters(db, fields: tuple) -> list:
    # Keyed by identity: hashing fifty `Field`s per lookup cost more than the lookup saved.
    # Callers pass module-level tuples, so the ids stay valid.
    key = (db.vendor, id(fields))
    found = _CONVERTERS.get(key)
    if found is None or found[0] is not fields:  # (an id can be reused by a new tuple)
        converters = []
        for index, field in enumerate(fields):
            col = field.get_col(field.model._meta.db_table)
            functions = db.ops.get_db_converters(col) + field.get_db_converters(db)
            if functions:
                converters.append((index, functions, col))
        found = _CONVERTERS[key] = (fields, converters)
    return found[1]


def orm_values(db, rows: list[tuple], fields: tuple) -> list[tuple]:
    """`rows` of a hand-written SELECT whose columns are the model `fields` (a module-level tuple),
    valued as the ORM values them (not switched by FAST_PATH: it is how the SQL layer reads)."""
    converters = _converters(db, fields)
    if not converters:
        return rows
    converted = []
    for row in rows:
        row = list(row)
        for index, functions, col in converters:
            value = row[index]
            for function in functions:
                value = function(value, col, db)
            row[index] = value
        converted.append(tuple(row))
    return converted
