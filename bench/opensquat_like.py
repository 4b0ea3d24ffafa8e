#!/usr/bin/env python3
"""An openSquat-style matcher, as a baseline for `domwatch scan` (bench/run.sh).

openSquat (github.com/atenreiro/opensquat) checks a newly-registered-domain feed against
keywords: the first label only, "keyword in label", or Levenshtein distance <= 1. This is the
same idea in plain Python (no C extension), run over the first N names of a feed.

Usage: opensquat_like.py LABELS FEED [N]   (prints: names hits seconds names_per_second)
"""
import sys
import time


def lev_le1(a, b):
    """Whether the Levenshtein distance of a and b is at most 1."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la == lb:
        return a[i + 1:] == b[i + 1:]
    return a[i:] == b[i + 1:]


def main():
    labels = [l.strip() for l in open(sys.argv[1]) if l.strip()]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200_000
    names = []
    with open(sys.argv[2]) as f:
        for line in f:
            names.append(line.strip())
            if len(names) >= n:
                break
    t = time.perf_counter()
    hits = 0
    for name in names:
        first = name.split(".")[0]
        for k in labels:
            if k in first or lev_le1(first, k):
                hits += 1
                break
    dt = time.perf_counter() - t
    print(f"{len(names)} {hits} {dt:.2f} {len(names) / dt:.0f}")


if __name__ == "__main__":
    main()
