"""Fixtures: the CLI binary to compare with, the demo's ledger, and a ledger of the real Chatbot
Arena pair counts (../shared/data/real), each made once per session."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import List, NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "real"
PAIRS = SHARED / "leaderbot_chatbotarena_20240814_pairs.csv"
META = SHARED / "lmsys_leaderboard_table_20250511.csv"
VOTES = SHARED / "arena33k_ppr_human_votes.jsonl"
PERIOD = ("2023-04-24T00:00:00Z", "2024-08-14T23:59:59Z")


class Run(NamedTuple):
    code: int
    stdout: str
    stderr: str


def cli_path() -> Path:
    path = Path(os.environ.get("FAIRBOARD_BIN", ROOT / "target" / "debug" / "fairboard"))
    if not path.exists():
        pytest.fail(f"{path}: no fairboard binary; build it (cargo build) or set FAIRBOARD_BIN")
    return path


def cli(*args: object, ok: "tuple[int, ...]" = (0,)) -> Run:
    """Runs the CLI; fails the test on an exit code not in ``ok``."""
    p = subprocess.run([str(cli_path()), *map(str, args)], capture_output=True, text=True)
    assert p.returncode in ok, f"fairboard {' '.join(map(str, args))}: exit {p.returncode}\n{p.stderr}"
    return Run(p.returncode, p.stdout, p.stderr)


def cli_error(run: Run) -> "tuple[str, str | None]":
    """The CLI's error message (every line from `error: ` up to `help: `) and hint, from its stderr."""
    text = run.stderr
    assert "error: " in text, text
    body = text[text.index("error: ") + len("error: ") :]
    hint = None
    if "\nhelp: " in body:
        body, hint = body.split("\nhelp: ", 1)
        hint = hint.rstrip("\n")
    return body.rstrip("\n"), hint


def require_shared() -> None:
    if not PAIRS.exists():
        if os.environ.get("FAIRBOARD_REQUIRE_SHARED"):
            pytest.fail(f"{PAIRS}: missing, and FAIRBOARD_REQUIRE_SHARED is set")
        pytest.skip("../shared/data/real is not here")


class Demo(NamedTuple):
    dir: Path
    ledger: Path
    trust: Path
    key: Path
    policy: Path


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo's ledger: FAIRBOARD_DEMO (a `fairboard demo --out` directory CI already made), or a
    new one."""
    given = os.environ.get("FAIRBOARD_DEMO")
    if given:
        d = Path(given)
    else:
        d = tmp_path_factory.mktemp("demo") / "illusion"
        cli("demo", "--out", d)
    return Demo(d, d / "ledger.jsonl", d / "operator.pub", d / "operator.key", d / "policy.yaml")


class Real(NamedTuple):
    ledger: Path
    trust: Path
    key: Path
    events: Path
    battles: int


@pytest.fixture(scope="session")
def real(tmp_path_factory: pytest.TempPathFactory) -> Real:
    """The 1.67 M-battle Chatbot Arena pair counts as a signed ledger, made by the CLI."""
    require_shared()
    d = tmp_path_factory.mktemp("real")
    events = d / "events.jsonl"
    run = cli("import", "--format", "pairs", "--models", META, "--period-start", PERIOD[0], "--period-end", PERIOD[1], PAIRS)
    events.write_text(run.stdout)
    cli("keygen", "--out", d / "op")
    ledger = d / "ledger.jsonl"
    cli("init", "--ledger", ledger, "--key", d / "op.key", "--leaderboard", "real", "--time", "2024-08-15T00:00:00Z")
    cli("append", "--ledger", ledger, "--key", d / "op.key", "--time", "2024-08-15T00:00:00Z", events)
    battles = sum(
        p["wins_a"] + p["wins_b"] + p["ties"]
        for e in map(json.loads, run.stdout.splitlines())
        if e["type"] == "battles_recorded"
        for p in e["pairs"]
    )
    return Real(ledger, d / "op.pub", d / "op.key", events, battles)


@pytest.fixture(scope="session")
def real_battles():
    """The pair counts expanded to one row per battle, as FastChat and arena-rank take them."""
    require_shared()
    import numpy as np
    import pandas as pd

    pairs = pd.read_csv(PAIRS)
    a, b = pairs["model_a"].to_numpy(), pairs["model_b"].to_numpy()
    parts: List[pd.DataFrame] = []
    for col, winner in (("a_wins", "model_a"), ("b_wins", "model_b"), ("ties", "tie"), ("ties_bothbad", "tie (bothbad)")):
        n = pairs[col].to_numpy(dtype=np.int64)
        parts.append(pd.DataFrame({"model_a": np.repeat(a, n), "model_b": np.repeat(b, n), "winner": winner}))
    return pd.concat(parts, ignore_index=True)


def copy(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst
