#!/usr/bin/env python3
"""Reproducible synthetic feed for `domwatch scan` benchmarks.

Writes, into OUTDIR:
  brands.txt   N_BRANDS brand domains taken from the Tranco top 10k (MISP warning list, CC0),
               chosen with the seed (labels of at least 4 letters, so that the feed is not
               dominated by 2-3 letter brands that match anything)
  labels.txt   the brand labels, one a line (for the `grep -F -f` baseline)
  feed.txt     N_NAMES host names, one a line: real-looking random names (pseudo-words from
               syllables and a small vocabulary, many TLDs, some subdomains) with planted
               lookalikes of the brands mixed in (PLANT_RATE)
  planted.txt  the planted lookalikes: name<TAB>brand<TAB>technique

Usage: gen_feed.py [--names 5000000] [--brands 1000] [--seed 42] [--plant-rate 0.001] OUTDIR
"""
import argparse
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TRANCO = os.path.join(HERE, "..", "crates", "domains", "data", "lookalike", "tranco10k.txt")

TLDS = (["com"] * 50 + ["net"] * 8 + ["org"] * 6 + ["jp"] * 3 + ["co.jp"] * 3 + ["de"] * 3
        + ["uk", "co.uk", "io", "xyz", "top", "shop", "online", "info", "biz", "cc", "cloud",
           "site", "store", "app", "dev", "fr", "nl", "ru", "com.br", "com.au", "ne.jp", "or.jp",
           "icu", "vip", "club", "live", "tokyo", "ca", "us", "in", "it", "es", "pl"])
ONSETS = ["", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v",
          "w", "z", "br", "ch", "cl", "cr", "dr", "fl", "gr", "pl", "pr", "sh", "sk", "st", "th",
          "tr"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ee", "oo", "ou", "y"]
CODAS = ["", "", "", "n", "r", "s", "t", "l", "m", "ck", "nd", "st", "x"]
WORDS = ["best", "shop", "home", "car", "tech", "news", "world", "blog", "online", "store",
         "cloud", "data", "media", "travel", "food", "health", "life", "design", "studio",
         "market", "games", "music", "photo", "sport", "green", "city", "global", "smart",
         "digital", "web", "net", "info", "pro", "hub", "lab", "art", "book", "house", "land",
         "star", "sun", "blue", "red", "fast", "easy", "first", "top", "my", "the", "go"]
SUBS = ["www", "mail", "api", "shop", "m", "dev", "cdn", "static", "app", "blog", "login",
        "secure", "img", "ns1", "ns2", "mx", "vpn", "portal"]
KEYWORDS = ["login", "secure", "account", "verify", "update", "support", "jp", "member",
            "signin", "service", "card", "pay", "info", "online"]
GLYPHS = {"o": "0", "l": "1", "i": "1", "m": "rn", "w": "vv", "e": "3", "a": "4", "s": "5"}
KEYS = "qwertyuiopasdfghjklzxcvbnm"


def word(rng):
    n = rng.choice([1, 2, 2, 3, 3, 4])
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(n))


def random_name(rng):
    r = rng.random()
    if r < 0.55:
        label = word(rng)
    elif r < 0.85:
        label = rng.choice(WORDS) + word(rng) if rng.random() < 0.5 else word(rng) + rng.choice(WORDS)
    elif r < 0.95:
        label = word(rng) + "-" + rng.choice(WORDS + [word(rng)])
    else:
        label = word(rng) + str(rng.randrange(1, 999))
    label = label[:40] or "x"
    name = label + "." + rng.choice(TLDS)
    if rng.random() < 0.25:
        name = rng.choice(SUBS) + "." + name
    return name


def plant(rng, brand):
    label, _, suffix = brand.partition(".")
    tech = rng.choice(["replacement", "omission", "insertion", "transposition", "homoglyph",
                       "tld-swap", "combosquat", "brand-in-subdomain", "hyphenation"])
    tld = rng.choice(["com", "net", "xyz", "top", "shop", "cc", "online", "cloud", "info", "jp"])
    l = label
    if tech == "replacement":
        i = rng.randrange(len(l))
        l = l[:i] + rng.choice(KEYS) + l[i + 1:]
    elif tech == "omission":
        i = rng.randrange(len(l))
        l = l[:i] + l[i + 1:]
    elif tech == "insertion":
        i = rng.randrange(len(l) + 1)
        l = l[:i] + rng.choice(KEYS) + l[i:]
    elif tech == "transposition" and len(l) > 2:
        i = rng.randrange(len(l) - 1)
        l = l[:i] + l[i + 1] + l[i] + l[i + 2:]
    elif tech == "homoglyph":
        idx = [i for i, c in enumerate(l) if c in GLYPHS]
        if idx:
            i = rng.choice(idx)
            l = l[:i] + GLYPHS[l[i]] + l[i + 1:]
        else:
            tech = "tld-swap"
    elif tech == "combosquat":
        kw = rng.choice(KEYWORDS)
        l = f"{l}-{kw}" if rng.random() < 0.6 else f"{kw}-{l}"
    elif tech == "brand-in-subdomain":
        return f"www.{brand}.{word(rng)}.{tld}", tech
    elif tech == "hyphenation" and len(l) > 3:
        i = rng.randrange(1, len(l) - 1)
        l = l[:i] + "-" + l[i:]
    if tech == "tld-swap" and tld == suffix:
        tld = "xyz"
    l = l.strip("-") or label
    return f"{l}.{tld}", tech


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--names", type=int, default=5_000_000)
    ap.add_argument("--brands", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--plant-rate", type=float, default=0.001)
    ap.add_argument("outdir")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.outdir, exist_ok=True)
    tranco = [l.strip() for l in open(TRANCO) if l.strip() and not l.startswith("#")]
    pool = sorted(n for n in tranco if len(n.split(".")[0]) >= 4 and n.split(".")[0].isalnum()
                  and not n.split(".")[0].isdigit())
    brands = rng.sample(pool, a.brands)
    with open(os.path.join(a.outdir, "brands.txt"), "w") as f:
        f.write("\n".join(brands) + "\n")
    with open(os.path.join(a.outdir, "labels.txt"), "w") as f:
        f.write("\n".join(sorted({b.split(".")[0] for b in brands})) + "\n")
    planted = 0
    with open(os.path.join(a.outdir, "feed.txt"), "w") as feed, \
            open(os.path.join(a.outdir, "planted.txt"), "w") as truth:
        buf = []
        for _ in range(a.names):
            if rng.random() < a.plant_rate:
                b = rng.choice(brands)
                name, tech = plant(rng, b)
                truth.write(f"{name}\t{b}\t{tech}\n")
                planted += 1
                buf.append(name)
            else:
                buf.append(random_name(rng))
            if len(buf) >= 100_000:
                feed.write("\n".join(buf) + "\n")
                buf = []
        if buf:
            feed.write("\n".join(buf) + "\n")
    print(json.dumps({"names": a.names, "brands": a.brands, "planted": planted, "seed": a.seed}))


if __name__ == "__main__":
    main()
