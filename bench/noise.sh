#!/usr/bin/env bash
# Precision of `domwatch scan` on names that imitate nobody (issue 7 part 2).
#   bench/noise.sh [DATA_DIR] [WORKDIR]
# DATA_DIR: the shared data folder (its warninglists/cisco_top20k.json supplies real popular
# names); without it the popular part of the feed is generated. WORKDIR defaults to
# /tmp/domwatch-noise. Prints the flagged rate and the most common techniques among the hits.
set -euo pipefail
DATA=${1:-}
WORK=${2:-/tmp/domwatch-noise}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN="$TARGET/release/domwatch"
(cd "$ROOT" && cargo build --quiet --release -p domwatch >&2)
mkdir -p "$WORK"
python3 "$ROOT/bench/gen_noise.py" ${DATA:+--data "$DATA"} "$WORK"
"$BIN" scan --brands "$WORK/brands.txt" --format jsonl "$WORK/feed.txt" > "$WORK/hits.jsonl" 2> "$WORK/scan.err"
python3 - "$WORK" <<'PY'
import collections, json, sys
work = sys.argv[1]
n = sum(1 for _ in open(f"{work}/feed.txt", encoding="utf-8"))
hits = [json.loads(l) for l in open(f"{work}/hits.jsonl", encoding="utf-8") if l.strip()]
print(f"noise: {len(hits)} of {n} names flagged = {100 * len(hits) / n:.3f}% (goal <= 0.1%)")
techs = collections.Counter(h["techniques"][0] for h in hits)
brands = collections.Counter(h["brand"] for h in hits)
print("top techniques:", ", ".join(f"{t} {c}" for t, c in techs.most_common(6)))
print("top brands:", ", ".join(f"{b} {c}" for b, c in brands.most_common(8)))
PY
