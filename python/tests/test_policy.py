"""check, what_if, audit and admission control, against the CLI on the same files."""

from __future__ import annotations

import json

import pytest

import fairboard
from conftest import cli, cli_error, copy
from test_verify import forge


def test_check_equals_the_cli_and_reads_packs_as_paths_or_text(demo):
    expected = json.loads(cli("check", "--ledger", demo.ledger, "--policy", demo.policy, "--format", "json", ok=(0, 1)).stdout)
    report = fairboard.check(demo.ledger, demo.policy)
    assert report.data == expected
    assert report.fails == (expected["summary"]["deny"] > 0)
    assert len(report.findings) == len(expected["findings"]) > 0
    first = report.findings[0]
    assert isinstance(first, fairboard.Finding) and first.evidence and first.rule == expected["findings"][0]["rule"]
    df = report.to_pandas()
    assert list(df.columns) == ["rule", "severity", "subject", "message", "evidence"] and len(df) == len(report.findings)
    assert df["rule"].value_counts().to_dict() == report.counts()
    # The shipped pack when no policy is given; the demo adopted it, so the reports agree.
    shipped = fairboard.check(demo.ledger)
    assert shipped.counts() == report.counts()
    # As of an earlier time: fewer records count.
    early = fairboard.check(demo.ledger, at="2025-02-01T00:00:00Z")
    assert early.data["ledger"]["records"] < report.data["ledger"]["records"]


def test_a_pack_as_yaml_text_with_an_inline_rule(demo):
    pack = """apiVersion: fairboard/v1
kind: PolicyPack
name: tiny
version: 1.0.0
rules:
  - id: always
    severity: warn
    rationale: a demonstration
    script: 'fn evaluate(facts, params) { [finding("board", "looked at it", [0])] }'
"""
    report = fairboard.check(demo.ledger, pack, allow_override=True)
    assert [f.rule for f in report.findings] == ["always"] and report.summary["warn"] == 1
    # Not the adopted pack: refused without the override, with the remedy as a hint.
    with pytest.raises(fairboard.InputError) as e:
        fairboard.check(demo.ledger, pack)
    assert e.value.hint and "override" in e.value.hint
    with pytest.raises(fairboard.InputError) as e:
        fairboard.check(demo.ledger, pack.replace("severity: warn", "severity: loud"), allow_override=True)
    assert (e.value.file, e.value.pointer) == ("<policy>", "/rules/0/severity") and e.value.line == 7


def test_a_hostile_rule_ends_in_the_sandbox_not_the_interpreter(demo):
    pack = """apiVersion: fairboard/v1
kind: PolicyPack
name: hostile
version: 1.0.0
rules:
  - id: spin
    severity: deny
    rationale: never ends
    script: 'fn evaluate(facts, params) { loop { } }'
"""
    report = fairboard.check(demo.ledger, pack, allow_override=True)
    assert report.fails and [e.rule for e in report.errors] == ["spin"]


def test_what_if_equals_the_cli_and_writes_nothing(demo, tmp_path):
    ledger = copy(demo.ledger, tmp_path / "ledger.jsonl")
    before = ledger.read_bytes()
    steps = [{"type": "private_test_started", "model": f"plan-v{i}", "provider": "meta"} for i in range(1, 5)]
    plan = tmp_path / "plan.jsonl"
    plan.write_text("".join(json.dumps(s) + "\n" for s in steps))
    expected = json.loads(
        cli("check", "--ledger", ledger, "--policy", demo.policy, "--plan", plan, "--as", "meta", "--format", "json", ok=(0, 1)).stdout
    )
    for given in (steps, plan):
        report = fairboard.what_if(ledger, given, "meta", demo.policy)
        assert report.data == expected
    assert report.denies and report.breaks
    assert ledger.read_bytes() == before
    with pytest.raises(fairboard.InputError) as e:
        fairboard.what_if(ledger, [{"type": "no_such_event"}], "meta")
    assert e.value.file == "<plan>" and e.value.pointer is not None


def test_audit_equals_the_cli_and_renders_html(demo, tmp_path):
    expected = cli("audit", "--ledger", demo.ledger, "--trust", demo.trust, "--policy", demo.policy, "--format", "json", ok=(0, 1)).stdout
    a = fairboard.audit(demo.ledger, demo.trust, demo.policy)
    assert a.to_json() == expected
    assert a.authentic and a.verdict == "FAIL" and a.fails
    assert a.records == json.loads(expected)["verification"]["records"]
    html = a.to_html()
    assert html.startswith("<!DOCTYPE html>") and "AUTHENTIC" in html and "<script" in html
    assert "## " in a.to_markdown()
    ratings = a.ratings()
    assert list(ratings.columns) == ["model", "rating", "ci_low", "ci_high", "battles", "rank"] and len(ratings) > 10
    assert str(ratings["rating"].dtype) == "float64"

    forged = forge(demo.ledger, tmp_path / "forged.jsonl")
    expected = cli("audit", "--ledger", forged, "--trust", demo.trust, "--policy", demo.policy, "--format", "json", ok=(1,)).stdout
    bad = fairboard.audit(forged, demo.trust, demo.policy)
    assert bad.to_json() == expected
    assert (bad.verdict, bad.defect_line) == ("NOT AUTHENTIC", 100) and bad.findings == []
    assert "NOT AUTHENTIC" in bad.to_html()


def events(*lines: dict) -> list:
    return list(lines)


def test_admission_control_refuses_and_leaves_the_file_byte_identical(demo, tmp_path):
    ledger = copy(demo.ledger, tmp_path / "ledger.jsonl")
    key = demo.key.read_text()
    before = ledger.read_bytes()
    head = fairboard.verify(ledger, demo.trust)
    time = json.loads(ledger.read_text().splitlines()[-1])["time"]
    started = [{"type": "private_test_started", "model": f"cand-v{i}", "provider": "meta"} for i in range(1, 5)]
    events_file = tmp_path / "events.jsonl"
    events_file.write_text("".join(json.dumps(e) + "\n" for e in started))
    cli_run = cli("append", "--policy", demo.policy, "--ledger", ledger, "--key", demo.key, "--time", time, events_file, ok=(1,))
    assert ledger.read_bytes() == before
    message, _ = cli_error(cli_run)
    with pytest.raises(fairboard.Refused) as e:
        fairboard.Ledger(ledger).append(started, key, policy=demo.policy, time=time)
    assert str(e.value) == message
    assert e.value.findings and all(isinstance(f, fairboard.Finding) for f in e.value.findings)
    assert any(f.severity == "deny" and f.subject == "meta" for f in e.value.findings)
    assert ledger.read_bytes() == before

    # A bad event: nothing written, the event's line and pointer named.
    bad = [{"type": "provider_registered", "provider": "ok"}, {"type": "model_registered", "model": "m"}]
    with pytest.raises(fairboard.InputError) as e:
        fairboard.Ledger(ledger).append(bad, key, time=time)
    assert (e.value.file, e.value.line) == ("<events>", 2) and e.value.pointer is not None
    assert ledger.read_bytes() == before
    # A key that is not the operator's is refused too.
    other, _ = fairboard.keygen()
    with pytest.raises(fairboard.Error):
        fairboard.Ledger(ledger).append(bad[:1], other, time=time)
    assert ledger.read_bytes() == before

    # What the policy admits is written, and the ledger still verifies.
    ok = [{"type": "provider_registered", "provider": "newcomer"}]
    result = fairboard.Ledger(ledger).append(ok, key, policy=demo.policy, time=time)
    assert [a.seq for a in result.appended] == [head.records]
    after = fairboard.verify(ledger, demo.trust)
    assert after.records == head.records + 1 and after.head == result.appended[0].hash
    assert ledger.read_bytes().startswith(before)


def test_a_new_ledger_from_python(tmp_path):
    private, public = fairboard.keygen()
    path = tmp_path / "new.jsonl"
    ledger = fairboard.Ledger.create(path, private, "py-arena", time="2025-03-01T00:00:00Z")
    with pytest.raises(fairboard.InputError, match="already exists"):
        fairboard.Ledger.create(path, private, "py-arena")
    ledger.append(
        [
            {"type": "provider_registered", "provider": "meta"},
            {"type": "model_registered", "model": "a", "provider": "meta", "license": "open_weights", "visibility": "public"},
        ],
        private,
        time="2025-03-01T00:00:01Z",
    )
    assert ledger.verify(public).records == 3
    assert ledger.check().summary["deny"] == 0
    # The CLI reads what Python wrote.
    pub = tmp_path / "op.pub"
    pub.write_text(public)
    assert json.loads(cli("verify", "--ledger", path, "--trust", pub, "--format", "json").stdout)["records"] == 3
