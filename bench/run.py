"""Run the benchmarks: every ``bench/bench_*.py`` in turn, or the ones named.

    .venv/bin/python bench/run.py                 # all of them
    .venv/bin/python bench/run.py audit           # bench_audit.py only
    .venv/bin/python bench/run.py --quick         # a short smoke run of each

Each benchmark runs as its own process, prints its figures and ends with one JSON line;
this script collects those lines and prints them again at the end. Options after the
names that are not the runner's own (``--quick``) go to every benchmark unchanged.
Benchmarks print figures; they never fail on a time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> dict[str, Path]:
    return {path.stem.removeprefix("bench_"): path for path in sorted(HERE.glob("bench_*.py"))}


def main(argv: list[str]) -> int:
    benches = available()
    names = [a for a in argv if not a.startswith("-")]
    options = [a for a in argv if a.startswith("-")]
    chosen = []
    for name in names or list(benches):
        key = Path(name).stem.removeprefix("bench_")
        if key not in benches:
            print(f"no benchmark {name!r}; there are: {', '.join(benches)}", file=sys.stderr)
            return 2
        chosen.append(key)
    summaries: list[dict[str, object]] = []
    failed = []
    for key in chosen:
        print(f"=== {key}", flush=True)
        process = subprocess.run([sys.executable, str(benches[key]), *options],
                                 stdout=subprocess.PIPE, text=True, check=False)
        sys.stdout.write(process.stdout)
        lines = [line for line in process.stdout.splitlines() if line.startswith("{")]
        if process.returncode != 0 or not lines:
            failed.append(key)
            continue
        # The summary lines come last, one per configuration (documents prints one per
        # database); the earlier JSON-looking lines are the benchmark's own output.
        tail = []
        for line in reversed(lines):
            summary = json.loads(line)
            if summary.get("bench") is None:
                break
            tail.append(summary)
        summaries.extend(reversed(tail))
    print("=== results")
    for summary in summaries:
        print(json.dumps(summary))
    if failed:
        print(f"failed to run: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
