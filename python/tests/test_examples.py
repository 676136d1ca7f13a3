"""The Python examples (examples/python/) run and say what they should."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import PAIRS, ROOT, require_shared

EXAMPLES = ROOT / "examples" / "python"


def run(*args: object, code: int = 0, cwd=None) -> str:
    p = subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, cwd=cwd)
    assert p.returncode == code, p.stdout + p.stderr
    return p.stdout


def test_verify_and_audit(demo, tmp_path):
    out = run(EXAMPLES / "verify_and_audit.py", demo.ledger, demo.trust, demo.policy, code=1, cwd=tmp_path)
    assert out.startswith("authentic: ") and "verdict: FAIL" in out and "private-variant-limit" in out
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_admission(tmp_path):
    out = run(EXAMPLES / "admission.py", tmp_path)
    assert "private test 3: admitted" in out and "private test 4: refused by the policy" in out
    assert "deny private-variant-limit [acme]" in out and "ledger verifies: 25 records" in out


def test_arena_rank_side_by_side():
    require_shared()
    pytest.importorskip("arena_rank")
    out = run(EXAMPLES / "arena_rank_side_by_side.py", PAIRS)
    worst = float(out.strip().splitlines()[-1].rsplit(" ", 1)[1])
    assert worst <= 0.01, out
