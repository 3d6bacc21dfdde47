#!/usr/bin/env python3
"""Benchmark: `sourcedeck plan` of 1,000 sources, 100 of them changed and 50 with `{env}` secrets,
as a whole fresh process against a local `sourcedeck serve`. Not a test; not part of `.ci/run`.

    python3 bench/ascode_plan.py [--bin PATH] [--runs 10]

Steps: `cargo build --release` (unless --bin names a binary; the path is taken from cargo's own
report, so CARGO_TARGET_DIR is honoured); start `sourcedeck serve --listen 127.0.0.1:0` with a fresh temp data dir; write a sources
file of 1,000 PostgreSQL sources (50 with PGPASSWORD: {env: PW_i}) and `apply --yes` it (timed
once); write the same file with PGHOST changed on 100 sources; time RUNS runs (after one warm-up)
of `sourcedeck plan FILE` (exit 4 expected: 100 to update). The 50 `{env}` secrets are compared
with the stored values through GetIntegrationValue on every run. Prints min / median / max wall
time in ms. Loopback only; stdlib only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-secret-not-real"


def sources_file(count: int, secrets: int, changed: int) -> str:
    lines = ["version: 1", "sources:"]
    for i in range(count):
        host = "db-changed.internal" if i < changed else "db.internal"
        lines += [
            f"  src_{i:04d}:",
            "    kind: postgresql",
            "    config:",
            f"      PGHOST: {host}",
            f"      PGPORT: {5432 + i % 7}",
            f"      PGDATABASE: db_{i}",
            "      PGUSER: app",
        ]
        if count - i <= secrets:
            lines.append(f"      PGPASSWORD: {{env: PW_{i}}}")
    return "\n".join(lines) + "\n"


def build_release() -> str:
    """`cargo build --release`; returns the sourcedeck binary cargo reports."""
    print("building release (cargo build --release) ...", flush=True)
    done = subprocess.run(
        ["cargo", "build", "--release", "--bin", "sourcedeck", "--message-format=json-render-diagnostics"],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    if done.returncode != 0:
        sys.exit("cargo build --release failed")
    for line in done.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable"):
            if message["target"]["name"] == "sourcedeck":
                return message["executable"]
    sys.exit("cargo did not report the sourcedeck binary")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", help="a built sourcedeck binary (default: build the release one)")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--secrets", type=int, default=50)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    binary = args.bin or build_release()
    if not Path(binary).is_file():
        print(f"no binary at {binary}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CHALK_", "SOURCEDECK_"))}
        env.update(HOME=tmp, NO_COLOR="1")
        # serve's output goes to a file, never a pipe nobody drains: a full pipe would stall
        # the server at its first log line past 64 KiB, in the middle of the apply.
        log_path = tmp_path / "serve.log"
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                [binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", str(tmp_path / "data"),
                 "--client-id", CLIENT_ID],
                env={**env, "SOURCEDECK_CLIENT_SECRET": CLIENT_SECRET},
                stdout=log, stderr=subprocess.STDOUT,
            )
        try:
            port = None
            deadline = time.monotonic() + 30
            while port is None and time.monotonic() < deadline and server.poll() is None:
                match = re.search(r"127\.0\.0\.1:(\d+)", log_path.read_text())
                if match:
                    port = match.group(1)
                else:
                    time.sleep(0.02)
            if port is None:
                print(f"serve did not report its port:\n{log_path.read_text()}", file=sys.stderr)
                return 1
            env.update(CHALK_CLIENT_ID=CLIENT_ID, CHALK_CLIENT_SECRET=CLIENT_SECRET,
                       CHALK_API_SERVER=f"127.0.0.1:{port}")
            for i in range(args.count - args.secrets, args.count):
                env[f"PW_{i}"] = f"bench-pw-{i}"
            base = tmp_path / "base.yaml"
            base.write_text(sources_file(args.count, args.secrets, 0))
            started = time.monotonic()
            applied = subprocess.run([binary, "apply", str(base), "--yes"], env=env,
                                     capture_output=True, text=True)
            apply_ms = (time.monotonic() - started) * 1000
            if applied.returncode != 0:
                print(applied.stderr, file=sys.stderr)
                return 1
            changed = tmp_path / "changed.yaml"
            changed.write_text(sources_file(args.count, args.secrets, args.changed))
            times = []
            for run in range(args.runs + 1):
                started = time.monotonic()
                plan = subprocess.run([binary, "plan", str(changed)], env=env,
                                      capture_output=True, text=True)
                elapsed = (time.monotonic() - started) * 1000
                if plan.returncode != 4 or f"{args.changed} to update" not in plan.stdout:
                    print(f"unexpected plan (exit {plan.returncode}):\n{plan.stdout[-500:]}\n{plan.stderr}",
                          file=sys.stderr)
                    return 1
                if run > 0:
                    times.append(elapsed)
            print(f"apply of {args.count} new sources: {apply_ms:.0f} ms (once)")
            print(f"plan of {args.count} sources ({args.changed} changed, {args.secrets} {{env}} secrets), "
                  f"whole process, {args.runs} runs: min {min(times):.0f} ms, "
                  f"median {statistics.median(times):.0f} ms, max {max(times):.0f} ms")
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
