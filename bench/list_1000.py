#!/usr/bin/env python3
"""Benchmark: listing 1,000 integrations with `sourcedeck list --json` and with the official
Python SDK (chalkpy), each as a whole fresh process, against a local `sourcedeck serve`.

Run from the repository root with the venv that has chalkpy (see bench/README.md):

    .venv/bin/python bench/list_1000.py [--count 1000] [--runs 10]

Steps: `cargo build --release`; start `sourcedeck serve` on 127.0.0.1:0 with a fresh temp data dir;
create COUNT PostgreSQL integrations through the SDK in this process; then time RUNS runs (after
one warm-up run each) of
  1. `sourcedeck list --json`                        (a fresh process; CHALK_* env -> the server)
  2. `python -c '<ChalkClient().api.datasources.list() as JSON>'` (a fresh process)
and, for reference, `client.api.datasources.list()` inside this already-warm process. Prints
min / median / max wall time in ms. Stops the server and removes the temp dir at the end.
Loopback only; no connectivity test is run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, List

REPO = Path(__file__).resolve().parent.parent
CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-secret-not-real"

SDK_LIST = (
    "import json\n"
    "from chalk.client import ChalkClient\n"
    "sources = ChalkClient().api.datasources.list()\n"
    "print(json.dumps([{'id': s.id, 'name': s.name, 'kind': s.kind.value,"
    " 'environment_id': s.environment_id, 'created_at': s.created_at.isoformat(),"
    " 'updated_at': s.updated_at.isoformat()} for s in sources]))\n"
)


def build_release() -> Path:
    """`cargo build --release`; returns the sourcedeck binary cargo reports."""
    print("building release (cargo build --release) ...", flush=True)
    done = subprocess.run(
        ["cargo", "build", "--release", "--bin", "sourcedeck", "--message-format=json-render-diagnostics"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    if done.returncode != 0:
        sys.exit("cargo build --release failed")
    for line in done.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable"):
            if message["target"]["name"] == "sourcedeck":
                return Path(message["executable"])
    sys.exit("cargo did not report the sourcedeck binary")


class Server:
    """`sourcedeck serve` on 127.0.0.1:0; the port is read from its one stdout line."""

    def __init__(self, binary: Path, data_dir: Path, log: Path):
        env = clean_env(data_dir.parent / "home")
        self.log = open(log, "w")
        self.process = subprocess.Popen(
            [str(binary), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir),
             "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=env,
        )
        line: List[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout=30)  # a deadline, not a blind sleep: returns as soon as the line is read
        if not line or "listening on http://127.0.0.1:" not in line[0]:
            self.stop()
            sys.exit(f"serve did not print its listening line within 30 s; see {log}")
        self.port = int(line[0].split("listening on http://127.0.0.1:")[1].split()[0])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def clean_env(home: Path) -> dict:
    """This process's environment without Chalk settings or proxies, with HOME in the temp dir."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not (k.upper().startswith(("CHALK_", "_CHALK_", "SOURCEDECK_")) or k.upper().endswith("_PROXY"))
        and k != "XDG_CONFIG_HOME"
    }
    home.mkdir(parents=True, exist_ok=True)
    env["HOME"] = str(home)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def time_runs(label: str, runs: int, once: Callable[[], None]) -> List[float]:
    once()  # warm-up: page cache, first connection
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        once()
        samples.append((time.perf_counter() - started) * 1000)
    print(f"  {label}: done", flush=True)
    return samples


def run_checked(argv: List[str], env: dict, expected: int) -> None:
    done = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    if done.returncode != 0:
        sys.exit(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()}")
    listed = json.loads(done.stdout)
    if len(listed) != expected:
        sys.exit(f"{argv[0]} listed {len(listed)} integrations, expected {expected}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="integrations to create (default 1000)")
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each command (default 10)")
    args = parser.parse_args()

    try:
        from chalk.client import ChalkClient, IntegrationKind
    except ImportError:
        sys.exit("run with the venv's python: python3 -m venv .venv && .venv/bin/pip install chalkpy==2.166.1")

    binary = build_release()
    scratch = Path(tempfile.mkdtemp(prefix="sourcedeck-bench-"))
    server = None
    try:
        server = Server(binary, scratch / "data", scratch / "serve.log")
        env = clean_env(scratch / "home")
        env.update(
            CHALK_CLIENT_ID=CLIENT_ID,
            CHALK_CLIENT_SECRET=CLIENT_SECRET,
            CHALK_API_SERVER=f"127.0.0.1:{server.port}",
        )
        os.environ.clear()
        os.environ.update(env)  # ChalkClient() below reads the same CHALK_* settings

        client = ChalkClient()
        started = time.perf_counter()
        for i in range(args.count):
            client.api.datasources.create(
                kind=IntegrationKind.POSTGRESQL,
                name=f"bench_source_{i:04d}",
                config={"PGHOST": "db.example.com", "PGPORT": "5432", "PGDATABASE": "mydb",
                        "PGUSER": "admin", "PGPASSWORD": "secret"},
            )
        created_s = time.perf_counter() - started
        print(f"created {args.count} integrations through the SDK in {created_s:.1f} s "
              f"({created_s / args.count * 1000:.2f} ms each)", flush=True)

        cli = [str(binary), "list", "--json"]
        sdk = [sys.executable, "-c", SDK_LIST]
        run_checked(cli, env, args.count)
        run_checked(sdk, env, args.count)
        quiet = dict(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=120)
        results = {
            "sourcedeck list --json (process)": time_runs("sourcedeck list --json", args.runs, lambda: subprocess.run(cli, **quiet)),
            "python -c SDK list() -> JSON (process)": time_runs("python SDK process", args.runs, lambda: subprocess.run(sdk, **quiet)),
            "SDK list() call in a warm process": time_runs("SDK list() in-process", args.runs, lambda: client.api.datasources.list()),
        }
        print()
        print(f"listing {args.count} integrations, {args.runs} runs each (after 1 warm-up), wall time in ms")
        width = max(len(k) for k in results)
        print(f"  {'what'.ljust(width)}  {'min':>8}  {'median':>8}  {'max':>8}")
        for label, samples in results.items():
            print(f"  {label.ljust(width)}  {min(samples):8.1f}  {statistics.median(samples):8.1f}  {max(samples):8.1f}")
        return 0
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
