"""Benchmarks run by `manage.py benchmark` (figures in docs/performance.md)."""


def percentile(ordered: list[float], q: float) -> float:
    """The q-quantile (0 < q <= 1) of sorted samples: the value at or below which that share lies."""
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * q) - 1))]


def released(count: int, target, ready) -> float:
    """Start `count` threads running `target(i)`, wait until all reach the barrier `ready` (the
    caller's, sized count + 1), then time them from that moment to the last one's end (seconds)."""
    import threading
    import time

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=120)
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began
