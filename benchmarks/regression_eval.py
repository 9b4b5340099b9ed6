"""Evaluate regression detection on labelled synthetic series and print precision, recall, delay.

    .venv/bin/python benchmarks/regression_eval.py [--series 300] [--sweep]

Noise (benchsvc/analysis/synthetic.py): samples with CoV 1-5% within a night, a
night-level drift of a quarter of that CoV, 1% disturbed nights (10-30% slower),
2% outlier samples (20-50% slower). Steps of 2-20% up and down at night 60 of 80
(two months of history); 150-night pure-noise series for the false-alarm rate. The
last lines show the headline case under noisier nights, to say where the defaults
stop meeting the target.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace

from benchsvc.analysis.detection import DEFAULT_SETTINGS, DetectionSettings
from tests.support.evaluation import Evaluation, LabelledCase, evaluate
from tests.support.synthetic import NoiseModel

COVS = (0.01, 0.02, 0.03, 0.05)
STEPS = (0.0, -0.02, 0.02, -0.05, 0.05, -0.10, 0.10, -0.20, 0.20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=300, help="series per (CoV, step) case")
    parser.add_argument("--noise-series", type=int, default=2000, help="pure-noise series per CoV")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sweep", action="store_true", help="also score neighbouring thresholds")
    args = parser.parse_args()
    if args.sweep:
        sweep(args)
    print(f"defaults: {DEFAULT_SETTINGS}")
    print_table(run(DEFAULT_SETTINGS, args))
    sensitivity(args)


def run(settings: DetectionSettings, args: argparse.Namespace, noise: NoiseModel = NoiseModel()) -> Evaluation:
    stepped = evaluate(
        [LabelledCase(cov, step) for cov in COVS for step in STEPS if step],
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
    print("headline case (5% drop, 2% CoV) as nights drift more:")
    for between in (0.25, 0.5, 1.0):
        noise = replace(NoiseModel(), between_nights=between)
        drop = evaluate([LabelledCase(0.02, -0.05)], series_per_case=args.series, nights=80, change_at=60,
                        noise=noise, seed=args.seed).score(0.02, -0.05)
        quiet = evaluate([LabelledCase(0.02, 0.0)], series_per_case=args.noise_series // 2, nights=150,
                         change_at=150, noise=noise, seed=args.seed + 1).score(0.02, 0.0)
        print(f"  night drift {between:.2f} x CoV: found within 2 nights {drop.recall_on_time:.1%}, "
              f"false alarms {quiet.false_alarms_per_1000_nights:.2f} per 1000 nights")


def sweep(args: argparse.Namespace) -> None:
    print("alpha   z_each window  precision recall  5%/2%-on-time  false-alarms/1000-nights")
    for alpha, z_each, window in itertools.product((1e-3, 3e-4, 1e-4), (1.5, 2.0), (14, 30)):
        settings = replace(DEFAULT_SETTINGS, alpha=alpha, z_each=z_each, window=window)
        result = run(settings, args)
        headline = result.score(0.02, -0.05).recall_on_time
        print(f"{alpha:6.0e} {z_each:6.1f} {window:6d}  {result.precision:9.3f} {result.recall:6.3f}  "
              f"{headline:13.3f}  {result.false_alarms_per_1000_nights:10.2f}")
    print()


def print_table(result: Evaluation) -> None:
    print(f"{'CoV':>5} {'step':>6} {'series':>6} {'recall':>7} {'<=2 nights':>10} {'median delay':>12} {'FA/1000 nights':>14}")
    for score in result.scores:
        delays = sorted(score.delays)
        median = f"{delays[len(delays) // 2]}" if delays else "-"
        recall = f"{score.recall:7.3f}" if score.case.step else "      -"
        on_time = f"{score.recall_on_time:10.3f}" if score.case.step else "         -"
        print(f"{score.case.cov:5.0%} {score.case.step:+6.0%} {score.series:6d} {recall} {on_time} "
              f"{median:>12} {score.false_alarms_per_1000_nights:14.2f}")
    headline = result.score(0.02, -0.05)
    print()
    print(f"precision {result.precision:.3f}  recall {result.recall:.3f}  median delay {result.median_delay:.0f} nights")
    print(f"5% drop in 2% noise: found within 2 nights in {headline.recall_on_time:.1%} of {headline.series} series")
    print(f"false alarms on pure noise: {result.false_alarms_per_1000_nights:.2f} per 1000 nights")


if __name__ == "__main__":
    main()
