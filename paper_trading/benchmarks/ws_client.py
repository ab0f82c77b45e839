"""One client process of `benchmark ws`: many real WebSocket connections in one asyncio loop.

Reads a JSON job on stdin ({"urls", "origin", "symbols"}), connects and subscribes every socket,
prints READY, records the arrival time of every `price_update` until a STOP line arrives on
stdin, then prints one JSON object: how many sockets connected and, per "SYMBOL bid", the
arrival times (UNIX seconds). No Django here: the process is a plain client.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time

import websockets


async def one_socket(
    url: str, origin: str | None, symbols: list[str], arrivals: dict, ready: asyncio.Event, state
):
    try:
        async with websockets.connect(url, origin=origin, open_timeout=30, max_queue=None) as ws:
            await ws.recv()  # connection
            await ws.send(json.dumps({"type": "subscribe", "symbols": symbols}))
            while json.loads(await ws.recv()).get("type") != "subscribed":
                pass
            state["connected"] += 1
            if state["connected"] + state["failed"] == state["total"]:
                ready.set()
            async for frame in ws:
                now = time.time()
                if '"price_update"' in frame:
                    message = json.loads(frame)
                    arrivals.setdefault(f"{message['symbol']} {message['bid']}", []).append(now)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - counted: the benchmark reports failed sockets
        state["errors"].append(f"{type(exc).__name__}: {exc}"[:200])
        if not ready.is_set():
            state["failed"] += 1
            if state["connected"] + state["failed"] == state["total"]:
                ready.set()
        else:
            state["dropped"] += 1


async def main() -> None:
    job = json.loads(sys.stdin.readline())
    arrivals: dict[str, list[float]] = {}
    state = {"connected": 0, "failed": 0, "dropped": 0, "total": len(job["urls"]), "errors": []}
    ready = asyncio.Event()
    tasks = []
    for i, url in enumerate(job["urls"]):
        tasks.append(
            asyncio.create_task(one_socket(url, job["origin"], job["symbols"], arrivals, ready, state))
        )
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # a handshake burst of 500 at once only measures the backlog
    await ready.wait()
    # The arrival lists grow to hundreds of thousands of floats; the collector's full passes over
    # them would stall this process (and so the timestamps it takes) for tens of milliseconds.
    # Nothing here makes reference cycles: reference counting frees every frame.
    gc.disable()
    print("READY", state["connected"], flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # STOP
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    result = {
        "connected": state["connected"],
        "failed": state["failed"],
        "dropped": state["dropped"],
        "errors": state["errors"][:5],
        "arrivals": {k: [round(t, 4) for t in v] for k, v in arrivals.items()},
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
