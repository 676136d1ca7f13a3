"""verify, verify_proof and the inputs they take, against the CLI on the same files."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import pytest

import fairboard
from conftest import cli, cli_error


def forge(src: Path, dst: Path, line: int = 100) -> Path:
    """The ledger with line ``line``'s time changed, so its hash no longer matches (as CI's forged
    ledger)."""
    lines = src.read_bytes().split(b"\n")
    lines[line - 1] = lines[line - 1].replace(b'"time":"2', b'"time":"1', 1)
    dst.write_bytes(b"\n".join(lines))
    return dst


def test_verify_equals_the_cli_from_a_path_bytes_and_a_file(demo):
    expected = json.loads(cli("verify", "--ledger", demo.ledger, "--trust", demo.trust, "--format", "json").stdout)
    seen = []
    v = fairboard.verify(demo.ledger, demo.trust, progress=lambda n, total: seen.append((n, total)))
    assert json.loads(v.to_json()) == expected
    assert (v.records, v.head) == (expected["records"], expected["head"])
    size = demo.ledger.stat().st_size
    assert seen and seen[-1] == (size, size) and all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
    assert fairboard.verify(demo.ledger.read_bytes(), demo.trust.read_text()) == v
    with open(demo.ledger, "rb") as f:
        assert fairboard.verify(f, str(demo.trust)) == v
    # A C2SP verifier key names the same key.
    vkey = cli("vkey", "--pub", demo.trust, "--name", "arena.example/ledger").stdout.strip()
    assert fairboard.verify(demo.ledger, vkey) == v


def test_a_tampered_ledger_raises_the_cli_message_and_line(demo, tmp_path):
    forged = forge(demo.ledger, tmp_path / "forged.jsonl")
    message, _ = cli_error(cli("verify", "--ledger", forged, "--trust", demo.trust, ok=(1,)))
    with pytest.raises(fairboard.VerificationError) as e:
        fairboard.verify(forged, demo.trust)
    assert str(e.value) == message
    assert (e.value.file, e.value.line) == (str(forged), 100)
    # From bytes, the message names `<bytes>` instead of the path.
    with pytest.raises(fairboard.VerificationError, match=r"^<bytes>: line 100: hash mismatch"):
        fairboard.verify(forged.read_bytes(), demo.trust)


def test_a_torn_ledger_is_bad_input_with_a_hint(demo, tmp_path):
    torn = tmp_path / "torn.jsonl"
    torn.write_bytes(demo.ledger.read_bytes()[:-1])
    with pytest.raises(fairboard.VerificationError) as e:
        fairboard.verify(torn, demo.trust)
    assert e.value.hint and "recover" in e.value.hint


def test_checkpoints_and_proofs(demo, tmp_path):
    cp = tmp_path / "cp.txt"
    cp.write_text(cli("checkpoint", "--ledger", demo.ledger, "--key", demo.key, "--origin", "arena.example/ledger").stdout)
    v = fairboard.verify(demo.ledger, demo.trust, checkpoint=cp)
    assert v.checkpoint and v.checkpoint["size"] == v.records and v.checkpoint["origin"] == "arena.example/ledger"
    assert json.loads(v.to_json()) == json.loads(
        cli("verify", "--ledger", demo.ledger, "--trust", demo.trust, "--checkpoint", cp, "--format", "json").stdout
    )
    proof = cli("prove", "--ledger", demo.ledger, "--seq", 5, "--checkpoint", cp).stdout
    vkey = cli("vkey", "--pub", demo.trust, "--name", "arena.example/ledger").stdout.strip()
    verdict = fairboard.verify_proof(proof, vkey)
    assert (verdict["kind"], verdict["seq"], verdict["size"]) == ("inclusion", 5, v.records)
    # The same proof under another log key does not hold.
    other = tmp_path / "other"
    cli("keygen", "--out", other)
    other_vkey = cli("vkey", "--pub", f"{other}.pub", "--name", "arena.example/ledger").stdout.strip()
    with pytest.raises(fairboard.VerificationError):
        fairboard.verify_proof(proof, other_vkey)
    with pytest.raises(fairboard.InputError):
        fairboard.verify_proof("not a proof\n", vkey)
    # A checkpoint whose signature does not verify pins nothing.
    forged = tmp_path / "forged-cp.txt"
    lines = cp.read_text().split("\n")
    lines[1] = str(int(lines[1]) - 1)
    forged.write_text("\n".join(lines))
    with pytest.raises(fairboard.Error) as e:
        fairboard.verify(demo.ledger, demo.trust, checkpoint=forged)
    assert e.value.file is not None


def test_bad_arguments_raise_the_documented_exceptions(demo, tmp_path):
    with pytest.raises(TypeError, match="ledger: expected a path, bytes or a binary file object"):
        fairboard.verify(12, demo.trust)  # type: ignore[arg-type]
    with pytest.raises(fairboard.InputError) as e:
        fairboard.verify(tmp_path / "missing.jsonl", demo.trust)
    assert str(tmp_path / "missing.jsonl") in str(e.value)
    with pytest.raises(fairboard.InputError, match="expected an SPKI PEM public key"):
        fairboard.verify(demo.ledger, "garbage")
    vkey = cli("vkey", "--pub", demo.trust, "--name", "arena.example/ledger").stdout.strip()
    name, _, data = vkey.split("+", 2)
    with pytest.raises(fairboard.InputError, match="key id 00000000 does not match"):
        fairboard.verify(demo.ledger, f"{name}+00000000+{data}")
    assert issubclass(fairboard.InputError, ValueError)
    # Not a ledger at all: it does not verify, at line 1, at the record's root.
    with pytest.raises(fairboard.VerificationError) as e:
        fairboard.verify(b'{"not": "a record"}\n', demo.trust)
    assert (e.value.file, e.value.line, e.value.pointer) == ("<bytes>", 1, "")


def test_long_calls_release_the_gil_and_stop_on_ctrl_c(demo):
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)

    t = threading.Thread(target=tick)
    t.start()
    try:
        started = time.perf_counter()
        fairboard.verify(demo.ledger, demo.trust)
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        t.join()
    # The other thread kept running while the ledger was verified.
    assert len([x for x in ticks if started <= x <= started + elapsed]) >= min(10, elapsed / 0.01)

    # An exception from the progress callback ends the call and is raised as itself.
    class Stop(Exception):
        pass

    def boom(n, total):
        raise Stop(n)

    with pytest.raises(Stop):
        fairboard.verify(demo.ledger, demo.trust, progress=boom)

    # Ctrl-C (SIGINT to the main thread) interrupts a verification at once.
    import _thread

    timer = threading.Timer(0.2, _thread.interrupt_main)
    started = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        fairboard.verify(demo.ledger, demo.trust)
        time.sleep(5)  # a verification faster than the timer: the interrupt lands here
    assert time.perf_counter() - started < 2.0
    # After the interruption the next call works.
    assert fairboard.verify(io.BytesIO(demo.ledger.read_bytes()), demo.trust).records > 0
