"""Detection on a stored run: open the regressions it confirms, close the ones it shows recovered.

One call per run, after the run is saved (ingest calls it, in its transaction or from a
worker). Every series the run measured is tested against its own history. A series is
tested every night, so its p-value is first multiplied by the number of nights its
current level has been tested (Bonferroni over those looks, up to the baseline window);
then the p-values of all series tested that night are adjusted together
(Benjamini-Hochberg), and a regression's confidence is 1 - q. Only a run that is the newest of its series judges:
a run posted late (a backfill: a run measured after it was stored before it) is stored but raises
and closes nothing. A run is judged on the history up to itself, so analysis that waited in the
queue while later nights arrived decides as it would have at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from benchsvc.analysis.detection import (
    DEFAULT_SETTINGS, DetectionSettings, Direction, NightTest, latest_test, recovery,
)
from benchsvc.analysis.multiple_testing import confidences
from benchsvc.domain import Result, Status
from benchsvc.storage.repository import get_run
from benchsvc.storage.regressions import (
    NewRegression, NightOfSeries, OpenRegression, Regression, add_regression, machine_id_of, mark_recovered,
    backfilled_series, open_regressions, recent_nights_by_series, run_position,
)

LOOKBACK_NIGHTS = 90


@dataclass(frozen=True)
class TestedSeries:
    result: Result
    history_key: str
    nights: list[NightOfSeries]
    test: NightTest


def detect_regressions(
    session: Session, run_id: uuid.UUID | str, settings: DetectionSettings = DEFAULT_SETTINGS
) -> list[Regression]:
    """The regressions this run opened or closed as recovered (empty for an unknown run)."""
    document = get_run(session, run_id)
    machine_id = machine_id_of(session, document.machine.fingerprint) if document else None
    position = run_position(session, str(run_id))
    if document is None or machine_id is None or position is None:
        return []
    changed: list[Regression] = []
    tested: list[TestedSeries] = []
    measured = [(result, result.history_key(document.machine)) for result in document.results
                if result.status is Status.OK]
    # A few queries for the whole run, however many series it measured.
    keys = [key for _, key in measured]
    histories = recent_nights_by_series(session, keys, LOOKBACK_NIGHTS, as_of=position)
    late = backfilled_series(session, keys, position)
    still_open = open_regressions(session, keys)
    for result, key in measured:
        nights = histories.get(key, [])
        if not nights or nights[-1].run_id != str(document.run_id) or key in late:
            continue
        recovered = close_if_recovered(session, still_open.get(key), nights, settings)
        if recovered is not None:
            changed.append(recovered)
        test = latest_test(nights, settings)
        if test is not None:
            tested.append(TestedSeries(result, key, nights, test))
    for series, confidence in zip(tested, confidences([series.test.watched_p_value for series in tested])):
        opened = open_if_slower(session, machine_id, series, confidence)
        if opened is not None:
            changed.append(opened)
    return changed


def close_if_recovered(
    session: Session, regression: OpenRegression | None, nights: list[NightOfSeries], settings: DetectionSettings
) -> Regression | None:
    if regression is None:
        return None
    start = next((i for i, night in enumerate(nights) if night.run_pk == regression.start_run_pk), None)
    if start is None:
        return None
    back = recovery(nights[start:], regression.before, regression.after, regression.noise, settings)
    if back is None:
        return None
    night = nights[start + back]
    return mark_recovered(
        session, regression.id, night.run_pk,
        f"back at {night.median:.2f} it/s from run {night.run_id} (before the drop: {regression.before:.2f})",
    )


def open_if_slower(
    session: Session, machine_id: int, series: TestedSeries, confidence: float
) -> Regression | None:
    step = series.test.step
    if step is None or step.direction is not Direction.SLOWER:
        return None
    result, nights = series.result, series.nights
    return add_regression(session, NewRegression(
        history_key=series.history_key, machine_id=machine_id, model=result.model, backend=result.backend,
        batch_size=result.batch_size, image_size=result.image_size, threads=result.threads,
        start_run_pk=nights[step.index].run_pk, detected_run_pk=nights[-1].run_pk,
        last_good_run_pk=nights[step.index - 1].run_pk if step.index > 0 else None,
        before=step.before, after=step.after, noise=step.noise, p_value=step.p_value, confidence=confidence,
    ))
