"""The web app under load: `search serve` answering concurrent clients on loopback, side by
side with the library's warm query latency (what `search query` costs once warm).

    python -m bench.web                            # BBC + Reuters, 2,000 requests, 16 clients
    python -m bench.web --index DIR --requests 5000 --clients 32

The server runs in a process of its own (`search serve`); the clients are threads of this
one, each with its own connection, sending the benchmark's queries (bench/queries.py) in
turn to the JSON API (`/api/search`, the CLI's `--json` document) and to the search page
(`/search`, with its facets). Every answer must have the expected status; the run fails
otherwise. The table goes to stdout and to bench/WEB.md.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import httpx

from bench.engines import searcher_index, searcher_open, warm_ms
from bench.queries import QUERIES
from bench.run import CORPORA, machine, unpacked

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "WEB.md"
KINDS = {
    "api": lambda text: "/api/search?" + urlencode({"q": text}),
    "page": lambda text: "/search?" + urlencode({"q": text}),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load(base: str, requests: int, clients: int) -> tuple[dict[str, list[float]], float, list[str]]:
    """`requests` requests from `clients` threads: latencies by kind, the wall time, and
    what failed."""
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
    failures: list[str] = []
    lock = threading.Lock()
    kinds = list(KINDS)

    def client(number: int) -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            for n in range(number, requests, clients):
                kind = kinds[n % len(kinds)]
                url = KINDS[kind](QUERIES[(n // len(kinds)) % len(QUERIES)])
                start = time.perf_counter()
                try:
                    response = http.get(url)
                    ok = response.status_code == 200 and bool(response.content)
                    why = f"{url}: {response.status_code}"
                except httpx.HTTPError as error:
                    ok, why = False, f"{url}: {error!r}"
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies[kind].append(elapsed)
                    if not ok:
                        failures.append(why)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - start, failures


def row(name: str, times: Sequence[float], per_second: str = "") -> str:
    p95 = statistics.quantiles(times, n=20)[18]
    return f"| {name} | {len(times)} | {statistics.median(times):.1f} | {p95:.1f} | {per_second} |"


def serve(index: Path, port: int) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).parent / "search"), "serve", "--index", str(index)]
    server = subprocess.Popen([*command, "--port", str(port)], cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/stats", timeout=5).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="default: BBC + Reuters, indexed anew")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as work:
        index = args.index
        if index is None:
            corpora = unpacked([CORPORA / "bbc", CORPORA / "reuters21578"], Path(work))
            index = Path(work) / "index"
            folder = Path(work) / "corpora"
            folder.mkdir()
            for corpus in corpora:
                (folder / corpus.name).symlink_to(corpus.resolve(), target_is_directory=True)
            articles = searcher_index(folder, index)
            print(f"indexed {articles:,} articles", file=sys.stderr)
        warm = warm_ms(searcher_open(index))  # as bench/engines.py measures it
        port = free_port()
        server = serve(index, port)
        try:
            latencies, seconds, failures = load(
                f"http://127.0.0.1:{port}", args.requests, args.clients
            )
        finally:
            server.terminate()
            server.wait(30)
    every = [t for times in latencies.values() for t in times]
    lines = [
        f"# `search serve` under load ({datetime.now(timezone.utc):%Y-%m-%d})",
        "",
        f"{machine()}; index {'given' if args.index else 'BBC + Reuters-21578'}; "
        f"{args.requests:,} requests from {args.clients} concurrent clients on loopback, "
        f"{len(failures)} failed; {os.cpu_count()} cores shared by server and clients.",
        "",
        "| what | requests | p50 ms | p95 ms | requests/s |",
        "|---|---|---|---|---|",
        row("library, warm, one at a time (`Index.search`)", warm),
        row("`/api/search` (JSON)", latencies["api"]),
        row("`/search` (page with facets)", latencies["page"]),
        row("all requests", every, f"{len(every) / seconds:.0f}"),
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    RESULTS.write_text(report, encoding="utf-8")
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[:3]}")


if __name__ == "__main__":
    main()
