"""Admission control inside a vote pipeline, the maintainer's side.

    python examples/python/admission.py [DIR]

Creates an operator key and a ledger in DIR (a new temporary directory by default), registers ten
providers and their models, then runs a day of the pipeline: the votes collected as a FastChat-style
DataFrame become one `battles_recorded` event, appended under the shipped policy; then the
provider asks for private tests one by one until the policy refuses one (the shipped pack allows
three at a time). The refused request leaves the ledger byte-identical.
"""

import sys
import tempfile
from pathlib import Path

import pandas as pd

import fairboard

POLICY = Path(__file__).resolve().parents[2] / "policies" / "leaderboard-illusion.yaml"


def main(root: str) -> int:
    d = Path(root)
    private, public = fairboard.keygen()
    (d / "operator.key").write_text(private)
    (d / "operator.pub").write_text(public)
    ledger = fairboard.Ledger.create(d / "ledger.jsonl", private, "example-arena", time="2025-03-01T00:00:00Z")
    # Ten providers with one public model each (the shipped pack caps any provider's share of the
    # battles at 20%, so a board needs at least ten for uniform sampling to pass).
    providers = ["acme"] + [f"lab{i}" for i in range(1, 10)]
    registrations = [{"type": "provider_registered", "provider": p} for p in providers]
    registrations += [
        {"type": "model_registered", "model": f"{p}-chat", "provider": p, "license": "proprietary" if i % 2 else "open_weights", "visibility": "public"}
        for i, p in enumerate(providers)
    ]
    ledger.append(registrations, private, time="2025-03-01T00:00:01Z")

    # The day's votes, as the collection pipeline has them: every pair of models, 20 votes each.
    models = [f"{p}-chat" for p in providers]
    rows = [(a, b, ("model_a", "model_b", "tie", "model_a")[k % 4]) for i, a in enumerate(models) for b in models[i + 1 :] for k in range(20)]
    votes = pd.DataFrame(rows, columns=["model_a", "model_b", "winner"])
    day = fairboard.events_from_battles(votes, "2025-03-01T00:00:00Z", "2025-03-01T23:59:59Z")
    result = ledger.append(day, private, policy=POLICY, time="2025-03-02T00:00:00Z")
    print(f"battles admitted as seq {result.appended[0].seq}")

    # Private tests, one request at a time, until the policy says no.
    for n in range(1, 10):
        request = {"type": "private_test_started", "model": f"acme-secret-v{n}", "provider": "acme"}
        before = (d / "ledger.jsonl").read_bytes()
        try:
            r = ledger.append([request], private, policy=POLICY, time=f"2025-03-02T00:00:{n:02}Z")
            print(f"private test {n}: admitted (seq {r.appended[0].seq})")
        except fairboard.Refused as e:
            assert (d / "ledger.jsonl").read_bytes() == before, "a refused append must leave the ledger unchanged"
            print(f"private test {n}: refused by the policy")
            for f in e.findings:
                print(f"  {f.severity} {f.rule} [{f.subject}]: {f.message}")
            break
    v = ledger.verify(public)
    print(f"ledger verifies: {v.records} records, head {v.head}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="fairboard-admission-")))
