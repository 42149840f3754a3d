#!/usr/bin/env python3
"""Recompute Expertenrunde's per-item statistics from an analysis bundle.

Usage: python3 scripts/reproduce.py [BUNDLE_DIR [OUT_CSV]]

BUNDLE_DIR is the unpacked bundle (default: the folder above this script).
Reads data/answers_long.csv and codebook.json, computes for every round and
every rating item or criterion

    n, median, q1, q3, iqr   (Hyndman-Fan quantile type of the study: 7 or 6)
    agreement_percent        (100 * ratings in the agreement band / n)
    outcome                  (the study's consensus rule, or a criterion's
                              own rule: consensus_in, consensus_out or none)

and writes them to OUT_CSV (default: reproduced/item_statistics_py.csv in
the bundle), one row per round x item x criterion with the columns of
results/item_statistics.csv. Then it compares every number with that file
(tolerance 1e-9) and every n and outcome exactly. It also redraws the
bootstrap confidence interval of each row of results/sensitivity.csv
(SplitMix64 with the seed derived from SHA-256, 2,000 resamples) and
compares seed and bounds. It prints the differences and exits with status 1
if there are any.

Needs Python 3 with numpy and pandas (the libraries of Debian's
python3-numpy and python3-pandas). The definitions are those of the
project's docs/STATISTICS.md and docs/ANALYSIS.md ("Consensus evaluation").
"""

import hashlib
import json
import math
import os
import sys
from fractions import Fraction

import numpy as np
import pandas as pd

TOLERANCE = 1e-9
COLUMNS = ["round", "item_id", "criterion_id", "variable", "n", "median", "q1", "q3", "iqr", "agreement_percent", "outcome"]
IN, OUT, NONE = "consensus_in", "consensus_out", "none"


def exact(x):
    """A number as the exact fraction of its shortest decimal (75 -> 75, 0.3 -> 3/10)."""
    return Fraction(repr(float(x)))


def quantile_exact(sorted_values, p, qtype):
    """Hyndman-Fan type 7 or 6 quantile as an exact fraction; None for n = 0."""
    n = len(sorted_values)
    if n == 0:
        return None
    p = exact(p)
    if qtype == 6:
        h = min(max(p * (n + 1), Fraction(1)), Fraction(n))
    else:
        h = p * (n - 1) + 1
    k = math.floor(h)
    lo = Fraction(sorted_values[k - 1])
    frac = h - k
    if k >= n or frac == 0:
        return lo
    return lo + (Fraction(sorted_values[k]) - lo) * frac


class Facts:
    """The exact facts of one rating that the consensus rule reads."""

    def __init__(self, values, scale, qtype):
        self.values = sorted(values)
        self.n = len(values)
        self.points = set(scale["points"])
        # iqr_relative's range: the scale's last point minus its first.
        self.width = scale["points"][-1] - scale["points"][0] if len(scale["points"]) >= 2 else None
        self.agreement = scale["agreement"]
        self.disagreement = scale.get("disagreement")
        self.qtype = qtype

    def band_count(self, band):
        return sum(1 for v in self.values if v in self.points and band["min"] <= v <= band["max"])

    def at_least(self, count, threshold):
        return 100 * count >= exact(threshold) * self.n

    def below(self, count, threshold):
        return 100 * count < exact(threshold) * self.n

    def iqr(self):
        if self.n == 0:
            return None
        return quantile_exact(self.values, 0.75, self.qtype) - quantile_exact(self.values, 0.25, self.qtype)

    def variance(self):
        if self.n < 2:
            return None
        s = sum(Fraction(v) for v in self.values)
        sq = sum(Fraction(v) ** 2 for v in self.values)
        return (self.n * sq - s * s) / (self.n * (self.n - 1))

    def median(self):
        return quantile_exact(self.values, 0.5, self.qtype)


def node(rule, f):
    """(in, out) of one node of the rule."""
    if rule.get("min_n", 0) > 0 and f.n < rule["min_n"]:
        return False, False
    if rule.get("all") or rule.get("any"):
        kids = rule.get("all") or rule.get("any")
        results = [node(k, f) for k in kids]
        if rule.get("all"):
            return all(r[0] for r in results), all(r[1] for r in results)
        return any(r[0] for r in results), any(r[1] for r in results)
    if rule.get("agreement") is not None:
        if f.n == 0:
            return False, False
        t = rule["agreement"]["min_percent"]
        i = f.at_least(f.band_count(f.agreement), t)
        o = f.disagreement is not None and f.at_least(f.band_count(f.disagreement), t)
        return i, o
    if rule.get("comet") is not None:
        if f.n == 0:
            return False, False
        c = rule["comet"]
        ci, co = f.band_count(c["in_band"]), f.band_count(c["out_band"])
        i = f.at_least(ci, c["min_percent"]) and f.below(co, c["max_opposite_percent"])
        o = f.at_least(co, c["min_percent"]) and f.below(ci, c["max_opposite_percent"])
        return i, o
    if rule.get("iqr") is not None:
        q = f.iqr()
        ok = q is not None and q <= exact(rule["iqr"]["max"])
        return ok, ok
    if rule.get("iqr_relative") is not None:
        q = f.iqr()
        ok = q is not None and f.width is not None and f.width > 0 and q <= exact(rule["iqr_relative"]["max"]) * f.width
        return ok, ok
    if rule.get("sd") is not None:
        v, m = f.variance(), exact(rule["sd"]["max"])
        ok = v is not None and m >= 0 and v <= m * m
        return ok, ok
    if rule.get("cv") is not None:
        v, m = f.variance(), exact(rule["cv"]["max"])
        mean = sum(Fraction(x) for x in f.values) / f.n if f.n else None
        ok = v is not None and mean is not None and mean > 0 and m >= 0 and v <= (m * mean) ** 2
        return ok, ok
    return False, False


def is_empty(rule):
    return not any(rule.get(k) for k in ("all", "any", "agreement", "iqr", "iqr_relative", "sd", "cv", "comet"))


def outcome(rule, f):
    """The consensus outcome of the rule (docs/ANALYSIS.md)."""
    if is_empty(rule):
        return NONE
    if rule.get("min_n", 0) > 0 and f.n < rule["min_n"]:
        return NONE
    i, o = node(rule, f)
    if i and o:
        m = f.median()
        if m is None:
            return NONE
        if f.agreement["min"] <= m <= f.agreement["max"]:
            return IN
        d = f.disagreement
        if d is not None and d["min"] <= m <= d["max"]:
            return OUT
        return NONE
    if i:
        return IN
    if o:
        return OUT
    return NONE


# The bootstrap of results/sensitivity.csv (docs/STATISTICS.md, "Threshold
# sensitivity"): SplitMix64, seeded per study, round and item.
RESAMPLES = 2000
SEED_PREFIX = b"expertenrunde/bootstrap/v1"
GAMMA = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)


def bootstrap_seed(survey_id, rnd, item_id, criterion_id):
    """First 8 bytes, big-endian, of SHA-256(prefix NUL survey NUL round NUL item NUL criterion)."""
    parts = [SEED_PREFIX] + [str(p).encode("utf-8") for p in (survey_id, rnd, item_id, criterion_id)]
    return int.from_bytes(hashlib.sha256(b"\0".join(parts)).digest()[:8], "big")


def splitmix64(seed, count):
    """The first count outputs of SplitMix64 from seed: its state after i steps is seed + i*GAMMA."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + np.arange(1, count + 1, dtype=np.uint64) * GAMMA
        z = (z ^ (z >> np.uint64(30))) * M1
        z = (z ^ (z >> np.uint64(27))) * M2
        return z ^ (z >> np.uint64(31))


def bootstrap_ci(k, n, seed):
    """The 95 % percentile bootstrap CI of 100*k/n: n draws per resample, index = high 64 bits of output*n."""
    x = splitmix64(seed, RESAMPLES * n)
    nn = np.uint64(n)
    hi, lo = x >> np.uint64(32), x & np.uint64(0xFFFFFFFF)
    index = (hi * nn + ((lo * nn) >> np.uint64(32))) >> np.uint64(32)
    counts = (index < np.uint64(k)).reshape(RESAMPLES, n).sum(axis=1).astype(float)
    low, high = np.quantile(counts, [0.025, 0.975], method="linear")
    return 100.0 * low / n, 100.0 * high / n


def check_bootstrap(bundle, survey_id):
    """Redraws every CI of results/sensitivity.csv; returns the differences."""
    path = os.path.join(bundle, "results", "sensitivity.csv")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    problems = []
    for _, r in table.iterrows():
        key = (int(r["round"]), r["item_id"], r["criterion_id"])
        seed = bootstrap_seed(survey_id, int(r["round"]), r["item_id"], r["criterion_id"])
        if format(seed, "x") != r["seed"]:
            problems.append("%s: seed %x, platform %s" % (key, seed, r["seed"]))
        n, k = int(r["n"]), int(r["agreement_count"])
        if n == 0:
            if r["ci_low"] != "" or r["ci_high"] != "":
                problems.append("%s: n = 0 with a CI" % (key,))
            continue
        low, high = bootstrap_ci(k, n, seed)
        for name, got in (("ci_low", low), ("ci_high", high)):
            if abs(got - float(r[name])) > TOLERANCE:
                problems.append("%s: %s %r, platform %s" % (key, name, got, r[name]))
    return len(table), problems


def fmt(x):
    """A number as the shortest text that reads back to the same float; '' for None."""
    return "" if x is None else repr(float(x))


def compute(bundle):
    with open(os.path.join(bundle, "codebook.json"), encoding="utf-8") as fh:
        cb = json.load(fh)
    qtype = cb["quantile_type"]
    method = {7: "linear", 6: "weibull"}[qtype]
    rule = cb["consensus_rule"]
    data = pd.read_csv(os.path.join(bundle, "data", "answers_long.csv"), dtype={"value": float, "pseudonym": str, "group": str,
                                                                              "item_id": str, "part": str, "variable": str},
                       keep_default_na=False, na_values={"value": [""]})
    if cb["count"] == "submitted":
        data = data[data["submitted"] == 1]
    data = data[(data["abstain"] == 0) & data["value"].notna()]
    rows = []
    rounds = sorted({r for var in cb["variables"] for r in var["rounds"]})
    for rnd in rounds:
        for var in cb["variables"]:
            scale = var.get("scale")
            if scale is None or rnd not in var["rounds"]:
                continue
            sel = data[(data["round"] == rnd) & (data["variable"] == var["name"])]
            values = sel["value"].to_numpy(dtype=float)
            n = len(values)
            f = Facts(values.tolist(), scale, qtype)
            if n > 0:
                q1, med, q3 = np.quantile(values, [0.25, 0.5, 0.75], method=method)
                iqr = q3 - q1
                agree = 100.0 * f.band_count(scale["agreement"]) / n
            else:
                q1 = med = q3 = iqr = agree = None
            criterion = var.get("part", "") if var["type"] == "multi_rating" else ""
            # A criterion with a primary rule of its own is decided by it.
            own = (cb.get("consensus_criteria") or {}).get(criterion) if criterion else None
            rows.append([rnd, var["item_id"], criterion, var["name"], n,
                         fmt(med), fmt(q1), fmt(q3), fmt(iqr), fmt(agree), outcome(own if own is not None else rule, f)])
    return rows


def compare(rows, path):
    """Differences between rows and the platform's statistics file."""
    platform = pd.read_csv(path, dtype=str, keep_default_na=False)
    want = {(int(r["round"]), r["item_id"], r["criterion_id"]): r for _, r in platform.iterrows()}
    problems = []
    seen = set()
    for row in rows:
        key = (row[0], row[1], row[2])
        seen.add(key)
        w = want.get(key)
        if w is None:
            problems.append("%s: not in the platform's statistics" % (key,))
            continue
        if int(w["n"]) != row[4]:
            problems.append("%s: n %s, platform %s" % (key, row[4], w["n"]))
        for col, got in zip(COLUMNS[5:10], row[5:10]):
            exp = w[col]
            if (got == "") != (exp == ""):
                problems.append("%s: %s %r, platform %r" % (key, col, got, exp))
            elif got != "" and abs(float(got) - float(exp)) > TOLERANCE:
                problems.append("%s: %s %s, platform %s" % (key, col, got, exp))
        if w["outcome"] != row[10]:
            problems.append("%s: outcome %s, platform %s" % (key, row[10], w["outcome"]))
    for key in want:
        if key not in seen:
            problems.append("%s: missing here" % (key,))
    return problems


def main(argv):
    here = os.path.dirname(os.path.abspath(argv[0]))
    bundle = argv[1] if len(argv) > 1 else os.path.dirname(here)
    out = argv[2] if len(argv) > 2 else os.path.join(bundle, "reproduced", "item_statistics_py.csv")
    rows = compute(bundle)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    pd.DataFrame(rows, columns=COLUMNS).to_csv(out, index=False)
    problems = compare(rows, os.path.join(bundle, "results", "item_statistics.csv"))
    for p in problems:
        print("DIFFERS " + p)
    print("reproduce.py: %d rows written to %s; %d differences from results/item_statistics.csv" % (len(rows), out, len(problems)))
    with open(os.path.join(bundle, "codebook.json"), encoding="utf-8") as fh:
        survey_id = json.load(fh)["survey_id"]
    cis, boot = check_bootstrap(bundle, survey_id)
    for p in boot:
        print("DIFFERS " + p)
    print("reproduce.py: %d bootstrap intervals redrawn; %d differences from results/sensitivity.csv" % (cis, len(boot)))
    return 1 if problems or boot else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
