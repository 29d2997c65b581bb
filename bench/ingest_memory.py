"""Peak memory of reading a large generated JSON Lines file (issue 3: bounded memory).

    python -m bench.ingest_memory --mb 1024            # read it through read_corpus
    python -m bench.ingest_memory --mb 200 --index     # and index it (much slower)

Writes the file into a temporary folder, reads it in a child process and reports that
process's peak resident memory (ru_maxrss) next to the file size; appends the line to
bench/results/ingest_memory.txt.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "ingest_memory.txt"
CHILD = """
import sys
from searcher import Index, read_corpus
corpus = read_corpus(sys.argv[1])
if sys.argv[2] == "index":
    report = Index(sys.argv[3]).add(corpus)
    print(report.indexed, len(report.problems))
else:
    print(sum(1 for _ in corpus), len(corpus.problems))
"""


def generate(path: Path, megabytes: int) -> int:
    """Write about `megabytes` MB of article records; return how many."""
    paragraph = "The council said on Tuesday that the bridge would reopen next week. " * 12
    count, size = 0, 0
    with path.open("w", encoding="utf-8") as out:
        while size < megabytes * 2**20:
            line = json.dumps({"id": count, "title": f"Story {count}", "text": paragraph}) + "\n"
            out.write(line)
            size += len(line)
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024, help="size of the generated file")
    parser.add_argument("--index", action="store_true", help="index the records as well")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.jsonl"
        records = generate(path, args.mb)
        mode = "index" if args.index else "read"
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), mode, str(Path(tmp) / "ix")],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    line = (
        f"{mode} {args.mb} MB JSON Lines ({records} records, {out[0]} articles, {out[1]} problems):"
        f" peak RSS {peak_mb:.0f} MB, {seconds:.0f} s"
    )
    print(line)
    RESULTS.parent.mkdir(exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as results:
        results.write(line + "\n")


if __name__ == "__main__":
    main()
