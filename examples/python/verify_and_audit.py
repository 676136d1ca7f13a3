"""Verify a published ledger and audit it, as an auditor or a journalist would.

    python examples/python/verify_and_audit.py LEDGER OPERATOR_PUB [POLICY]

Prints the verdict, the findings per rule and the top of the recomputed ratings, and writes the
self-contained HTML report to report.html. Exit 1 when the audit fails, as `fairboard audit`.
"""

import sys

import fairboard


def main(ledger: str, trust: str, policy: "str | None" = None) -> int:
    try:
        v = fairboard.verify(ledger, trust, progress=lambda n, total: print(f"\rread {n >> 20} MiB", end="", file=sys.stderr))
        print(file=sys.stderr)
        print(f"authentic: {v.records} records, head {v.head}")
    except fairboard.VerificationError as e:
        print(f"NOT AUTHENTIC: {e}" + (f"\n  hint: {e.hint}" if e.hint else ""))
        return 1
    audit = fairboard.audit(ledger, trust, policy)
    print(f"verdict: {audit.verdict}")
    for rule, n in sorted(audit.report.counts().items(), key=lambda kv: -kv[1]):
        print(f"  {n:6}  {rule}")
    ratings = audit.ratings()
    if len(ratings):
        print(ratings.head(10).to_string(index=False))
    with open("report.html", "w", encoding="utf-8") as f:
        f.write(audit.to_html())
    print("wrote report.html")
    return 1 if audit.fails else 0


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
