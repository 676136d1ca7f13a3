"""The timings of benches/python.sh: python_scores.py FAIRBOARD_BIN LEDGER PAIRS_CSV."""

import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd

import fairboard

RUNS = int(os.environ.get("FAIRBOARD_BENCH_RUNS", "5"))
ARENA_ROUNDS = int(os.environ.get("FAIRBOARD_BENCH_ARENA_ROUNDS", "100"))


def median_of(f, runs=RUNS):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def main(fb, ledger, pairs_csv):
    size = os.path.getsize(ledger)
    print(f"ledger: {size} bytes; {RUNS} runs each, medians")
    rows = []
    for label, cli_args, py_kwargs in (
        ("sandwich", ["--ci", "sandwich"], {}),
        ("bootstrap 100", ["--ci", "bootstrap", "--bootstrap", "100", "--seed", "1"], {"ci": "bootstrap", "rounds": 100, "seed": 1}),
    ):
        cmd = [fb, "scores", "--ledger", ledger, *cli_args, "--format", "json", "--flip-depth", "0"]
        cli_s, cli_all = median_of(lambda cmd=cmd: subprocess.run(cmd, check=True, capture_output=True))
        py_s, py_all = median_of(lambda kw=py_kwargs: fairboard.scores(ledger, **kw))
        ours = fairboard.scores(ledger, **py_kwargs)
        theirs = pd.DataFrame(json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)["ratings"])
        assert list(ours["model"]) == list(theirs["model"])
        print(f"{label}: CLI {cli_s:.3f} s ({', '.join(f'{t:.3f}' for t in cli_all)}); "
              f"fairboard.scores {py_s:.3f} s ({', '.join(f'{t:.3f}' for t in py_all)}); ratio {py_s / cli_s:.2f}")
        rows.append((label, cli_s, py_s))

    # arena-rank: the battles as one row each, its dataset, its fit with converged tolerances and a
    # bootstrap of ARENA_ROUNDS rounds in a forkserver pool (its default fork start can hang).
    multiprocessing.set_start_method("forkserver", force=True)
    from arena_rank.models.bradley_terry import BradleyTerry
    from arena_rank.utils.data_utils import PairDataset

    pairs = pd.read_csv(pairs_csv)
    parts = []
    for col, winner in (("a_wins", "model_a"), ("b_wins", "model_b"), ("ties", "tie"), ("ties_bothbad", "tie")):
        n = pairs[col].to_numpy(dtype=np.int64)
        parts.append(pd.DataFrame({"model_a": np.repeat(pairs["model_a"].to_numpy(), n), "model_b": np.repeat(pairs["model_b"].to_numpy(), n), "winner": winner}))
    battles = pd.concat(parts, ignore_index=True)

    def arena(ci, rounds=ARENA_ROUNDS):
        dataset = PairDataset.from_pandas(battles)
        model = BradleyTerry(n_competitors=len(dataset.competitors), ftol=0.0, gtol=1e-13, max_iter=100000)
        return model.compute_ratings_and_cis(dataset, ci_method=ci, num_bootstrap=rounds, seed=1, n_jobs=os.cpu_count())

    sandwich_s, _ = median_of(lambda: arena("sandwich"), runs=3)
    t = time.perf_counter()
    arena("bootstrap")
    boot_s = time.perf_counter() - t
    py_boot = rows[1][2]
    py_sand = rows[0][2]
    print(f"arena-rank on {len(battles)} battles: sandwich {sandwich_s:.2f} s (median of 3); "
          f"bootstrap {ARENA_ROUNDS} rounds {boot_s:.1f} s (one run)")
    print(f"fairboard.scores bootstrap 100 vs arena-rank bootstrap {ARENA_ROUNDS}: {boot_s / py_boot:.0f}x less time; "
          f"sandwich vs sandwich: {sandwich_s / py_sand:.1f}x")


if __name__ == "__main__":
    main(*sys.argv[1:4])
