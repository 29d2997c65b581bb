"""The indexing and query benchmark: this project against its peers, side by side in one run.

    python -m bench.run                          # all of ../shared/corpora, at x1 and x4
    python -m bench.run --corpus ../shared/corpora/bbc --scale 1 --scale 8

Each scale is a folder of symbolic links to the corpora, repeated (`copy1/bbc`,
`copy2/bbc`, ...), so every copy's articles have ids of their own. Each engine indexes it
in a fresh process (`bench/engines.py`), which reports throughput, peak memory, index size
and warm query latency; then a whole query process is timed, as a user waits for it. The
table goes to bench/RESULTS.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.engines import ENGINES

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
ONE_SHOT_QUERIES = ("oil prices", "prime minister", "mobile phone")
ONE_SHOT_RUNS = 3

COLUMNS = (
    ("engine", "engine"),
    ("articles", "articles"),
    ("per_second", "articles/s"),
    ("ratio", "x plain Whoosh"),
    ("per_cpu_second", "articles/CPU-s"),
    ("peak_mb", "peak MB"),
    ("index_mb", "index MB"),
    ("p50_ms", "warm p50 ms"),
    ("p95_ms", "warm p95 ms"),
    ("process_ms", "query process ms"),
)


def scaled_corpus(corpora: list[Path], copies: int, workdir: Path) -> Path:
    """A folder holding `copies` copies of the corpora, as symbolic links."""
    folder = workdir / f"x{copies}"
    for n in range(1, copies + 1):
        copy = folder / f"copy{n}"
        copy.mkdir(parents=True)
        for corpus in corpora:
            (copy / corpus.name).symlink_to(corpus.resolve(), target_is_directory=corpus.is_dir())
    return folder


def unpacked(corpora: list[Path], workdir: Path) -> list[Path]:
    """The corpora with their .tar.gz archives (Reuters, 20 Newsgroups) unpacked into
    `workdir`: the peers' readers take files, not archives, and every engine reads the
    same files (searcher reads an archive as one worker's task)."""
    ready = []
    for corpus in corpora:
        archives = sorted(corpus.glob("*.tar.gz")) if corpus.is_dir() else []
        if not archives:
            ready.append(corpus)
            continue
        target = workdir / "unpacked" / corpus.name
        for archive in archives:
            with tarfile.open(archive) as tar:
                tar.extractall(target, filter="data")
        ready.append(target)
    return ready


def one_shot_ms(engine: str, index: Path) -> float:
    """Median wall time of a whole query process."""
    times = []
    for text in ONE_SHOT_QUERIES * ONE_SHOT_RUNS:
        if engine == "searcher":
            command = [str(Path(sys.executable).parent / "search"), "query", text]
            command += ["--index", str(index), "--json"]
        else:
            command = [sys.executable, "-m", "bench.engines", "query", engine, str(index), text]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times))


def run_engine(engine: str, corpus: Path, index: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.engines", "index", engine, str(corpus), str(index)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    figures: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    figures["process_ms"] = one_shot_ms(engine, index)
    return figures


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| " + " | ".join(title for _, title in COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
    ]
    lines += ["| " + " | ".join(str(row.get(key, "")) for key, _ in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if "model name" in line), cpu)
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append", help="default: ../shared/corpora/*")
    parser.add_argument("--scale", type=int, action="append", help="copies (default: 1 and 4)")
    parser.add_argument("--engine", action="append", choices=list(ENGINES))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--note", default="", help="a line to add under the table")
    args = parser.parse_args()
    corpora = args.corpus or sorted(p for p in CORPORA.iterdir() if p.name != "README.md")
    engines = args.engine or list(ENGINES)
    sections = []
    with tempfile.TemporaryDirectory(prefix="searcher-bench-") as work:
        corpora = unpacked(corpora, Path(work))
        for copies in args.scale or [1, 4]:
            corpus = scaled_corpus(corpora, copies, Path(work))
            rows: list[dict[str, object]] = []
            for engine in engines:
                print(f"x{copies} {engine} ...", file=sys.stderr, flush=True)
                index = Path(work) / f"x{copies}-{engine}"
                rows.append({"engine": engine, **run_engine(engine, corpus, index)})
            plain = next((r["per_second"] for r in rows if r["engine"] == "whoosh"), None)
            for row in rows:
                if plain:
                    row["ratio"] = round(float(row["per_second"]) / float(plain), 2)  # type: ignore[arg-type]
            sections.append(f"### x{copies}\n\n{table(rows)}\n")
            print(sections[-1], file=sys.stderr)
    names = ", ".join(c.name for c in corpora)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        f"# Benchmark results\n\n{when} on {machine()}.\n\nCorpora: {names} "
        f"(as `read_corpus` reads them); queries: `bench/queries.py`.\n\n"
        + "\n".join(sections)
        + (f"\n{args.note}\n" if args.note else "")
    )
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
