"""Check the detector's defaults on a series recorded with `benchsvc run` on a real machine.

    for i in $(seq 25); do
      .venv/bin/benchsvc run --model resnet18 --backends jit --image-size 112 --repeat 10 \\
          --min-sample-time 0.1 --database-url sqlite:///real-series.sqlite3
    done
    .venv/bin/python -m benchmarks.real_series_eval --database-url sqlite:///real-series.sqlite3

Nothing changed between those runs, so every change point found is a false alarm. The script
also measures the noise the synthetic evaluation assumes (within-run CoV, night-to-night drift)
and injects a 5% drop at every possible night into the real samples to see how soon it is found.
"""

from __future__ import annotations

import argparse
from statistics import median, pstdev

from benchsvc.analysis.detection import DEFAULT_SETTINGS, change_points
from benchsvc.storage import SeriesQuery, make_engine, series, transaction
from tests.support.synthetic import Night

DROP = 0.05


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--model", default="resnet18")
    parser.add_argument("--backend", default="jit")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--image-size", type=int)
    args = parser.parse_args()

    query = SeriesQuery(model=args.model, backend=args.backend, threads=args.threads, image_size=args.image_size)
    with transaction(make_engine(args.database_url)) as session:
        nights = [Night(tuple(point.samples)) for point in series(session, query) if point.samples]
    if len(nights) < DEFAULT_SETTINGS.min_history + DEFAULT_SETTINGS.confirm_nights:
        raise SystemExit(f"need at least {DEFAULT_SETTINGS.min_history + 2} recorded runs, found {len(nights)}")

    medians = [night.median for night in nights]
    within = median(pstdev(night.samples) / night.median for night in nights)
    between = pstdev(medians) / median(medians)
    print(f"{len(nights)} runs of {args.model}/{args.backend}: median {median(medians):.2f} it/s")
    print(f"within-run CoV (median over runs): {within:.2%}")
    print(f"night-to-night CoV of the medians: {between:.2%} ({between / within:.2f} x the within-run CoV)")
    print(f"false alarms on the unchanged series: {len(change_points(nights))}")

    found_in_time = 0
    first = DEFAULT_SETTINGS.min_history
    last = len(nights) - DEFAULT_SETTINGS.confirm_nights
    for at in range(first, last + 1):
        dropped = nights[:at] + [Night(tuple(s * (1 - DROP) for s in night.samples)) for night in nights[at:]]
        points = [p for p in change_points(dropped) if p.after < p.before]
        if any(abs(p.index - at) <= 1 and p.detected_index <= at + 1 for p in points):
            found_in_time += 1
    cases = last - first + 1
    print(f"a {DROP:.0%} drop injected at each of {cases} nights: found within 2 nights in "
          f"{found_in_time}/{cases} ({found_in_time / cases:.0%})")


if __name__ == "__main__":
    main()
