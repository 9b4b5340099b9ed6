"""The served dashboard, as a person sees it in a real (headless) Chromium."""

from __future__ import annotations

import statistics

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

pytestmark = pytest.mark.browser


def open_page(browser: webdriver.Chrome, url: str, chart_id: str) -> None:
    browser.get_log("browser")  # forget what earlier pages logged
    browser.get(url)
    WebDriverWait(browser, 30).until(
        lambda driver: driver.execute_script(
            "const c = document.getElementById(arguments[0]); return !!(c && c._fullLayout && c.data);", chart_id
        )
    )


def console_errors(browser: webdriver.Chrome) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def drawn_traces(browser: webdriver.Chrome, chart_id: str) -> list[dict]:
    return browser.execute_script(
        "return document.getElementById(arguments[0]).data.map(t => ({name: t.name, y: Array.from(t.y || []),"
        " colour: (t.line && t.line.color) || null, customdata: t.customdata || null}));",
        chart_id,
    )


def rate_lines(traces: list[dict]) -> set[str]:
    """The medians' lines: no bands, change points, failure marks or legend-only entries."""
    return {t["name"] for t in traces
            if not t["name"].startswith(("step", "IQR band", "failed")) and not t["name"].endswith(" IQR")}


def test_home_page_shows_the_latest_night_without_console_errors(browser, artifacts, dashboard_url, posted_history):
    # Given a posted history with a 10% TVM slowdown of resnet18 on 2 threads on bench-01
    # When the home page is opened
    open_page(browser, f"{dashboard_url}/", "overview-chart")
    browser.save_screenshot(str(artifacts / "dashboard-home.png"))
    # Then it loads cleanly, draws bench-01's speedup bar per model and thread count,
    # and lists the detected regression
    assert console_errors(browser) == []
    bench_01 = next(t for t in drawn_traces(browser, "overview-chart") if t["name"] == "bench-01")
    assert len(bench_01["y"]) == 4
    regressions = browser.find_element(By.ID, "regressions").text
    assert "resnet18" in regressions and "tvm" in regressions


def test_home_page_shows_tvms_paired_scaling_from_one_thread_of_the_latest_night(
    browser, dashboard_url, posted_history
):
    # Given nights that measured jit and tvm at 1 and 2 threads on bench-01
    _, documents = posted_history
    # When the home page is opened
    open_page(browser, f"{dashboard_url}/", "overview-chart")
    # Then the latest night's 2-thread resnet50 row gives TVM's paired scaling from one thread
    [tvm] = [r for r in documents[-1].results if (r.model, r.backend, r.threads) == ("resnet50", "tvm", 2)]
    tables = " ".join(t.text for t in browser.find_elements(By.CSS_SELECTOR, "table.overview"))
    assert "TVM scaling" in tables and f"{tvm.scaling.median:.2f}x from 1" in tables


def test_series_page_draws_each_nights_paired_scaling_from_one_thread(browser, dashboard_url, posted_history):
    # Given nights that measured tvm at 1 and 2 threads on bench-01
    _, documents = posted_history
    # When resnet50's series page is opened on bench-01's two-thread series
    open_page(browser, f"{dashboard_url}/series?model=resnet50&threads=2", "scaling-chart")
    # Then the scaling chart draws tvm's posted scaling of every night, over one thread
    assert console_errors(browser) == []
    tvm = next(t for t in drawn_traces(browser, "scaling-chart") if t["name"].startswith("tvm"))
    posted = [r.scaling.median for d in documents for r in d.results if (r.model, r.backend, r.threads) == ("resnet50", "tvm", 2)]
    assert tvm["y"] == pytest.approx(posted)
    assert set(tvm["customdata"]) == {"1 thread(s)"}


def test_series_chart_draws_the_posted_medians(browser, artifacts, dashboard_url, posted_history):
    # Given the posted history of resnet18 on bench-01 (and bench-02)
    _, documents = posted_history
    posted = [
        next(r.summary.median for r in d.results if (r.model, r.backend, r.threads) == ("resnet18", "jit", 2))
        for d in documents
    ]
    # When its series page is opened
    open_page(browser, f"{dashboard_url}/series?model=resnet18", "rate-chart")
    browser.save_screenshot(str(artifacts / "dashboard-series.png"))
    # Then bench-01's JIT 2-thread line is exactly the posted medians, night by night
    assert console_errors(browser) == []
    line = next(t for t in drawn_traces(browser, "rate-chart") if t["name"] == "jit 2 threads @bench-01")
    assert line["y"] == pytest.approx(posted)
    assert statistics.median(line["y"]) > 0


def test_threads_filter_changes_what_is_drawn(browser, dashboard_url):
    # Given the series page showing every thread count
    open_page(browser, f"{dashboard_url}/series?model=resnet50", "rate-chart")
    before = rate_lines(drawn_traces(browser, "rate-chart"))
    # When the threads filter is set to 1 and applied
    Select(browser.find_element(By.NAME, "threads")).select_by_visible_text("1")
    browser.find_element(By.ID, "apply").click()
    WebDriverWait(browser, 30).until(lambda driver: "threads=1" in driver.current_url)
    open_page(browser, browser.current_url, "rate-chart")
    after = rate_lines(drawn_traces(browser, "rate-chart"))
    # Then only the single-thread lines remain
    assert "jit 2 threads" in before
    assert after == {"jit 1 thread", "tvm 1 thread"}
    assert console_errors(browser) == []


def test_compare_page_highlights_significant_changes(browser, artifacts, dashboard_url, posted_history):
    # Given a night before and a night after the 10% TVM slowdown
    _, documents = posted_history
    baseline, contender = documents[20].run_id, documents[32].run_id
    # When the two runs are compared
    open_page(browser, f"{dashboard_url}/compare?baseline={baseline}&contender={contender}", "compare-chart")
    browser.save_screenshot(str(artifacts / "dashboard-compare.png"))
    # Then the slowed-down case is a highlighted, significant slowdown, and the page says what confidence means
    assert console_errors(browser) == []
    slower = browser.find_elements(By.CSS_SELECTOR, "tr.significant.slower td.name")
    assert "resnet18 tvm 2t b1" in [cell.text for cell in slower]
    assert "Benjamini-Hochberg" in browser.find_element(By.ID, "confidence-note").text


def test_compare_pickers_hold_the_compared_runs_and_can_be_searched(browser, dashboard_url, posted_history):
    # Given the oldest night of bench-01, older than the 60 latest runs the pickers list
    _, documents = posted_history
    oldest, latest = documents[0].run_id, documents[-1].run_id
    # When it is compared with the latest night
    open_page(browser, f"{dashboard_url}/compare?baseline={oldest}&contender={latest}", "compare-chart")
    # Then both pickers show the compared runs
    assert Select(browser.find_element(By.ID, "baseline")).first_selected_option.get_attribute("value") == str(oldest)
    assert Select(browser.find_element(By.ID, "contender")).first_selected_option.get_attribute("value") == str(latest)
    # And typing a hostname in the search box leaves only that machine's runs listed
    browser.find_element(By.ID, "baseline-search").send_keys("bench-02")
    listed = browser.execute_script(
        "return Array.from(document.getElementById('baseline').options).filter(o => !o.hidden).map(o => o.text);"
    )
    assert listed and all("bench-02" in text for text in listed)
    assert console_errors(browser) == []
