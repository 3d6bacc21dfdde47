#!/usr/bin/env bash
# Time from launching `sourcedeck` (the console on its embedded default, fresh data directory)
# to its first frame showing the list, in a real 100x30 tmux pane. Polls capture-pane every 5 ms,
# so figures are accurate to about 5 ms. Usage: bench/console_launch.sh [RUNS] (default 10);
# builds the release binary first.
set -euo pipefail
runs=${1:-10}
cd "$(dirname "$0")/.."
cargo build --release --quiet
binary=$PWD/${CARGO_TARGET_DIR:-target}/release/sourcedeck
[ -x "$binary" ] || binary=${CARGO_TARGET_DIR}/release/sourcedeck
socket=sd-launch-$$
times=()
for run in $(seq 1 "$runs"); do
  home=$(mktemp -d)
  start=$(date +%s%N)
  tmux -L "$socket" -f /dev/null new-session -d -x 100 -y 30 \
    "env -i HOME=$home XDG_DATA_HOME=$home/data TERM=xterm-256color $binary; sleep 60"
  until tmux -L "$socket" capture-pane -p | grep -q "No integrations"; do
    sleep 0.005
    if [ $(( ($(date +%s%N) - start) / 1000000 )) -gt 20000 ]; then echo "no first frame in 20 s" >&2; exit 1; fi
  done
  end=$(date +%s%N)
  tmux -L "$socket" kill-server
  rm -rf "$home"
  times+=($(( (end - start) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "launch to first frame over $runs runs (ms): $(echo $sorted | tr '\n' ' ')"
echo "min $(echo "$sorted" | head -1) ms, median $(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p") ms"
