"""scores and events_from_battles, on the demo and on the real Chatbot Arena pair counts, against
the CLI and against arena-rank."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

import fairboard
from conftest import META, PERIOD, ROOT, VOTES, cli

COLUMNS = ["model", "rating", "ci_low", "ci_high", "battles", "rank"]


def cli_ratings(*args: object) -> pd.DataFrame:
    board = json.loads(cli("scores", *args, "--format", "json").stdout)
    return pd.DataFrame(board["ratings"], columns=COLUMNS)


def assert_same_board(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """The same models in the same order; numbers equal to the CLI's printed precision (1e-4)."""
    assert list(ours["model"]) == list(theirs["model"])
    for col in ("rating", "ci_low", "ci_high"):
        assert np.max(np.abs(ours[col].to_numpy() - theirs[col].to_numpy())) <= 5e-5 + 1e-9, col
    assert list(ours["battles"]) == list(theirs["battles"]) and list(ours["rank"]) == list(theirs["rank"])


def test_scores_equal_the_cli_on_the_demo(demo):
    df = fairboard.scores(demo.ledger)
    assert list(df.columns) == COLUMNS
    assert df["rating"].dtype == np.float64 and df["battles"].dtype == np.int64 and df["rank"].dtype == np.int64
    assert_same_board(df, cli_ratings("--ledger", demo.ledger, "--ci", "sandwich"))
    assert df.attrs["fairboard"]["ci"]["method"] == "sandwich"
    boot = fairboard.scores(demo.ledger, ci="bootstrap", rounds=20, seed=7)
    assert_same_board(boot, cli_ratings("--ledger", demo.ledger, "--ci", "bootstrap", "--bootstrap", 20, "--seed", 7))
    top = df["model"].iloc[0]
    pinned = fairboard.scores(demo.ledger, anchor=(top, 1500.0))
    assert pinned["rating"].iloc[0] == pytest.approx(1500.0, abs=1e-9)
    assert_same_board(pinned, cli_ratings("--ledger", demo.ledger, "--ci", "sandwich", "--anchor", f"{top}=1500"))


def test_scores_refuse_bad_options(demo):
    with pytest.raises(fairboard.InputError, match="expected `sandwich` or `bootstrap`"):
        fairboard.scores(demo.ledger, ci="jackknife")
    with pytest.raises(fairboard.InputError, match="anchor"):
        fairboard.scores(demo.ledger, anchor="no-equals-sign")
    with pytest.raises(fairboard.InputError) as e:
        fairboard.scores(demo.ledger, anchor="no-such-model=1000")
    assert "no-such-model" in str(e.value)
    with pytest.raises(fairboard.InputError, match="no time zone"):
        from datetime import datetime

        fairboard.scores(demo.ledger, start=datetime(2025, 1, 1))


def test_every_function_on_the_real_pair_counts(real, real_battles):
    v = fairboard.verify(real.ledger, real.trust)
    expected = json.loads(cli("verify", "--ledger", real.ledger, "--trust", real.trust, "--format", "json").stdout)
    assert (v.records, v.head) == (expected["records"], expected["head"])
    report = fairboard.check(real.ledger)
    assert report.data["ledger"]["records"] == v.records
    audit = fairboard.audit(real.ledger, real.trust)
    assert audit.authentic and audit.records == v.records
    df = fairboard.scores(real.ledger)
    assert int(df["battles"].sum()) // 2 <= real.battles and len(df) > 100
    assert_same_board(df, cli_ratings("--ledger", real.ledger, "--ci", "sandwich"))
    assert len(real_battles) == real.battles
    # The battles as a FastChat DataFrame give the very events the CLI's importer gives.
    events = fairboard.events_from_battles(real_battles, *PERIOD, models=META)
    assert events == [json.loads(line) for line in real.events.read_text().splitlines()]


def test_check_on_the_real_ledger_equals_the_cli(real):
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    pack = root / "policies" / "leaderboard-illusion.yaml"
    expected = json.loads(cli("check", "--ledger", real.ledger, "--policy", pack, "--format", "json", ok=(0, 1)).stdout)
    assert fairboard.check(real.ledger, pack).data == expected


def test_events_from_battles_equal_the_fastchat_importer(tmp_path):
    if not VOTES.exists():
        pytest.skip("no Arena 33k votes")
    votes = pd.read_json(VOTES, lines=True)
    start, end = "2023-04-01T00:00:00Z", "2023-06-30T23:59:59Z"
    expected = [json.loads(line) for line in cli("import", "--format", "fastchat", "--period-start", start, "--period-end", end, VOTES).stdout.splitlines()]
    assert fairboard.events_from_battles(votes, start, end) == expected


def test_events_from_battles_refuse_unknown_outcomes_and_missing_models():
    df = pd.DataFrame(
        {"model_a": ["a", "b", "a"], "model_b": ["b", "a", "c"], "winner": ["model_a", "tie (bothbad)", "both_bad"]},
        index=[10, 11, 12],
    )
    with pytest.raises(fairboard.InputError) as e:
        fairboard.events_from_battles(df, "2025-01-01T00:00:00Z", "2025-01-01T23:59:59Z")
    assert "row 12" in str(e.value) and "both_bad" in str(e.value) and e.value.pointer == "/12/winner" and e.value.hint
    ok = df.iloc[:2]
    [event] = fairboard.events_from_battles(ok, "2025-01-01T00:00:00Z", "2025-01-01T23:59:59Z")
    assert event["pairs"] == [{"model_a": "a", "model_b": "b", "wins_a": 1, "wins_b": 0, "ties": 1}]
    with pytest.raises(fairboard.InputError, match="missing from the metadata: b"):
        fairboard.events_from_battles(ok, "2025-01-01T00:00:00Z", "2025-01-01T23:59:59Z", models={"a": ("meta", "open_weights")})
    events = fairboard.events_from_battles(
        ok, "2025-01-01T00:00:00Z", "2025-01-01T23:59:59Z", models={"a": ("meta", "Llama 2 Community"), "b": ("openai", "Proprietary")}
    )
    assert [e["type"] for e in events] == ["provider_registered"] * 2 + ["model_registered"] * 2 + ["battles_recorded"]
    with pytest.raises(fairboard.InputError, match="ends before it starts"):
        fairboard.events_from_battles(ok, "2025-01-02T00:00:00Z", "2025-01-01T00:00:00Z")
    with pytest.raises(fairboard.InputError, match="no `winner` column"):
        fairboard.events_from_battles(ok.drop(columns=["winner"]), "2025-01-01T00:00:00Z", "2025-01-01T23:59:59Z")


def test_ratings_agree_with_arena_rank(real, real_battles):
    """arena-rank (LMArena's JAX library) on the same battles, converged (ftol=0, gtol=1e-13), its
    mean-zero scale moved to fairboard's anchor: every rating within 0.01."""
    if os.environ.get("FAIRBOARD_SKIP_ARENA_RANK"):
        pytest.skip("FAIRBOARD_SKIP_ARENA_RANK is set")
    if not os.environ.get("FAIRBOARD_REQUIRE_SHARED"):
        pytest.importorskip("arena_rank")
    from arena_rank.models.bradley_terry import BradleyTerry
    from arena_rank.utils.data_utils import PairDataset

    # arena-rank counts FastChat's `tie (bothbad)` through its outcome map; give it the plain tie.
    battles = real_battles.assign(winner=real_battles["winner"].replace({"tie (bothbad)": "tie"}))
    dataset = PairDataset.from_pandas(battles)
    model = BradleyTerry(n_competitors=len(dataset.competitors), ftol=0.0, gtol=1e-13, max_iter=100000)
    theirs = model.compute_ratings_and_cis(dataset, ci_method="sandwich")
    theirs = pd.Series(np.asarray(theirs["ratings"]), index=theirs["competitors"])
    ours = fairboard.scores(real.ledger)
    anchor_model = ours["model"].iloc[len(ours) // 2]
    ours = fairboard.scores(real.ledger, anchor=(anchor_model, 1000.0)).set_index("model")["rating"]
    theirs = theirs - theirs[anchor_model] + 1000.0
    common = ours.index.intersection(theirs.index)
    assert len(common) == len(ours) > 100
    delta = (ours[common] - theirs[common]).abs()
    print(f"arena-rank vs fairboard on {len(real_battles)} battles, {len(common)} models: max |delta| {delta.max():.6f}")
    assert delta.max() <= 0.01, delta.sort_values().tail()


def test_plans_and_admission_on_the_real_ledger(real, tmp_path):
    from conftest import copy

    ledger = copy(real.ledger, tmp_path / "real.jsonl")
    before = ledger.read_bytes()
    provider = next(json.loads(line)["provider"] for line in real.events.read_text().splitlines() if '"provider_registered"' in line)
    steps = [{"type": "private_test_started", "model": f"{provider}-secret-v{i}", "provider": provider} for i in range(1, 5)]
    plan = fairboard.what_if(ledger, steps, provider)
    assert plan.denies and plan.breaks[-1]["step"] == 4
    key = real.key.read_text()
    with pytest.raises(fairboard.Refused) as e:
        fairboard.Ledger(ledger).append(steps, key, time="2024-08-15T00:00:00Z", policy=str(ROOT / "policies" / "leaderboard-illusion.yaml"))
    assert any(f.rule == "private-variant-limit" for f in e.value.findings)
    assert ledger.read_bytes() == before
    result = fairboard.Ledger(ledger).append(steps[:3], key, time="2024-08-15T00:00:00Z", policy=str(ROOT / "policies" / "leaderboard-illusion.yaml"))
    assert len(result.appended) == 3 and fairboard.verify(ledger, real.trust).records == fairboard.verify(real.ledger, real.trust).records + 3
