"""Ratings from a battles DataFrame, through a fairboard ledger, next to arena-rank's.

    pip install arena-rank
    python examples/python/arena_rank_side_by_side.py [PAIRS_CSV]

Reads the Chatbot Arena pair counts (default ../shared/data/real/leaderbot_chatbotarena_20240814_pairs.csv,
as leaderbot publishes them), expands them to one row per battle (FastChat's columns), turns the
battles into a signed ledger with fairboard, rates it, and fits arena-rank's Bradley-Terry on the
same battles with converged tolerances. arena-rank has no anchor (its ratings have mean 1000), so
its scale is moved to put the median model where fairboard puts it; then the two are printed side
by side with the largest difference.
"""

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import fairboard

DEFAULT = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "leaderbot_chatbotarena_20240814_pairs.csv"


def battles_from_pairs(path: Path) -> pd.DataFrame:
    pairs = pd.read_csv(path)
    parts = []
    for col, winner in (("a_wins", "model_a"), ("b_wins", "model_b"), ("ties", "tie"), ("ties_bothbad", "tie (bothbad)")):
        n = pairs[col].to_numpy(dtype=np.int64)
        parts.append(pd.DataFrame({"model_a": np.repeat(pairs["model_a"].to_numpy(), n), "model_b": np.repeat(pairs["model_b"].to_numpy(), n), "winner": winner}))
    return pd.concat(parts, ignore_index=True)


def main(path: Path) -> int:
    battles = battles_from_pairs(path)
    print(f"{len(battles)} battles")
    d = Path(tempfile.mkdtemp(prefix="fairboard-ratings-"))
    private, _ = fairboard.keygen()
    ledger = fairboard.Ledger.create(d / "ledger.jsonl", private, "side-by-side", time="2024-08-15T00:00:00Z")
    events = fairboard.events_from_battles(battles, "2023-04-24T00:00:00Z", "2024-08-14T23:59:59Z")
    ledger.append(events, private, time="2024-08-15T00:00:00Z")
    ours = ledger.scores()
    anchor = ours["model"].iloc[len(ours) // 2]
    ours = ledger.scores(anchor=(anchor, 1000.0)).set_index("model")

    from arena_rank.models.bradley_terry import BradleyTerry
    from arena_rank.utils.data_utils import PairDataset

    # arena-rank's outcome map knows `tie`, not FastChat's `tie (bothbad)` (it would count any
    # unknown outcome as a tie anyway); fairboard counts both as ties.
    dataset = PairDataset.from_pandas(battles.assign(winner=battles["winner"].replace({"tie (bothbad)": "tie"})))
    model = BradleyTerry(n_competitors=len(dataset.competitors), ftol=0.0, gtol=1e-13, max_iter=100000)
    theirs = model.compute_ratings_and_cis(dataset, ci_method="sandwich")
    theirs = pd.Series(np.asarray(theirs["ratings"]), index=theirs["competitors"])
    theirs = theirs - theirs[anchor] + 1000.0

    table = pd.DataFrame({"fairboard": ours["rating"], "arena_rank": theirs.reindex(ours.index)})
    table["delta"] = table["fairboard"] - table["arena_rank"]
    print(table.head(20).round(4).to_string())
    print(f"max |delta| over {len(table)} models: {table['delta'].abs().max():.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
