"""WebSocket consumers (docs/websocket.md): `/ws/trading/` and the price-only `/ws/prices/`.

Thin edges: a consumer authenticates, joins groups built by `realtime.group_name`, validates
what the client sends, and forwards the events the broadcaster routes to its groups. Event
handler names are the event types (Channels dispatches on the message `type`). Nothing here
trades; the ORM is reached through `database_sync_to_async` only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from . import fanout, realtime, socket_limits
from .domain.errors import InvalidInput
from .domain.instruments import get_instrument

MAX_SYMBOLS = 20  # per socket
MAX_MESSAGE_BYTES = 4096  # a client message larger than this is refused (the socket stays open)
PRICE_FIELDS = ("symbol", "bid", "ask", "time", "source")  # /ws/prices/ `price` messages
# Close codes (docs/websocket.md): credentials missing or ended, and a limit broken. Before
# accept a close is the HTTP 403 refusal and the code is not seen by the client.
CLOSE_UNAUTHORIZED = 4401
CLOSE_LIMITED = 4429


class BadMessage(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def parse_symbols(value, *, have: set[str]) -> list[str]:
    """Registry symbols from a client's `symbols` list; all of them valid or none taken."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise BadMessage("invalid_symbols", "symbols must be a non-empty list of symbol names.")
    symbols, unknown = [], []
    for raw in value:
        try:
            symbol = get_instrument(raw).symbol
        except InvalidInput:  # unknown or blank
            unknown.append(raw)
            continue
        if symbol not in symbols:
            symbols.append(symbol)
    if unknown:
        raise BadMessage("unknown_symbol", f"Unknown symbol(s): {', '.join(unknown[:10])}.")
    if len(have | set(symbols)) > MAX_SYMBOLS:
        raise BadMessage("too_many_symbols", f"At most {MAX_SYMBOLS} symbols per connection.")
    return symbols


@database_sync_to_async
def accounts_of(user) -> list[dict]:
    from .representations import account_dict
    from .selectors import account_figures, accounts_for

    return [account_dict(account, account_figures(account)) for account in accounts_for(user)]


class SymbolSubscriptions(AsyncJsonWebsocketConsumer):
    """Authentication, the socket cap, the user's group (which carries `session_ended`), the
    per-socket symbol set and the message guard shared by both paths."""

    slot: str | None = None
    user_group: str | None = None
    closing = False

    async def release_slot(self) -> None:
        if self.slot is not None:
            slot, self.slot = self.slot, None
            await socket_limits.slots().release(self.user_id, slot)

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHORIZED)  # before accept: the handshake is refused (HTTP 403)
            return
        self.user_id = user.pk
        self.symbols: set[str] = set()
        self.slot = await socket_limits.slots().acquire(self.user_id, settings.WS_MAX_SOCKETS_PER_USER)
        if self.slot is None:
            await self.close(code=CLOSE_LIMITED)  # the user has the most sockets open: HTTP 403
            return
        self.rate = socket_limits.MessageRate(
            settings.WS_MAX_MESSAGES_PER_SECOND, settings.WS_RATE_LIMIT_CLOSE_SECONDS
        )
        try:
            realtime.bind_loop()
            self.user_group = realtime.group_name("user", self.user_id)
            await self.channel_layer.group_add(self.user_group, self.channel_name)
            await self.joined()
        except BaseException:
            await self.disconnect(CLOSE_UNAUTHORIZED)  # give the slot back
            raise

    async def joined(self) -> None:
        await self.accept()

    async def dispatch(self, message):
        """Broadcaster events go straight to their handler. Channels' own dispatch first closes
        stale database connections in a worker thread, a thread hop per message; these handlers
        never touch the database."""
        if message["type"] in realtime.EVENT_TYPES:
            if not self.closing:
                await getattr(self, message["type"])(message)
        elif message["type"] == realtime.BATCH:
            for event in realtime.unbatched(message):
                await self.dispatch(event)
        else:
            await super().dispatch(message)

    async def disconnect(self, code):
        for symbol in list(getattr(self, "symbols", ())):
            await fanout.hub().leave(symbol, self)
        self.symbols = set()
        if self.user_group is not None:
            group, self.user_group = self.user_group, None
            await self.channel_layer.group_discard(group, self.channel_name)
        await self.release_slot()

    async def session_ended(self, message):
        """The user signed out or revoked a token (`realtime.end_sockets_on_logout`)."""
        if message.get("user_id") == self.user_id:
            await self.send_json(
                {"type": "error", "code": "logged_out", "message": "Signed out: sign in again to reconnect."}
            )
            await self.close(code=CLOSE_UNAUTHORIZED)
            self.closing = True

    async def _ignore(self, message):
        """A private event on a path that does not carry it (`/ws/prices/`)."""

    trade_execution = trade_updated = trade_closed = _ignore
    account_update = margin_call = signal_alert = decision = _ignore

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self.closing:
            return
        verdict = self.rate.check()
        if verdict != "ok":
            await self.limited(verdict)
            return
        try:
            if bytes_data is not None or text_data is None:
                raise BadMessage("bad_message", "Messages are JSON text frames.")
            if len(text_data.encode()) > MAX_MESSAGE_BYTES:
                raise BadMessage("message_too_large", f"Messages are limited to {MAX_MESSAGE_BYTES} bytes.")
            try:
                content = json.loads(text_data)
            except ValueError:
                raise BadMessage("bad_json", "The message is not valid JSON.") from None
            if not isinstance(content, dict):
                raise BadMessage("bad_message", "A message is a JSON object with a type.")
            await self.receive_json(content)
        except BadMessage as exc:
            await self.send_json({"type": "error", "code": exc.code, "message": exc.message})

    async def limited(self, verdict: str) -> None:
        """A message over WS_MAX_MESSAGES_PER_SECOND is dropped; at most one `rate_limited` error
        a second says so, and a socket that keeps it up for WS_RATE_LIMIT_CLOSE_SECONDS is closed."""
        limit = self.rate.limit
        if verdict == "refuse":
            message = f"More than {limit} messages in a second: this one was not processed."
        elif verdict == "close":
            message = f"Over {limit} messages a second for {self.rate.close_after:g} s: closing."
        else:
            return
        await self.send_json({"type": "error", "code": "rate_limited", "message": message})
        if verdict == "close":
            await self.close(code=CLOSE_LIMITED)
            self.closing = True

    # How a client names a command on this path, and the error for one it does not know.
    command_keys: tuple[str, ...] = ("type",)
    reply_key = "type"
    unknown_command = ("unknown_type", "Unknown message type {!r}: use subscribe, unsubscribe or ping.")

    async def receive_json(self, content, **kwargs):
        kind = next((content[k] for k in self.command_keys if content.get(k)), None)
        if kind in ("subscribe", "unsubscribe"):
            change = self.subscribe if kind == "subscribe" else self.unsubscribe
            symbols = await change(content.get("symbols"))
            await self.send_json({self.reply_key: f"{kind}d", "symbols": symbols})
        elif kind == "ping":
            await self.send_json({"type": "pong", "timestamp": _now()})
        else:
            code, message = self.unknown_command
            raise BadMessage(code, message.format(kind))

    async def subscribe(self, value) -> list[str]:
        symbols = parse_symbols(value, have=self.symbols)
        for symbol in symbols:
            if symbol not in self.symbols:
                await fanout.hub().join(symbol, self)
                self.symbols.add(symbol)
        return sorted(self.symbols)

    async def unsubscribe(self, value) -> list[str]:
        symbols = parse_symbols(value, have=set())
        for symbol in symbols:
            if symbol in self.symbols:
                await fanout.hub().leave(symbol, self)
                self.symbols.discard(symbol)
        return symbols


class TradingConsumer(SymbolSubscriptions):
    """`/ws/trading/`: the owner's trade, account, signal and decision events, plus prices and
    bars of the subscribed symbols."""

    async def joined(self) -> None:
        await self.accept()
        user = self.scope["user"]
        await self.send_json(
            {
                "type": "connection",
                "user": {"id": user.pk, "username": user.get_username()},
                "accounts": await accounts_of(user),
                "timestamp": _now(),
            }
        )

    # ---- events from the broadcaster (names = event types) ---------------------------------
    async def _private(self, message):
        if message.get("user_id") == self.user_id:  # the group already guarantees it; belt and braces
            await self.send_json(message["payload"])

    trade_execution = trade_updated = trade_closed = _private
    account_update = margin_call = signal_alert = decision = _private

    async def market_event(self, message):
        """Prices and bars of the subscribed symbols, from this process's fan-out hub."""
        await self.send(text_data=message["text"])


class PricesConsumer(SymbolSubscriptions):
    """`/ws/prices/`: the price stream only, with `action` messages."""

    command_keys = ("action", "type")
    reply_key = "action"
    unknown_command = ("unknown_action", "Unknown action {!r}: use subscribe or unsubscribe.")

    async def market_event(self, message):
        if message["type"] == "price_update":
            if "price_text" not in message:  # encoded once for every socket of this process
                p = message["payload"]
                message["price_text"] = json.dumps({"type": "price", **{k: p[k] for k in PRICE_FIELDS}})
            await self.send(text_data=message["price_text"])
