"""Ratings as DataFrames."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List

if TYPE_CHECKING:  # pragma: no cover
    import pandas

COLUMNS = ["model", "rating", "ci_low", "ci_high", "battles", "rank"]


def frame(board: Dict[str, Any], rows: "List[Dict[str, Any]] | None" = None) -> "pandas.DataFrame":
    """A DataFrame of the rated models, best first: model (str), rating, ci_low, ci_high (float64),
    battles (int64), rank (int64, CI-aware: 1 + the models whose lower bound is above this one's
    upper). ``attrs["fairboard"]`` keeps the rest of the board: anchor, interval method, fit,
    components, the unrateable models."""
    import numpy as np
    import pandas as pd

    rows = board.get("ratings", []) if rows is None else rows
    def f64(key: str) -> Any:
        return np.array([np.nan if r.get(key) is None else float(r[key]) for r in rows], dtype=np.float64)

    df = pd.DataFrame(
        {
            "model": pd.Series([r["model"] for r in rows], dtype=object),
            "rating": f64("rating"),
            "ci_low": f64("ci_low"),
            "ci_high": f64("ci_high"),
            "battles": np.array([int(r["battles"]) for r in rows], dtype=np.int64),
            "rank": np.array([int(r["rank"]) for r in rows], dtype=np.int64),
        },
        columns=COLUMNS,
    )
    df.attrs["fairboard"] = {k: v for k, v in board.items() if k != "ratings"}
    return df
