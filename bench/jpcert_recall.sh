#!/usr/bin/env bash
# Recall of the lookalike matcher on the JPCERT/CC phishing URL list.
#   bench/jpcert_recall.sh DATA_DIR [MISSES_FILE]
# DATA_DIR: a checkout of https://github.com/JPCERTCC/phishurl-list (its YEAR/*.csv files).
# MISSES_FILE: optional, receives every resembling (host, brand) pair the matcher missed.
set -euo pipefail
if [ $# -lt 1 ]; then
    echo "usage: $0 DATA_DIR [MISSES_FILE]" >&2
    exit 2
fi
cd "$(dirname "$0")/.."
exec cargo run --quiet --release -p domains --example jpcert_recall -- "$@"
