#!/usr/bin/env python3
"""FastChat-style Bradley-Terry reference for benches/ratings.sh (needs Python 3, numpy and scipy).

Follows FastChat's `fastchat/serve/monitor/rating_systems.py` (`compute_bt`, `compute_bootstrap_bt`):

* the battles become unique (model_a, model_b, outcome) rows with their counts as weights
  (`preprocess_for_bt`; outcome 1 = model_a won, 0.5 = tie, 0 = model_b won, so a tie is half a win);
* `fit_bt`: scipy's L-BFGS-B from zero on the weighted logistic loss with alpha = ln 10, `gtol` 1e-6,
  at most 100 iterations (FastChat's defaults; override with --gtol, --maxiter and --ftol: with the
  defaults L-BFGS-B stops on its relative loss decrease, `ftol` 2.2e-9, before models with few battles
  have converged);
* `scale_and_offset`: ratings * 400 + 1000, then shifted so mixtral-8x7b-instruct-v0.1 is 1114 if present;
* the bootstrap draws the unique rows' counts from a multinomial (numpy seed 0), divides them by the
  number of battles, refits every round in a multiprocessing pool of one process per CPU, and takes the
  2.5% / 97.5% quantiles.

Input: the pair-count CSV `model_a,model_b,a_wins,b_wins,ties,ties_bothbad`. Pair counts are exactly
what `preprocess_for_bt` reduces the battle rows to, so starting from them skips only FastChat's
pandas grouping of the 1.67 M rows. Output: CSV `model,rating,ci_low,ci_high` on stdout, best first.

Usage: ratings_reference.py PAIRS.csv [--rounds 100] [--gtol 1e-6] [--maxiter 100]
"""

import argparse
import csv
import math
import multiprocessing as mp
import os
import sys
import time
from functools import partial

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit


def read_pairs(path):
    """The arrays `preprocess_for_bt` returns: matchups, outcomes, models, weights (counts)."""
    index, models, rows = {}, [], []

    def idx(m):
        if m not in index:
            index[m] = len(models)
            models.append(m)
        return index[m]

    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            a, b = idx(r["model_a"]), idx(r["model_b"])
            ties = int(r["ties"]) + int(r.get("ties_bothbad") or 0)
            for outcome, count in ((1.0, int(r["a_wins"])), (0.5, ties), (0.0, int(r["b_wins"]))):
                if count > 0:
                    rows.append((a, b, outcome, count))
    arr = np.array(rows, dtype=np.float64)
    matchups = arr[:, :2].astype(np.int64)
    return matchups, arr[:, 2].copy(), models, arr[:, 3].copy()


def bt_loss_and_grad(ratings, matchups, outcomes, weights, alpha=1.0):
    matchup_ratings = ratings[matchups]
    logits = alpha * (matchup_ratings[:, 0] - matchup_ratings[:, 1])
    probs = expit(logits)
    # this form naturally counts a draw as half a win and half a loss
    loss = -((np.log(probs) * outcomes + np.log(1.0 - probs) * (1.0 - outcomes)) * weights).sum()
    matchups_grads = -alpha * (outcomes - probs) * weights
    model_grad = np.zeros_like(ratings)
    np.add.at(model_grad, matchups[:, [0, 1]], matchups_grads[:, None] * np.array([1.0, -1.0], dtype=np.float64))
    return loss, model_grad


def fit_bt(matchups, outcomes, weights, n_models, alpha, tol=1e-6, maxiter=100, ftol=None):
    initial_ratings = np.zeros(n_models, dtype=np.float64)
    result = minimize(
        fun=bt_loss_and_grad,
        x0=initial_ratings,
        args=(matchups, outcomes, weights, alpha),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": maxiter, "gtol": tol, **({} if ftol is None else {"ftol": ftol})},
    )
    return result["x"]


def scale_and_offset(ratings, models, scale=400, init_rating=1000,
                     baseline_model="mixtral-8x7b-instruct-v0.1", baseline_rating=1114):
    scaled = (ratings * scale) + init_rating
    if baseline_model in models:
        baseline_idx = models.index(baseline_model)
        scaled += baseline_rating - scaled[..., [baseline_idx]]
    return scaled


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("pairs")
    p.add_argument("--rounds", type=int, default=100)
    p.add_argument("--gtol", type=float, default=1e-6)
    p.add_argument("--maxiter", type=int, default=100)
    p.add_argument("--ftol", type=float, default=None,
                   help="L-BFGS-B's relative loss-decrease stop (scipy's default 2.2e-9 when not given)")
    args = p.parse_args()

    t0 = time.perf_counter()
    matchups, outcomes, models, weights = read_pairs(args.pairs)
    alpha = math.log(10.0)
    fit = partial(fit_bt, matchups, outcomes, n_models=len(models), alpha=alpha, tol=args.gtol, maxiter=args.maxiter,
                  ftol=args.ftol)
    ratings = scale_and_offset(fit(weights), models)
    t1 = time.perf_counter()

    n_battles = weights.sum()
    rng = np.random.default_rng(seed=0)
    idxs = rng.multinomial(n=int(n_battles), pvals=weights / weights.sum(), size=args.rounds)
    boot_weights = idxs.astype(np.float64) / n_battles
    with mp.Pool(os.cpu_count()) as pool:
        results = pool.map(fit, boot_weights)
    boot = scale_and_offset(np.array(results), models)
    lower, upper = np.quantile(boot, 0.025, axis=0), np.quantile(boot, 0.975, axis=0)
    t2 = time.perf_counter()

    print("model,rating,ci_low,ci_high")
    for i in sorted(range(len(models)), key=lambda i: -ratings[i]):
        print(f"{models[i]},{ratings[i]:.4f},{lower[i]:.4f},{upper[i]:.4f}")
    print(f"reference: fit {t1 - t0:.3f} s, bootstrap {args.rounds} rounds {t2 - t1:.3f} s "
          f"({os.cpu_count()} processes)", file=sys.stderr)


if __name__ == "__main__":
    main()
