"""Evaluate regression detection on labelled synthetic histories: recall, false alarms, recoveries.

    .venv/bin/python -m benchmarks.regression_eval [--series 1000] [--noise-series 2000] [--sweep]

Noise (tests/support/synthetic.py): 20 samples a night (a run's default) with CoV 1-3%, a
night-level drift of a quarter of that CoV, 1% disturbed nights (10-30% slower), 2% outlier
samples (20-50% slower). Drops of 2-20% at night 60 of 80 (two months of history) for
recall; 150-night pure-noise series for false alarms; regress-then-fix histories (a drop
of 5-20% at night 50, the old level back from night 60) for recoveries. The last lines show
the 5% drop in 2% noise as nights drift more, to say where the defaults stop holding.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace

from benchsvc.analysis.detection import DEFAULT_SETTINGS, DetectionSettings
from tests.support.evaluation import Evaluation, LabelledCase, RecoveryScore, evaluate, evaluate_recovery
from tests.support.synthetic import NoiseModel

COVS = (0.01, 0.02, 0.03)
DROPS = (-0.02, -0.03, -0.05, -0.10, -0.20)
FIX_DROPS = (-0.05, -0.10, -0.20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=1000, help="series per (CoV, drop) case")
    parser.add_argument("--noise-series", type=int, default=2000, help="pure-noise series per CoV")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sweep", action="store_true", help="also score neighbouring thresholds")
    args = parser.parse_args()
    if args.sweep:
        sweep(args)
    print(f"defaults: {DEFAULT_SETTINGS}, {NoiseModel().samples} samples a night")
    result = run(DEFAULT_SETTINGS, args)
    print_table(result)
    print_recoveries(evaluate_recovery(COVS, FIX_DROPS, series_per_case=args.series // 2, seed=args.seed + 2))
    sensitivity(args)


def run(settings: DetectionSettings, args: argparse.Namespace, noise: NoiseModel = NoiseModel()) -> Evaluation:
    stepped = evaluate(
        [LabelledCase(cov, drop) for cov in COVS for drop in DROPS],
        series_per_case=args.series, nights=80, change_at=60, settings=settings, noise=noise, seed=args.seed,
    )
    quiet = evaluate(
        [LabelledCase(cov, 0.0) for cov in COVS],
        series_per_case=args.noise_series, nights=150, change_at=150, settings=settings, noise=noise,
        seed=args.seed + 1,
    )
    return Evaluation(stepped.scores + quiet.scores)


def sensitivity(args: argparse.Namespace) -> None:
    print()
    print("5% drop in 2% noise as nights drift more:")
    for between in (0.25, 0.5, 1.0):
        noise = replace(NoiseModel(), between_nights=between)
        drop = evaluate([LabelledCase(0.02, -0.05)], series_per_case=args.series, nights=80, change_at=60,
                        noise=noise, seed=args.seed).score(0.02, -0.05)
        quiet = evaluate([LabelledCase(0.02, 0.0)], series_per_case=args.noise_series // 2, nights=150,
                         change_at=150, noise=noise, seed=args.seed + 1).score(0.02, 0.0)
        print(f"  night drift {between:.2f} x CoV: found within 2 nights {drop.recall_on_time:.1%}, "
              f"false slowdowns {quiet.false_slowdowns_per_1000_nights:.2f} per 1000 nights")


def sweep(args: argparse.Namespace) -> None:
    print("samples  alpha  z_each  >=5% in 2 nights  3% in 2 nights  false slowdowns/1000 nights (CoV 3%)")
    for samples, alpha, z_each in itertools.product((10, 20), (1e-4, 3e-4, 5e-4, 9e-4), (1.0, 2.0)):
        settings = replace(DEFAULT_SETTINGS, alpha=alpha, z_each=z_each)
        result = run(settings, args, replace(NoiseModel(), samples=samples))
        print(f"{samples:7d} {alpha:6.0e} {z_each:6.1f}  {result.recall_on_time_of((-0.05, -0.10, -0.20)):16.3f}"
              f"  {result.recall_on_time_of((-0.03,)):14.3f}  {result.false_slowdowns_per_1000_nights:10.2f}"
              f" ({result.score(0.03, 0.0).false_slowdowns_per_1000_nights:.2f})")
    print()


def print_table(result: Evaluation) -> None:
    print(f"{'CoV':>5} {'drop':>6} {'series':>6} {'recall':>7} {'<=2 nights':>10} {'median delay':>12}")
    for score in result.scores:
        if not score.case.step:
            continue
        delays = sorted(score.delays)
        median = f"{delays[len(delays) // 2]}" if delays else "-"
        print(f"{score.case.cov:5.0%} {score.case.step:+6.0%} {score.series:6d} {score.recall:7.3f} "
              f"{score.recall_on_time:10.3f} {median:>12}")
    print()
    print("found within 2 nights, all CoVs (1-3%) pooled:")
    for drop in DROPS:
        print(f"  {drop:+.0%}: {result.recall_on_time_of((drop,)):.1%}")
    print(f"  drops of 5% or more: {result.recall_on_time_of((-0.05, -0.10, -0.20)):.1%}")
    print()
    for score in result.scores:
        if not score.case.step:
            print(f"pure noise, CoV {score.case.cov:.0%}: {score.false_slowdowns_per_1000_nights:.2f} false slowdowns "
                  f"(regressions), {score.false_alarms_per_1000_nights:.2f} change points of either direction "
                  f"per 1000 nights, over {score.nights_at_risk} nights")
    print(f"false regressions on pure noise, all CoVs: {result.false_slowdowns_per_1000_nights:.2f} per 1000 nights "
          f"(change points of either direction: {result.false_alarms_per_1000_nights:.2f})")


def print_recoveries(scores: list[RecoveryScore]) -> None:
    print()
    print("regress-then-fix: detected drops closed as recovered within 3 nights of the fix")
    for score in scores:
        print(f"  CoV {score.cov:.0%}, drop {score.drop:+.0%}: {score.recovered_share:.1%} of {score.detected} "
              f"detected ({score.too_early} closed before the fix)")
    detected = sum(score.detected for score in scores)
    print(f"  all: {sum(score.recovered_in_time for score in scores) / detected:.1%} of {detected}, "
          f"{sum(score.too_early for score in scores)} closed before the fix")


if __name__ == "__main__":
    main()
