#!/usr/bin/env python3
"""A lab scenario with N generated watched names, for the `domwatch watch run` scale benchmark.

Reads the default scenario (`domwatch lab show default`) on stdin, replaces its watch list with
N generated .com names (all at the corporate registrar, served by the corporate DNS hoster,
locked, with an A and an MX record), sets the .com/.net registry's RDAP rate limit, and writes
the scenario on stdout.

Usage: domwatch lab show default | gen_watch_scenario.py [--names 10000] [--rdap-limit 300]
       [--rdap-window 60] > scale.toml
"""
import argparse
import re
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--names", type=int, default=10000)
    ap.add_argument("--rdap-limit", type=int, default=300)
    ap.add_argument("--rdap-window", type=int, default=60)
    a = ap.parse_args()
    text = sys.stdin.read()
    names = [f"scale-{i:05d}.com" for i in range(a.names)]
    watch = "watch = [\n" + "".join(f'  "{n}",\n' for n in names) + "]"
    text, n = re.subn(r"^watch = \[.*?\]", watch, text, count=1, flags=re.S | re.M)
    if n != 1:
        sys.exit("no watch list in the input scenario")
    # The .com/.net registry is the first [[registry]] with an rdap_rate_limit line.
    text, n = re.subn(
        r"^rdap_rate_limit = \{ limit = \d+, window_secs = \d+ \}",
        f"rdap_rate_limit = {{ limit = {a.rdap_limit}, window_secs = {a.rdap_window} }}",
        text,
        count=1,
        flags=re.M,
    )
    if n != 1:
        sys.exit("no RDAP rate limit in the input scenario")
    out = [text, "\n# ---------------------------------------------------------------- generated\n"]
    for i, name in enumerate(names):
        out.append(
            f"""
[[domain]]
name = "{name}"
registrar = "corpreg"
registered = "2015-01-01"
expires = "2028-{1 + i % 12:02d}-15"
status = ["clientTransferProhibited", "clientUpdateProhibited", "clientDeleteProhibited"]
nameservers = ["ns1.corpdns.net", "ns2.corpdns.net"]
records = ["@ A 192.0.2.{1 + i % 250}", "@ MX 10 mail.{name}.", "mail A 192.0.2.25"]
registrant = "Scale Test K.K."
"""
        )
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
