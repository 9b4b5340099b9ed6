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
        "return document.getElementById(arguments[0]).data.map(t => ({name: t.name, y: Array.from(t.y)}));",
        chart_id,
    )


def test_home_page_shows_the_latest_night_without_console_errors(browser, artifacts, dashboard_url, posted_history):
    # Given a posted history with a 10% TVM slowdown of resnet18 on 2 threads
    # When the home page is opened
    open_page(browser, f"{dashboard_url}/", "overview-chart")
    browser.save_screenshot(str(artifacts / "dashboard-home.png"))
    # Then it loads cleanly, draws one speedup bar per model and thread count,
    # and lists the detected regression
    assert console_errors(browser) == []
    bars = drawn_traces(browser, "overview-chart")[0]["y"]
    assert len(bars) == 4
    regressions = browser.find_element(By.ID, "regressions").text
    assert "resnet18" in regressions and "tvm" in regressions


def test_series_chart_draws_the_posted_medians(browser, artifacts, dashboard_url, posted_history):
    # Given the posted history of resnet18
    _, documents = posted_history
    posted = [
        next(r.summary.median for r in d.results if (r.model, r.backend, r.threads) == ("resnet18", "jit", 2))
        for d in documents
    ]
    # When its series page is opened
    open_page(browser, f"{dashboard_url}/series?model=resnet18", "rate-chart")
    browser.save_screenshot(str(artifacts / "dashboard-series.png"))
    # Then the JIT 2-thread line is exactly the posted medians, night by night
    assert console_errors(browser) == []
    line = next(t for t in drawn_traces(browser, "rate-chart") if t["name"] == "jit 2 threads")
    assert line["y"] == pytest.approx(posted)
    assert statistics.median(line["y"]) > 0


def test_threads_filter_changes_what_is_drawn(browser, dashboard_url):
    # Given the series page showing every thread count
    open_page(browser, f"{dashboard_url}/series?model=resnet18", "rate-chart")
    before = {t["name"] for t in drawn_traces(browser, "rate-chart") if not t["name"].startswith("step")}
    # When the threads filter is set to 1 and applied
    Select(browser.find_element(By.NAME, "threads")).select_by_visible_text("1")
    browser.find_element(By.ID, "apply").click()
    WebDriverWait(browser, 30).until(lambda driver: "threads=1" in driver.current_url)
    open_page(browser, browser.current_url, "rate-chart")
    after = {t["name"] for t in drawn_traces(browser, "rate-chart") if not t["name"].startswith("step")}
    # Then only the single-thread lines remain
    assert "jit 2 threads" in before
    assert after == {"jit 1 thread", "jit 1 thread IQR", "tvm 1 thread", "tvm 1 thread IQR"}
    assert console_errors(browser) == []


def test_compare_page_highlights_significant_changes(browser, artifacts, dashboard_url, posted_history):
    # Given a night before and a night after the 10% TVM slowdown
    _, documents = posted_history
    baseline, contender = documents[20].run_id, documents[30].run_id
    # When the two runs are compared
    open_page(browser, f"{dashboard_url}/compare?baseline={baseline}&contender={contender}", "compare-chart")
    browser.save_screenshot(str(artifacts / "dashboard-compare.png"))
    # Then the slowed-down case is a highlighted, significant slowdown
    assert console_errors(browser) == []
    slower = browser.find_elements(By.CSS_SELECTOR, "tr.significant.slower td.name")
    assert "resnet18 tvm 2t b1" in [cell.text for cell in slower]
