#!/usr/bin/env python3
"""A lab scenario with N generated audited names, ~10 outside references each, for the
`domwatch audit` benchmark (bench/audit_scale.sh).

Reads the default scenario (`domwatch lab show default`) on stdin and appends N .com names at
the corporate registrar and DNS hoster, each referencing shared third parties: an MX host and an
SPF include at one of 20 mail vendors, a DMARC report domain (one of 10), a www CNAME at one of 5
CDNs, and an apex address in the lab's NEWXT network (its RIR contacts are under newxt.com).
Two of the vendors are left unregistered, so the audit has dangling references to report.

Usage: domwatch lab show default | gen_audit_scenario.py [--names 1000] > audit.toml
"""
import argparse
import sys


def domain(name, records, registered=True):
    if not registered:
        return ""
    recs = ", ".join(f"'{r}'" for r in records)
    return f"""
[[domain]]
name = "{name}"
registrar = "corpreg"
registered = "2015-01-01"
expires = "2029-06-15"
status = ["clientTransferProhibited", "clientUpdateProhibited", "clientDeleteProhibited"]
nameservers = ["ns1.corpdns.net", "ns2.corpdns.net"]
records = [{recs}]
registrant = "Audit Bench K.K."
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--names", type=int, default=1000)
    a = ap.parse_args()
    out = [sys.stdin.read(), "\n# ---------------------------------------------------------------- generated\n"]
    for v in range(20):
        out.append(domain(f"mailvendor-{v:02d}.com",
                          ['_spf TXT "v=spf1 ip4:203.0.113.0/24 -all"', "mx A 203.0.113.90"],
                          registered=v not in (7, 13)))
    for r in range(10):
        out.append(domain(f"dmarc-reports-{r:02d}.net", ["@ A 203.0.113.91"]))
    for c in range(5):
        out.append(domain(f"cdn-{c:02d}.net", ["* A 203.0.113.92"]))
    for i in range(a.names):
        name = f"audit-{i:05d}.com"
        out.append(domain(name, [
            f"@ A 192.0.2.{1 + i % 120}",
            f"@ MX 10 mx.mailvendor-{i % 20:02d}.com.",
            f'@ TXT "v=spf1 include:_spf.mailvendor-{(i + 1) % 20:02d}.com -all"',
            f'_dmarc TXT "v=DMARC1; p=none; rua=mailto:d@dmarc-reports-{i % 10:02d}.net"',
            f"www CNAME {name}.cdn-{i % 5:02d}.net.",
        ]))
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
