#!/usr/bin/env python3
"""Feed of real popular names with 1% planted lookalikes, for the speed of `domwatch scan`
(issue 7 part 5; bench/popular_speed.sh).

Writes, into OUTDIR:
  brands.txt   N_BRANDS brands drawn with the seed from the embedded Tranco top 10k with no
               filter (generic words, 2-letter labels, `www.gob.pe`: the generic-brand flood
               that once halved the speed), as bench/gen_noise.py draws them
  labels.txt   their first labels, for the `grep -F` baseline
  feed.txt     N_NAMES names: 99% real popular names (the Cisco top 20k of DATA_DIR and the
               Tranco top 10k, half of them under a common host label: `www.`, `mail.`, `api.`),
               1% lookalikes of the brands planted as bench/gen_feed.py plants them
  planted.txt  the planted names, their brand and technique

Usage: gen_popular.py [--names 3000000] [--brands 1000] [--seed 11] --data DATA_DIR OUTDIR
"""
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_feed import plant  # noqa: E402
from gen_noise import SUBS, TRANCO, load_cisco  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--names", type=int, default=3_000_000)
    ap.add_argument("--brands", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--plant-rate", type=float, default=0.01)
    ap.add_argument("--data", required=True)
    ap.add_argument("outdir")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    with open(TRANCO, encoding="utf-8") as f:
        tranco = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    cisco = load_cisco(a.data)
    if not cisco:
        sys.exit(f"no warninglists/cisco_top20k.json under {a.data}")
    popular = sorted(set(tranco) | set(cisco))
    brands = rng.sample(tranco, a.brands)
    os.makedirs(a.outdir, exist_ok=True)
    with open(os.path.join(a.outdir, "brands.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(brands) + "\n")
    with open(os.path.join(a.outdir, "labels.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(sorted({b.split(".")[0] for b in brands})) + "\n")
    with open(os.path.join(a.outdir, "feed.txt"), "w", encoding="utf-8") as feed, \
            open(os.path.join(a.outdir, "planted.txt"), "w", encoding="utf-8") as truth:
        buf = []
        for _ in range(a.names):
            if rng.random() < a.plant_rate:
                b = rng.choice(brands)
                name, tech = plant(rng, b)
                truth.write(f"{name}\t{b}\t{tech}\n")
            else:
                name = rng.choice(popular)
                if rng.random() < 0.5 and not name.startswith("*"):
                    name = rng.choice(SUBS) + "." + name
            buf.append(name.lstrip("*."))
            if len(buf) >= 100_000:
                feed.write("\n".join(buf) + "\n")
                buf = []
        if buf:
            feed.write("\n".join(buf) + "\n")


if __name__ == "__main__":
    main()
