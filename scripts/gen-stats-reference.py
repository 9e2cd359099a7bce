#!/usr/bin/python3
"""Generate reference values for src/stats from scipy (Debian python3-scipy, run with /usr/bin/python3).

    /usr/bin/python3 scripts/gen-stats-reference.py > src/stats/__fixtures__/stats-reference.json

The TypeScript tests read the JSON and never need Python. Where scipy has a function, it is the
reference; where it has none, the reference is a short independent implementation written here from
the published formula (marked "independent" below), so a shared misreading of scipy's internals or of
a paper would have to be made twice to pass:
  - Wilson and Clopper-Pearson: scipy.stats.binomtest(...).proportion_ci ('wilson', 'exact').
  - Welch interval: scipy 1.10's ttest_ind has no confidence_interval -> independent (t.ppf * se).
  - Two-proportion z: two-sided p from scipy.stats.chi2_contingency(correction=False) (z^2 = chi2);
    one-sided p and Newcombe's interval independent.
  - McNemar exact: scipy.stats.binomtest on the discordant pairs.
  - Holm, Benjamini-Hochberg: statsmodels is not installed -> independent.
  - Ratio of means (log delta method), Cohen's d interval, sample sizes: independent; the mean sample
    size is also checked against the exact noncentral-t power (scipy.stats.nct).
  - BCa from given replicates: independent, following scipy's _bca_interval formulas; the full
    bootstrap is compared loosely with scipy.stats.bootstrap (different random streams).
  - Confidence sequences: no scipy equivalent -> independent grid evaluation of the hedged capital
    process of Waudby-Smith & Ramdas (2023); the TS bisection must land within one grid step.
Non-finite numbers are written as the strings "NaN", "Infinity", "-Infinity".
"""
import json
import math
import sys
import warnings

import numpy as np
import scipy
import scipy.stats as st

# The edge cases (constant samples, tiny n) make scipy warn by design; keep stderr for the summary.
warnings.filterwarnings("ignore", category=RuntimeWarning)
warnings.filterwarnings("ignore", category=UserWarning)

rng = np.random.RandomState(20240601)
ALTS = ["two-sided", "greater", "less"]


def enc(x):
    """JSON-safe number (or nested structure)."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: enc(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [enc(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, str):
        return x
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def r(a, digits=6):
    return [round(float(v), digits) for v in a]


def samples():
    """A mix of shapes: normal, skewed, tiny, tied, constant."""
    out = [
        r(rng.normal(0.7, 0.1, 12)), r(rng.normal(0.6, 0.15, 15)),
        r(rng.exponential(200, 25)), r(rng.exponential(260, 30)),
        [1.0, 2.0], [3.0, 3.5, 4.0], [0.0, 1.0, 1.0, 0.0, 1.0, 1.0],
        [5.0, 5.0, 5.0, 5.0], [1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0],
        r(rng.normal(100, 20, 200)), r(rng.uniform(0, 1, 7)), [-2.5, 0.0, 2.5, 7.0],
    ]
    return out


def mean_interval_cases():
    cases = []
    for xs in samples():
        for conf in (0.95, 0.9, 0.99):
            a = np.array(xs)
            n = len(a)
            m = a.mean()
            sd = a.std(ddof=1)
            if sd == 0:
                low = high = m
            else:
                low, high = st.t.interval(conf, n - 1, loc=m, scale=sd / math.sqrt(n))
            cases.append({"values": xs, "confidence": conf,
                          "expected": {"n": n, "mean": m, "sd": sd, "low": low, "high": high}})
    return cases


def proportion_cases():
    cases = []
    for k, n in [(0, 1), (1, 1), (0, 10), (10, 10), (8, 10), (3, 10), (1, 50), (49, 50), (25, 50),
                 (0, 1000), (999, 1000), (512, 1000), (7, 13), (1, 2)]:
        for conf in (0.95, 0.9):
            t = st.binomtest(k, n)
            w = t.proportion_ci(conf, "wilson")
            e = t.proportion_ci(conf, "exact")
            cases.append({"successes": k, "n": n, "confidence": conf,
                          "wilson": {"estimate": k / n, "low": w.low, "high": w.high},
                          "clopperPearson": {"estimate": k / n, "low": e.low, "high": e.high}})
    return cases


def quantile_cases():
    cases = []
    for xs in samples()[:8] + [[42.0]]:
        s = sorted(xs)
        for p in (0, 0.1, 0.25, 0.5, 0.9, 0.975, 1):
            cases.append({"sorted": s, "p": p, "expected": float(np.quantile(s, p))})
    return cases


def welch_cases():
    cases = []
    xs = samples()
    pairs = [(0, 1), (2, 3), (4, 5), (5, 6), (6, 0), (7, 5), (9, 0), (10, 11), (8, 6), (1, 7)]
    for i, j in pairs:
        x, y = np.array(xs[i]), np.array(xs[j])
        for alt in ALTS:
            t = st.ttest_ind(x, y, equal_var=False, alternative=alt)
            vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
            se = math.sqrt(vx + vy)
            df = (vx + vy) ** 2 / (vx ** 2 / (len(x) - 1) + vy ** 2 / (len(y) - 1))
            d = x.mean() - y.mean()
            if alt == "two-sided":
                q = st.t.ppf(0.975, df)
                low, high = d - q * se, d + q * se
            elif alt == "greater":
                low, high = d - st.t.ppf(0.95, df) * se, math.inf
            else:
                low, high = -math.inf, d + st.t.ppf(0.95, df) * se
            cases.append({"x": xs[i], "y": xs[j], "alternative": alt,
                          "expected": {"statistic": t.statistic, "pValue": t.pvalue, "df": df,
                                       "estimate": d, "low": low, "high": high}})
    # Both sides constant with different means: t = +-inf, p = 0 (scipy and the TS agree).
    t = st.ttest_ind([2.0, 2.0, 2.0], [1.0, 1.0], equal_var=False)
    cases.append({"x": [2.0, 2.0, 2.0], "y": [1.0, 1.0], "alternative": "two-sided",
                  "expected": {"statistic": t.statistic, "pValue": t.pvalue}})
    return cases


def mwu_cases():
    cases = []
    small = [(r(rng.normal(0, 1, 4)), r(rng.normal(1, 1, 3))), (r(rng.normal(0, 1, 6)), r(rng.normal(0.5, 1, 8))),
             (r(rng.normal(0, 1, 8)), r(rng.normal(0, 1, 8))), (r(rng.normal(0, 1, 1)), r(rng.normal(0, 1, 5))),
             (r(rng.normal(0, 1, 20)), r(rng.normal(0.8, 1, 25)))]
    for x, y in small:
        for alt in ALTS:
            method = "exact" if len(x) * len(y) <= 1000 else "asymptotic"
            t = st.mannwhitneyu(x, y, alternative=alt, method=method)
            cases.append({"x": x, "y": y, "alternative": alt, "method": method,
                          "expected": {"statistic": t.statistic, "pValue": t.pvalue}})
    tied = [([1, 2, 2, 3, 3, 3, 4], [2, 3, 4, 4, 5, 5]), ([0, 0, 1, 1, 1], [0, 1, 1, 1, 1, 1, 1]),
            ([5, 5, 5], [5, 5, 5, 5]),  # scipy: NaN without continuity; the TS returns p = 1 by design
            (r(rng.exponential(100, 60)), r(rng.exponential(120, 70))),
            (list(rng.randint(0, 5, 40)), list(rng.randint(1, 6, 35)))]
    for x, y in tied:
        x = [float(v) for v in x]
        y = [float(v) for v in y]
        for alt in ALTS:
            for cont in (True, False):
                t = st.mannwhitneyu(x, y, alternative=alt, method="asymptotic", use_continuity=cont)
                cases.append({"x": x, "y": y, "alternative": alt, "method": "asymptotic", "continuity": cont,
                              "expected": {"statistic": t.statistic, "pValue": t.pvalue}})
    return cases


def wilson_ci(k, n, conf):
    z = st.norm.ppf(1 - (1 - conf) / 2)
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z / den * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def two_proportion_cases():
    cases = []
    for sx, nx, sy, ny in [(45, 100, 30, 100), (10, 10, 9, 10), (0, 20, 3, 20), (500, 1000, 530, 1000),
                           (1, 5, 4, 7), (30, 40, 30, 40), (99, 100, 90, 100), (7, 50, 14, 60)]:
        for alt in ALTS:
            px, py = sx / nx, sy / ny
            pool = (sx + sy) / (nx + ny)
            se = math.sqrt(pool * (1 - pool) * (1 / nx + 1 / ny))
            z = (px - py) / se
            if alt == "two-sided":
                chi2, p, _, _ = st.chi2_contingency([[sx, nx - sx], [sy, ny - sy]], correction=False)
                assert abs(chi2 - z * z) < 1e-9 * max(1, chi2)
            else:
                p = st.norm.sf(z) if alt == "greater" else st.norm.cdf(z)
            lx, hx = wilson_ci(sx, nx, 0.95)
            ly, hy = wilson_ci(sy, ny, 0.95)
            d = px - py
            low = d - math.sqrt((px - lx) ** 2 + (hy - py) ** 2)
            high = d + math.sqrt((hx - px) ** 2 + (py - ly) ** 2)
            cases.append({"sx": sx, "nx": nx, "sy": sy, "ny": ny, "alternative": alt,
                          "expected": {"statistic": z, "pValue": p, "estimate": d, "low": low, "high": high}})
    return cases


def paired_t_cases():
    cases = []
    for n, shift in [(2, 0.5), (5, 0.1), (12, 0.05), (30, 0.0), (80, 0.02)]:
        x = r(rng.normal(0.6, 0.2, n))
        y = r(np.array(x) - shift + rng.normal(0, 0.1, n))
        for alt in ALTS:
            t = st.ttest_rel(x, y, alternative=alt)
            ci = t.confidence_interval(0.95)
            cases.append({"x": x, "y": y, "alternative": alt,
                          "expected": {"statistic": t.statistic, "pValue": t.pvalue, "df": t.df,
                                       "estimate": float(np.mean(np.array(x) - np.array(y))),
                                       "low": ci.low, "high": ci.high}})
    return cases


def wilcoxon_cases():
    cases = []
    exact = [(r(rng.normal(1, 1, 6)), r(rng.normal(0, 1, 6))), (r(rng.normal(0, 1, 10)), r(rng.normal(0, 1, 10))),
             (r(rng.normal(0.3, 1, 25)), r(rng.normal(0, 1, 25))),
             ([1.5, 2.7, 3.1, 4.9, 5.2, 6.8], [1, 2, 3, 4, 5, 6])]
    for x, y in exact:
        x = [float(v) for v in x]
        y = [float(v) for v in y]
        for alt in ALTS:
            t = st.wilcoxon(x, y, alternative=alt, method="exact")
            cases.append({"x": x, "y": y, "alternative": alt, "method": "exact",
                          "expected": {"statistic": t.statistic, "pValue": t.pvalue}})
    approx = [([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 2, 2, 4, 4, 9, 9]),  # zeros and ties
              (list(rng.randint(0, 4, 40)), list(rng.randint(0, 4, 40))),
              (r(rng.normal(0.2, 1, 70)), r(rng.normal(0, 1, 70))),
              ([0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1], [0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0])]
    for x, y in approx:
        x = [float(v) for v in x]
        y = [float(v) for v in y]
        for alt in ALTS:
            for cont in (False, True):
                t = st.wilcoxon(x, y, alternative=alt, method="approx", correction=cont)
                cases.append({"x": x, "y": y, "alternative": alt, "method": "asymptotic", "continuity": cont,
                              "expected": {"statistic": t.statistic, "pValue": t.pvalue}})
    return cases


def mcnemar_cases():
    cases = []
    for b, c, same in [(5, 0, 3), (0, 0, 10), (3, 9, 28), (10, 10, 5), (1, 7, 0), (40, 25, 100), (0, 1, 1)]:
        x = [1] * b + [0] * c + [1] * same
        y = [0] * b + [1] * c + [1] * same
        for alt in ALTS:
            p = 1.0 if b + c == 0 else st.binomtest(b, b + c, 0.5, alternative=alt).pvalue
            cases.append({"x": x, "y": y, "alternative": alt, "expected": {"statistic": b, "pValue": p}})
    return cases


def effect_size_cases():
    cases = []
    xs = samples()
    for i, j in [(0, 1), (2, 3), (9, 0), (10, 11), (3, 2), (5, 6)]:
        x, y = np.array(xs[i]), np.array(xs[j])
        n, m = len(x), len(y)
        mx, my = x.mean(), y.mean()
        z = st.norm.ppf(0.975)
        ratio = mx / my
        if mx > 0 and my > 0:
            se_log = math.sqrt(x.var(ddof=1) / (n * mx * mx) + y.var(ddof=1) / (m * my * my))
            rl, rh = ratio * math.exp(-z * se_log), ratio * math.exp(z * se_log)
        else:
            rl = rh = math.nan
        sp = math.sqrt(((n - 1) * x.var(ddof=1) + (m - 1) * y.var(ddof=1)) / (n + m - 2))
        d = (mx - my) / sp
        se_d = math.sqrt((n + m) / (n * m) + d * d / (2 * (n + m)))
        cases.append({"x": xs[i], "y": xs[j],
                      "ratio": {"estimate": ratio, "low": rl, "high": rh},
                      "cohensD": {"estimate": d, "low": d - z * se_d, "high": d + z * se_d}})
    return cases


def holm(p):
    p = np.asarray(p, float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adj[i] = running
    return adj


def bh(p):
    p = np.asarray(p, float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj = np.empty(m)
    q = np.minimum.accumulate((p[order] * m / np.arange(1, m + 1))[::-1])[::-1]
    adj[order] = np.minimum(q, 1.0)
    return adj


def multiple_cases():
    cases = []
    sets = [[0.01, 0.04, 0.03], [0.5], [0.001, 0.001, 0.2, 0.9, 1.0], [0.04, 0.04, 0.04, 0.04],
            [1.0, 1.0], r(rng.uniform(0, 0.1, 10)), r(rng.uniform(0, 1, 25)), [0.0, 0.05, 0.5]]
    for p in sets:
        cases.append({"p": p, "holm": holm(p), "bh": bh(p)})
    return cases


def srm_cases():
    cases = []
    for counts, shares in [([5000, 5200], None), ([5000, 5600], None), ([100, 100, 100], None),
                           ([700, 300], [0.7, 0.3]), ([690, 310], [7, 3]), ([1, 0], None),
                           ([250, 260, 240, 300], [1, 1, 1, 1.2]), ([50, 50], [0.6, 0.4])]:
        total = sum(counts)
        sh = shares or [1] * len(counts)
        exp = [total * s / sum(sh) for s in sh]
        t = st.chisquare(counts, exp)
        cases.append({"counts": counts, "shares": shares, "expected": {"statistic": t.statistic, "pValue": t.pvalue}})
    return cases


def power_cases():
    cases = []
    for p1, p2, alpha, power in [(0.6, 0.7, 0.05, 0.8), (0.5, 0.55, 0.05, 0.9), (0.1, 0.2, 0.01, 0.8),
                                 (0.9, 0.95, 0.05, 0.8), (0.3, 0.1, 0.05, 0.8), (0.02, 0.03, 0.05, 0.8)]:
        za, zb = st.norm.ppf(1 - alpha / 2), st.norm.ppf(power)
        pb = (p1 + p2) / 2
        root = za * math.sqrt(2 * pb * (1 - pb)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
        cases.append({"kind": "proportions", "p1": p1, "p2": p2, "alpha": alpha, "power": power,
                      "expected": math.ceil(root * root / (p1 - p2) ** 2)})
    for diff, sd, alpha, power in [(0.5, 1, 0.05, 0.8), (0.2, 1, 0.05, 0.9), (1, 1, 0.05, 0.8), (2, 1, 0.05, 0.8),
                                   (0.05, 0.2, 0.01, 0.8), (10, 40, 0.05, 0.95), (3, 1, 0.05, 0.8),
                                   (1.5, 1, 0.01, 0.9), (0.1, 1, 0.05, 0.8)]:
        # The exact answer: smallest n whose two-sided noncentral-t power reaches the target.
        n = 2
        while True:
            df = 2 * n - 2
            nc = diff / (sd * math.sqrt(2 / n))
            q = st.t.ppf(1 - alpha / 2, df)
            achieved = st.nct.sf(q, df, nc) + st.nct.cdf(-q, df, nc)
            # Boost's nct can return NaN for 2 df and a large noncentrality; skip to the next n.
            if achieved >= power:
                break
            n += 1
        cases.append({"kind": "means", "difference": diff, "sd": sd, "alpha": alpha, "power": power, "exactN": n})
    return cases


def bca(theta_hat, reps, jack, conf):
    reps = np.asarray(reps)
    pct = ((reps < theta_hat).sum() + (reps <= theta_hat).sum()) / (2 * len(reps))
    z0 = st.norm.ppf(pct)
    u = jack.mean() - jack
    a = (u ** 3).sum() / (6 * ((u ** 2).sum()) ** 1.5)
    za = st.norm.ppf((1 - conf) / 2)
    a1 = st.norm.cdf(z0 + (z0 + za) / (1 - a * (z0 + za)))
    a2 = st.norm.cdf(z0 + (z0 - za) / (1 - a * (z0 - za)))
    return np.percentile(reps, a1 * 100), np.percentile(reps, a2 * 100)


def bootstrap_cases():
    given, loose = [], []
    for xs in [samples()[0], samples()[2], r(rng.exponential(1, 40)), [1.0, 2.0, 3.0, 10.0, 11.0]]:
        x = np.array(xs)
        n = len(x)
        reps = r(x[rng.randint(0, n, (500, n))].mean(axis=1), 9)
        jack = np.array([np.delete(x, i).mean() for i in range(n)])
        lo, hi = bca(x.mean(), np.array(reps), jack, 0.95)
        given.append({"values": xs, "replicates": reps, "jackknife": jack, "expected": {"low": lo, "high": hi}})
    for xs in [samples()[0], samples()[3], r(rng.lognormal(0, 1, 50))]:
        for method in ("BCa", "percentile"):
            res = st.bootstrap((np.array(xs),), np.mean, n_resamples=20000, method=method, random_state=1)
            ci = res.confidence_interval
            loose.append({"values": xs, "method": "bca" if method == "BCa" else "percentile",
                          "expected": {"low": ci.low, "high": ci.high}})
    return given, loose


def hedged_cs(xs, alpha=0.05, c=0.5, grid=4001, planned_n=None):
    """Grid evaluation of the hedged capital CS (Waudby-Smith & Ramdas 2023, Thm 3, eq. 26)."""
    ms = np.linspace(0, 1, grid)
    logk_up = np.zeros(grid)
    logk_dn = np.zeros(grid)
    max_up = np.zeros(grid)
    max_dn = np.zeros(grid)
    s, ssq = 0.0, 0.25
    with np.errstate(divide="ignore"):
        cap_up = np.where(ms > 0, c / ms, np.inf)
        cap_dn = np.where(ms < 1, c / (1 - ms), np.inf)
    for i, x in enumerate(xs):
        t = i + 1
        scale = planned_n if planned_n else t * math.log(1 + t)
        lam = math.sqrt(2 * math.log(2 / alpha) / (ssq / t * scale))
        logk_up += np.log1p(np.minimum(lam, cap_up) * (x - ms))
        logk_dn += np.log1p(-np.minimum(lam, cap_dn) * (x - ms))
        max_up = np.maximum(max_up, logk_up)
        max_dn = np.maximum(max_dn, logk_dn)
        s += x
        mu = (0.5 + s) / (t + 1)
        ssq += (x - mu) ** 2
    thr = math.log(2 / alpha)
    kept = ms[(max_up < thr) & (max_dn < thr)]
    return float(kept.min()), float(kept.max()), 1 / (grid - 1)


def cs_cases():
    cases = []
    for n, p in [(50, 0.5), (200, 0.8), (500, 0.3), (300, 0.98), (1000, 0.6)]:
        xs = [float(v) for v in (rng.uniform(0, 1, n) < p)]
        lo, hi, step = hedged_cs(xs)
        cases.append({"values": xs, "expected": {"low": lo, "high": hi}, "gridStep": step})
    xs = r(rng.beta(2, 5, 400))
    lo, hi, step = hedged_cs(xs)
    cases.append({"values": xs, "expected": {"low": lo, "high": hi}, "gridStep": step})
    for n, p in [(2000, 0.5), (800, 0.1)]:
        xs = [float(v) for v in (rng.uniform(0, 1, n) < p)]
        lo, hi, step = hedged_cs(xs, planned_n=n)
        cases.append({"values": xs, "plannedN": n, "expected": {"low": lo, "high": hi}, "gridStep": step})
    xs = [1.0] * 300
    lo, hi, step = hedged_cs(xs)
    cases.append({"values": xs, "expected": {"low": lo, "high": hi}, "gridStep": step})
    return cases


def main():
    given, loose = bootstrap_cases()
    out = {
        "generator": "scripts/gen-stats-reference.py",
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "meanInterval": mean_interval_cases(),
        "proportion": proportion_cases(),
        "quantile": quantile_cases(),
        "welch": welch_cases(),
        "mannWhitney": mwu_cases(),
        "twoProportion": two_proportion_cases(),
        "pairedT": paired_t_cases(),
        "wilcoxon": wilcoxon_cases(),
        "mcnemar": mcnemar_cases(),
        "effectSizes": effect_size_cases(),
        "multiple": multiple_cases(),
        "srm": srm_cases(),
        "power": power_cases(),
        "bcaGiven": given,
        "bootstrapLoose": loose,
        "confidenceSequence": cs_cases(),
    }
    counts = {k: len(v) for k, v in out.items() if isinstance(v, list)}
    print(json.dumps(counts), "total", sum(counts.values()), file=sys.stderr)
    json.dump(enc(out), sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
