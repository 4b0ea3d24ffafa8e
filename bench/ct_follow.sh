#!/usr/bin/env bash
# Benchmark of `domwatch ct follow` against the lab's CT log, next to baselines on the same log.
#
#   bench/ct_follow.sh [ENTRIES_PER_DAY] [WORKDIR]   (defaults: 100000, /tmp/domwatch-ct-bench)
#
# 1. builds the release binary and the probe example `ct_rate`, 2. writes a lab scenario (the
# default one with `ordinary_per_day = N` and `max_batch = 1024`), starts `domwatch lab` with it
# and asks each log's tree head once (the lab makes its certificates then, not while timed),
# 3. times, on log `a` (about N entries on day 0):
#   - baseline: `ct_rate`, get-entries downloaded with the same client, nothing decoded; then
#     downloaded and decoded (leaf, certificate, names) without matching or storing
#   - `domwatch ct follow --once --start 0` (download, decode, match against the scenario's
#     brands and its watched domains as --own, store each batch with the position), a fresh
#     SQLite store each run
# three times each, and 4. prints the medians and ratios. Nothing here is asserted by tests.
set -euo pipefail
N=${1:-100000}
WORK=${2:-/tmp/domwatch-ct-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN="$TARGET/release/domwatch"
RATE="$TARGET/release/examples/ct_rate"

(cd "$ROOT" && cargo build --release -p domwatch >&2 && cargo build --release -p probe --example ct_rate >&2)
rm -rf "$WORK"; mkdir -p "$WORK"; cd "$WORK"
"$BIN" lab show default \
  | sed -e "s/^ordinary_per_day = .*/ordinary_per_day = $N/" -e "s/^max_batch = .*/max_batch = 1024/" \
  > scenario.toml
"$BIN" lab --scenario scenario.toml --config-out "$WORK/lab.toml" > lab.out 2>&1 &
LAB=$!
trap 'kill $LAB 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s lab.toml ] && break; sleep 0.1; done
LOG=$(grep -A2 '^ct_logs' lab.toml | sed -n 2p | tr -d ' ",')
t0=$(date +%s.%N)
curl -sf "${LOG}ct/v1/get-sth" > sth.json
t1=$(date +%s.%N)
SIZE=$(python3 -c 'import json;print(json.load(open("sth.json"))["tree_size"])')
echo "log $LOG: $SIZE entries (made by the lab in $(python3 -c "print(round($t1 - $t0, 2))") s)" >&2
"$BIN" lab show default | python3 -c '
import sys, tomllib; print("\n".join(tomllib.loads(sys.stdin.read())["scenario"]["brands"]))' > brands.txt

"$BIN" lab show default | python3 -c '
import sys, tomllib; print("\n".join(tomllib.loads(sys.stdin.read())["scenario"]["watch"]))' > own.txt
: > rate.jsonl; : > follow.times
for i in 1 2 3; do
  "$RATE" "$LOG" 1024 | tee -a rate.jsonl
  rm -f ct.db ct.db-*
  s0=$(date +%s.%N)
  "$BIN" --config lab.toml --db ct.db --no-progress ct follow --once --start 0 --log "$LOG" \
    --brands brands.txt --own own.txt --batch 1024 --interval-ms 0 --format json \
    --alert jsonl=alerts.jsonl > follow.json
  s1=$(date +%s.%N)
  echo "$s0 $s1" >> follow.times
done
python3 - <<'PY'
import json, statistics
rates = {}
for r in map(json.loads, open("rate.jsonl")):
    rates.setdefault(r["what"], []).append(r["entries_per_s"])
f = json.load(open("follow.json"))
secs = statistics.median(float(b) - float(a) for a, b in (l.split() for l in open("follow.times")))
fr = f["entries"] / secs
dl = statistics.median(rates["download"])
dd = statistics.median(rates["download+decode"])
n = f["entries"]
print("| what | entries | median s | entries/s | vs download |")
print("|---|---:|---:|---:|---:|")
print(f"| baseline: get-entries downloaded, nothing decoded | {n} | {n/dl:.2f} | {dl:,.0f} | 1.00 |")
print(f"| get-entries downloaded and decoded (names out) | {n} | {n/dd:.2f} | {dd:,.0f} | {dd/dl:.2f} |")
print(f"| `ct follow --once` (decode, match, own names, store, alerts) | {n} | {secs:.2f} | {fr:,.0f} | {fr/dl:.2f} |")
print(f"names {f['names']}, hits {f['hits']}, own certificates {f['own_certificates']}, new findings {f['new_findings']}")
PY
