#!/usr/bin/env bash
# Benchmark of `domwatch scan` against simple baselines on the same synthetic feed.
#
#   bench/run.sh [NAMES] [WORKDIR]      (defaults: 5000000 names, /tmp/domwatch-scan-bench)
#
# 1. builds the release binary, 2. generates the feed with bench/gen_feed.py (seed 42, 1,000
# brands from the Tranco top 10k, 0.1% planted lookalikes) unless it exists, 3. times with
# hyperfine (or `time` when hyperfine is missing):
#   - domwatch scan, jsonl to /dev/null (all techniques, 1,000 brands), on all cores and on one
#   - the same feed gzip-compressed
#   - baseline: `grep -F -f labels.txt | wc -l` (exact brand-label substrings, nothing else;
#     piped because GNU grep stops at the first match when writing to /dev/null)
#   - baseline: an openSquat-style Python matcher (first label, substring or Levenshtein <= 1),
#     on the first 100,000 names (it is far too slow for the whole feed)
# and 4. prints a Markdown block for BENCHMARKS.md (names/s, ratios, planted recall).
# Nothing here is asserted by tests: numbers depend on the machine and its load.
set -euo pipefail
NAMES=${1:-5000000}
WORK=${2:-/tmp/domwatch-scan-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN="$TARGET/release/domwatch"

(cd "$ROOT" && cargo build --release -p domwatch >&2)
mkdir -p "$WORK"
if [ ! -s "$WORK/feed.txt" ] || [ "$(wc -l < "$WORK/feed.txt")" -ne "$NAMES" ]; then
  python3 "$ROOT/bench/gen_feed.py" --names "$NAMES" "$WORK" >&2
fi
[ -s "$WORK/feed.txt.gz" ] || gzip -1 -c "$WORK/feed.txt" > "$WORK/feed.txt.gz"
cd "$WORK"

SCAN="$BIN scan --brands brands.txt --format jsonl"
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 1 --runs 3 --export-json times.json \
    -n scan "$SCAN feed.txt > /dev/null" \
    -n scan-1-thread "RAYON_NUM_THREADS=1 $SCAN feed.txt > /dev/null" \
    -n scan-gzip "$SCAN feed.txt.gz > /dev/null" \
    -n grep-F "grep -F -f labels.txt feed.txt | wc -l > /dev/null" >&2
  mean() { python3 -c "import json,sys; d=json.load(open('times.json')); print([r['mean'] for r in d['results'] if r['command']==sys.argv[1]][0])" "$1"; }
else
  t() { local s e; s=$(date +%s.%N); bash -c "$1" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
  T_scan=$(t "$SCAN feed.txt"); T_1=$(t "RAYON_NUM_THREADS=1 $SCAN feed.txt")
  T_gz=$(t "$SCAN feed.txt.gz"); T_grep=$(t "grep -F -f labels.txt feed.txt | wc -l")
  mean() { case $1 in scan) echo "$T_scan";; scan-1-thread) echo "$T_1";; scan-gzip) echo "$T_gz";; grep-F) echo "$T_grep";; esac; }
fi
OS=$(python3 "$ROOT/bench/opensquat_like.py" labels.txt feed.txt 100000)
/usr/bin/time -f "%M" -o rss.txt $SCAN feed.txt > hits.jsonl 2>/dev/null || true

python3 - "$NAMES" "$(mean scan)" "$(mean scan-1-thread)" "$(mean scan-gzip)" "$(mean grep-F)" "$OS" "$(cat rss.txt)" <<'PY'
import json, sys
n = int(sys.argv[1]); scan, one, gz, grep = map(float, sys.argv[2:6])
os_names, os_hits, os_secs, os_rate = sys.argv[6].split(); rss = int(sys.argv[7])
hits = {json.loads(l)["name"] for l in open("hits.jsonl")}
planted = [l.rstrip("\n").split("\t") for l in open("planted.txt")]
found = sum(1 for p in planted if p[0] in hits)
other = len(hits - {p[0] for p in planted})
print(f"| what | time (s) | names/s | vs domwatch scan |")
print(f"|---|---:|---:|---:|")
for name, t in [("domwatch scan (2 threads)", scan), ("domwatch scan (1 thread)", one),
                ("domwatch scan, gzip feed", gz), ("grep -F -f labels.txt", grep)]:
    print(f"| {name} | {t:.2f} | {n / t:,.0f} | {scan / t:.2f}x |")
r = float(os_rate)
print(f"| openSquat-style Python (first {int(os_names):,} names) | {float(os_secs):.2f} | {r:,.0f} | {r / (n / scan):.4f}x |")
print()
print(f"Feed: {n:,} names, {len(planted):,} planted lookalikes; domwatch found {found:,} "
      f"({found / len(planted):.1%}) of them and flagged {other:,} other names "
      f"({other / n:.3%}); max RSS {rss / 1024:.0f} MiB.")
PY
