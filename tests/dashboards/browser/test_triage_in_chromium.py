"""Machines, failures and regressions in the dashboard, as a person sees them in headless Chromium."""

from __future__ import annotations

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

from tests.dashboards.browser.conftest import REPOSITORY_URL, TRIAGER
from tests.dashboards.browser.test_dashboard_in_chromium import console_errors, drawn_traces, open_page

pytestmark = pytest.mark.browser


def open_plain(browser: webdriver.Chrome, url: str) -> None:
    browser.get_log("browser")
    browser.get(url)


def open_regression(dashboard_url: str) -> dict:
    return httpx.get(f"{dashboard_url}/api/v1/regressions", params={"model": "resnet18", "backend": "tvm"}).json()[0]


def test_home_lists_every_machine_with_its_colour_and_the_failing_one_first(browser, artifacts, dashboard_url):
    # Given two machines, bench-02 with a crash in its latest night
    # When the home page is opened
    open_page(browser, f"{dashboard_url}/", "overview-chart")
    browser.save_screenshot(str(artifacts / "dashboard-home-machines.png"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#machines tr.machine")
    # Then both machines are listed by hostname, the one whose latest night failed first, each in its own colour
    assert [row.get_attribute("data-hostname") for row in rows] == ["bench-02", "bench-01"]
    colours = [row.get_attribute("data-colour") for row in rows]
    assert len(set(colours)) == 2
    # And the failure of that night is spelled out
    assert "measurement process crashed with SIGSEGV" in browser.find_element(By.ID, "machine-bench-02").text
    assert console_errors(browser) == []


def test_a_machine_has_the_same_colour_on_every_chart_as_on_the_home_page(browser, dashboard_url):
    open_page(browser, f"{dashboard_url}/", "overview-chart")
    home = {row.get_attribute("data-hostname"): row.get_attribute("data-colour")
            for row in browser.find_elements(By.CSS_SELECTOR, "#machines tr.machine")}
    # When resnet18, measured on both machines, is charted
    open_page(browser, f"{dashboard_url}/series?model=resnet18", "rate-chart")
    lines = {t["name"]: t["colour"] for t in drawn_traces(browser, "rate-chart")}
    # Then each machine's lines carry that machine's colour
    assert lines["jit 2 threads @bench-01"] == home["bench-01"]
    assert lines["jit 2 threads @bench-02"] == home["bench-02"]
    assert lines["tvm 2 threads @bench-01"] == home["bench-01"]
    speedups = {t["name"]: t["colour"] for t in drawn_traces(browser, "speedup-chart")}
    assert speedups["tvm 2 threads @bench-01"] == home["bench-01"]


def test_failed_and_invalid_nights_are_marked_with_their_reason(browser, artifacts, dashboard_url):
    # When resnet18's series is charted
    open_page(browser, f"{dashboard_url}/series?model=resnet18", "rate-chart")
    browser.save_screenshot(str(artifacts / "dashboard-series-failures.png"))
    marks = next(t for t in drawn_traces(browser, "rate-chart") if t["name"] == "failed / invalid / degraded nights")
    # Then both bad nights are marked, each with its line, status and reason for the hover
    reasons = {(line, status, reason) for line, status, reason in marks["customdata"]}
    assert ("tvm 2 threads @bench-01", "invalid",
            "output differs from eager: max abs diff 0.2 > tolerance 0.001") in reasons
    assert ("jit 1 thread @bench-02", "failed", "measurement process crashed with SIGSEGV") in reasons
    hover = browser.execute_script(
        "return document.getElementById('rate-chart').data.find(t => t.name.startsWith('failed')).hovertemplate;"
    )
    assert "customdata[2]" in hover
    assert console_errors(browser) == []


def test_noisy_nights_are_drawn_hollow(browser, dashboard_url):
    # Given night 10 of bench-01 timed under interference
    open_page(browser, f"{dashboard_url}/series?model=resnet50", "rate-chart")
    symbols = browser.execute_script(
        "return Array.from(document.getElementById('rate-chart').data.find(t => t.name === 'jit 2 threads')"
        ".marker.symbol);"
    )
    # Then that night's marker, and only that one, is hollow
    assert [index for index, symbol in enumerate(symbols) if symbol.endswith("-open")] == [10]


def test_an_empty_chart_says_why(browser, dashboard_url):
    # When resnet18 is charted for bench-02, which never measured tvm
    open_page(browser, f"{dashboard_url}/series?model=resnet18&machine=bench-02", "rate-chart")
    # Then the page says so in words
    notes = [note.text for note in browser.find_elements(By.CSS_SELECTOR, ".empty-note")]
    assert "no tvm results for resnet18 on bench-02 yet." in notes


def test_the_regression_page_shows_the_series_the_compare_and_the_commit_range(
    browser, artifacts, dashboard_url, posted_history
):
    # Given the regression detection found in resnet18 tvm 2 threads on bench-01
    regression = open_regression(dashboard_url)
    _, documents = posted_history
    # When its page is opened from the home page's list
    open_page(browser, f"{dashboard_url}/", "overview-chart")
    browser.find_element(By.CSS_SELECTOR, f"#regressions tr[data-id='{regression['id']}'] td.name a").click()
    WebDriverWait(browser, 30).until(lambda driver: f"/regressions/{regression['id']}" in driver.current_url)
    open_page(browser, browser.current_url, "rate-chart")
    browser.save_screenshot(str(artifacts / "dashboard-regression.png"))
    # Then it charts the series around the drop
    assert "tvm 2 threads" in {t["name"] for t in drawn_traces(browser, "rate-chart")}
    # And compares the run where it began with the last good one, this case marked and slower
    this_case = browser.find_element(By.CSS_SELECTOR, "#comparison tr.this-case").find_elements(By.TAG_NAME, "td")
    assert this_case[0].text == "resnet18 tvm 2t b1"
    assert this_case[3].text.startswith("-")
    # And links the commits on both sides and the range between them
    good, bad = regression["last_good_commit"], regression["commit"]
    links = {a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#commit-range a")}
    assert f"{REPOSITORY_URL}/commit/{good}" in links and f"{REPOSITORY_URL}/commit/{bad}" in links
    assert f"{REPOSITORY_URL}/compare/{good}...{bad}" in links
    assert regression["started_run_id"] == str(documents[25].run_id)
    assert console_errors(browser) == []


def test_triage_without_a_token_says_how_to_get_one(browser, dashboard_url):
    regression = open_regression(dashboard_url)
    open_page(browser, f"{dashboard_url}/regressions/{regression['id']}", "rate-chart")
    browser.find_element(By.ID, "token").clear()
    browser.execute_script("window.localStorage.clear();")
    browser.find_element(By.CSS_SELECTOR, "button.set-state[data-state='acknowledged']").click()
    message = browser.find_element(By.ID, "triage-message").text
    assert "benchsvc token create" in message
    assert httpx.get(f"{dashboard_url}/api/v1/regressions/{regression['id']}").json()["state"] == regression["state"]


def text_of_reloaded_page(element_id: str):
    """A wait condition: the element's text, once the page marked before the click has been replaced.

    Read in one script call: an element found before the reload belongs to a document that is gone.
    """

    def condition(driver: webdriver.Chrome) -> str | bool:
        return driver.execute_script(
            "if (window.beforeTriage || document.readyState !== 'complete') return false;"
            "const e = document.getElementById(arguments[0]); return e ? e.textContent.trim() : false;",
            element_id,
        )

    return condition


def test_triage_from_the_page_changes_the_state_and_records_who_and_why(browser, artifacts, dashboard_url, write_token):
    # Given the regression's page
    regression = open_regression(dashboard_url)
    open_page(browser, f"{dashboard_url}/regressions/{regression['id']}", "rate-chart")
    browser.execute_script("window.beforeTriage = true;")
    # When a person pastes a write token, writes why, and acknowledges it
    browser.find_element(By.ID, "token").send_keys(write_token)
    browser.find_element(By.ID, "comment").send_keys("looking into the conv schedule")
    browser.find_element(By.CSS_SELECTOR, "button.set-state[data-state='acknowledged']").click()
    # Then the page reloads and shows the new state and a history line naming the token and the comment
    # (while it reloads, the browser answers some commands with errors about the old document).
    reloaded = WebDriverWait(browser, 30, ignored_exceptions=(WebDriverException,))
    assert reloaded.until(text_of_reloaded_page("state")) == "acknowledged"
    history = reloaded.until(text_of_reloaded_page("history"))
    browser.save_screenshot(str(artifacts / "dashboard-regression-triaged.png"))
    assert TRIAGER in history and "looking into the conv schedule" in history
    stored = httpx.get(f"{dashboard_url}/api/v1/regressions/{regression['id']}").json()
    assert stored["state"] == "acknowledged" and stored["history"][-1]["actor"] == TRIAGER
    assert console_errors(browser) == []
