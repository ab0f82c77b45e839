"""WebSocket consumers (CONTRACT §5): `/ws/trading/` and the price-only `/ws/prices/`.

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

from . import fanout, realtime
from .domain.errors import InvalidInput
from .domain.instruments import get_instrument

MAX_SYMBOLS = 20  # per socket
MAX_MESSAGE_BYTES = 4096  # a client message larger than this is refused (the socket stays open)
PRICE_FIELDS = ("symbol", "bid", "ask", "time", "source")  # /ws/prices/ `price` messages


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
    from .engine import account_figures
    from .representations import account_dict
    from .selectors import accounts_for

    return [account_dict(account, account_figures(account)) for account in accounts_for(user)]


class SymbolSubscriptions(AsyncJsonWebsocketConsumer):
    """Authentication, the per-socket symbol set and the message guard shared by both paths."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)  # before accept: the handshake is refused (HTTP 403)
            return
        self.user_id = user.pk
        self.symbols: set[str] = set()
        realtime.bind_loop()
        await self.joined()

    async def joined(self) -> None:
        await self.accept()

    async def dispatch(self, message):
        """Broadcaster events go straight to their handler. Channels' own dispatch first closes
        stale database connections in a worker thread, a thread hop per message; these handlers
        never touch the database."""
        if message["type"] in realtime.EVENT_TYPES:
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

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
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
        self.user_group = realtime.group_name("user", self.user_id)
        await self.channel_layer.group_add(self.user_group, self.channel_name)
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

    async def disconnect(self, code):
        if hasattr(self, "user_group"):
            await self.channel_layer.group_discard(self.user_group, self.channel_name)
        await super().disconnect(code)

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
