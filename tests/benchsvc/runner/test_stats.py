import pytest

from benchsvc.runner.stats import summarize


def test_summary_gives_median_quartiles_and_spread_of_the_samples():
    summary = summarize([10.0, 11.0, 12.0, 13.0, 14.0])

    assert summary.median == 12.0
    assert (summary.q1, summary.q3) == (11.0, 13.0)
    assert summary.iqr == pytest.approx(2.0)
    assert summary.mean == pytest.approx(12.0)
    assert summary.cov == pytest.approx(summary.stdev / 12.0)
    assert summary.n == 5


def test_single_sample_has_no_spread():
    summary = summarize([50.0])

    assert (summary.median, summary.iqr, summary.stdev, summary.cov) == (50.0, 0.0, 0.0, 0.0)


def test_median_resists_one_outlier_where_the_mean_does_not():
    summary = summarize([100.0] * 9 + [1.0])

    assert summary.median == 100.0
    assert summary.mean < 91.0


@pytest.mark.parametrize("samples", [[], [1.0, 0.0], [float("nan")], [-3.0]])
def test_samples_that_are_not_positive_rates_are_refused(samples):
    with pytest.raises(ValueError):
        summarize(samples)
