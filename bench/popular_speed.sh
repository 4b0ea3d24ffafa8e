#!/usr/bin/env bash
# Speed of `domwatch scan` on real popular names with 1% planted lookalikes (issue 7 part 5),
# against `grep -F` in the same runs.
#   bench/popular_speed.sh DATA_DIR [NAMES] [WORKDIR]
# DATA_DIR: the shared data folder (warninglists/cisco_top20k.json). NAMES defaults to
# 3000000, WORKDIR to /tmp/domwatch-popular. Rounds are interleaved (grep, scan) three times;
# wall times from `date`, so that nothing beyond python3 and coreutils is needed. Prints the
# times, names/s and the share of planted lookalikes found. Nothing is asserted.
set -euo pipefail
DATA=${1:?usage: bench/popular_speed.sh DATA_DIR [NAMES] [WORKDIR]}
NAMES=${2:-3000000}
WORK=${3:-/tmp/domwatch-popular}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN="$TARGET/release/domwatch"
(cd "$ROOT" && cargo build --quiet --release -p domwatch >&2)
python3 "$ROOT/bench/gen_popular.py" --names "$NAMES" --data "$DATA" "$WORK"
cd "$WORK"
secs() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'; }
for round in 1 2 3; do
  g=$(secs sh -c 'grep -F -f labels.txt feed.txt | wc -l > grep.count')
  s=$(secs sh -c "'$BIN' scan --brands brands.txt --format jsonl feed.txt > hits.jsonl 2> scan.err")
  echo "round $round: grep -F ${g}s, scan ${s}s"
done
python3 - "$NAMES" <<'PY'
import json, sys
planted = {l.split("\t")[0] for l in open("planted.txt", encoding="utf-8")}
hits = {json.loads(l)["name"] for l in open("hits.jsonl", encoding="utf-8") if l.strip()}
found = len(planted & hits)
other = len(hits - planted)
n = int(sys.argv[1])
print(f"planted found: {found} of {len(planted)} ({100 * found / len(planted):.1f}%); "
      f"other names flagged: {other} of {n - len(planted)} ({100 * other / (n - len(planted)):.3f}%)")
PY
