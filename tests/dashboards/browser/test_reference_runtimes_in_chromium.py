"""TVM against the fastest reference runtime of each night, as a person sees it in headless Chromium."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from benchsvc.domain import RunDocument
from benchsvc.ingest import store
from benchsvc.storage import upgrade
from tests.dashboards.browser.test_dashboard_in_chromium import console_errors, drawn_traces, open_page
from tests.support.synthetic_history import HistoryPlan, generate_history

pytestmark = pytest.mark.browser

PLAN = HistoryPlan(nights=12, models=("resnet50",), backends=("jit", "tvm", "ort", "openvino"), threads=(2,), steps=[])


@pytest.fixture(scope="module")
def posted_history(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[RunDocument]]:
    """Nights of jit, tvm and both reference runtimes, OpenVINO the faster of the two."""
    url = f"sqlite:///{tmp_path_factory.mktemp('references') / 'dashboard.sqlite3'}"
    upgrade(url)
    documents = list(generate_history(PLAN))
    for document in documents:
        store(url, document)
    return url, documents


def posted_ratios(documents: list[RunDocument], backend: str) -> list[tuple[float, str]]:
    return [
        (r.ratio_to_best_reference.median, r.ratio_to_best_reference.reference)
        for document in documents for r in document.results if r.backend == backend
    ]


def test_the_series_page_draws_tvm_over_the_fastest_reference_runtime_of_each_night(
    browser, artifacts, dashboard_url, posted_history
):
    # Given nights that measured jit, tvm, ONNX Runtime and OpenVINO
    _, documents = posted_history
    # When the series page is opened
    open_page(browser, f"{dashboard_url}/series?model=resnet50", "reference-chart")
    browser.execute_script("document.getElementById('reference-chart').scrollIntoView()")
    browser.save_screenshot(str(artifacts / "dashboard-reference-runtimes.png"))
    # Then the reference chart draws each night's paired ratio, naming the reference in its hover
    assert console_errors(browser) == []
    tvm = next(t for t in drawn_traces(browser, "reference-chart") if t["name"].startswith("tvm"))
    ratios, references = zip(*posted_ratios(documents, "tvm"))
    assert tvm["y"] == pytest.approx(list(ratios))
    assert tvm["customdata"] == list(references) == ["openvino"] * PLAN.nights


def test_the_home_page_shows_tvm_over_the_fastest_reference_runtime_of_the_latest_night(
    browser, dashboard_url, posted_history
):
    # Given the same nights
    _, documents = posted_history
    # When the home page is opened
    open_page(browser, f"{dashboard_url}/", "overview-chart")
    # Then the latest night's row gives TVM's paired ratio to OpenVINO
    ratio, reference = posted_ratios(documents[-1:], "tvm")[0]
    table = browser.find_element(By.CSS_SELECTOR, "table.overview").text
    assert "TVM / best reference" in table and f"{ratio:.3f}x {reference}" in table
