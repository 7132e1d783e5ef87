"""Fan-out benchmark: send_*_to_many to many live WebSocket clients through the emulator.

    python tests/bench/bench_fanout.py [--connections 200] [--rounds 5] [--workers 16,32]

A child process runs ``DevServer`` and --connections real WebSocket clients on 127.0.0.1 (as
API Gateway and the browsers are elsewhere, not in the sender's process). This process sends
one message to all of them per round with ``send_greeting_to_many`` (boto3 -> the emulator's
Management API -> each socket) and asks the child to confirm every client has it. Prints
messages per second delivered (median of --rounds) and how many were lost, beside a baseline
of one ``send_greeting`` call per connection in a loop; once with the emulator answering at
once, and once with each answer delayed by --latencies ms (AWS is a network round trip away).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0


def serve(n: int, latency_ms: float) -> None:
    """Child: emulator + n clients; answers 'wait K' on stdin with 'ok' once every client has K."""
    from websockets.asyncio.client import connect

    from wsapi.dev import DevServer
    from wsapi.myapi import handler_router

    counts = [0] * n

    async def read(i: int, ws) -> None:
        async for _ in ws:
            counts[i] += 1

    async def main(server: DevServer) -> None:
        sockets = []
        for i in range(n):  # one at a time: the emulator runs $connect for each
            ws = await connect(f"{server.url}?token=bench", max_size=None, open_timeout=TIMEOUT)
            sockets.append(ws)
            asyncio.ensure_future(read(i, ws))
        print("ready", server.callback_url, *server.connections, flush=True)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line.startswith("wait"):
                break
            expected = int(line.split()[1])
            deadline = time.monotonic() + TIMEOUT
            while min(counts) < expected and time.monotonic() < deadline:
                await asyncio.sleep(0.0005)
            print("ok" if min(counts) >= expected else f"lost {sum(expected - c for c in counts if c < expected)}", flush=True)
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)

    with DevServer(handler_router(), workers=4, set_environment=False, latency=latency_ms / 1000) as server:
        asyncio.run(main(server))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", default="16,32")
    parser.add_argument("--latencies", default="0,20", help="Management API round trips to emulate, ms")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--latency", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ["WSAPI_SPEC_PATH"] = str(REPO / "specs")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    sys.path.insert(0, str(REPO))
    if args.serve:
        serve(args.serve, args.latency)
        return
    print(f"wsapi fan-out benchmark - {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} cores; {args.connections} connections, median of {args.rounds} rounds\n")
    print("| Management API round trip | how | messages/s delivered | vs. loop | lost (all rounds) |")
    print("|---:|---|---:|---:|---:|")
    for latency in (float(x) for x in args.latencies.split(",")):
        run(args, latency)


def run(args: argparse.Namespace, latency: float) -> None:
    from wsapi.myapi import DefaultApiServerSdk

    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(args.connections), "--latency", str(latency)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        ready = child.stdout.readline().split()
        assert ready and ready[0] == "ready", ready
        callback_url, ids = ready[1], ready[2:]
        assert len(ids) == args.connections
        sdk = DefaultApiServerSdk(callback_url)
        sent = 0
        lost = 0
        results = []

        def confirm() -> None:
            nonlocal lost
            child.stdin.write(f"wait {sent}\n")
            child.stdin.flush()
            answer = child.stdout.readline().split()
            if answer[0] != "ok":
                lost += int(answer[1])

        def measure(label: str, send) -> None:
            nonlocal sent
            rates = []
            for _ in range(args.rounds):
                start = time.perf_counter()
                send()
                sent += 1
                confirm()
                rates.append(args.connections / (time.perf_counter() - start))
            results.append((label, statistics.median(rates)))

        measure("loop of send_greeting (baseline)", lambda: [sdk.send_greeting(c, greeting="hi") for c in ids])
        for workers in (int(w) for w in args.workers.split(",")):
            def fan_out(workers: int = workers) -> None:
                result = sdk.send_greeting_to_many(ids, greeting="hi", max_workers=workers)
                assert len(result.delivered) == args.connections and not result.gone and not result.failed, result
            measure(f"send_greeting_to_many, max_workers={workers}", fan_out)
        child.stdin.write("stop\n")
        child.stdin.flush()
        child.wait(TIMEOUT)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(TIMEOUT)

    base = results[0][1]
    for label, rate in results:
        print(f"| {latency:g} ms | {label} | {rate:,.0f} | {rate / base:.2f}x | {lost} of {sent * args.connections} |", flush=True)


if __name__ == "__main__":
    main()
