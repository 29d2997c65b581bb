"""End to end in a real browser (headless Chromium): a reader types a query, narrows it
by a facet, turns the page, opens an article and follows a similar one, and sees what
each page should show."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from browser import browser_missing, chromium, serving

from searcher import Index

pytestmark = pytest.mark.skipif(bool(browser_missing()), reason=browser_missing())


def navigate(driver: Any, action: Callable[[], object]) -> None:
    """Do `action`, which leads to another page, and wait until that page has loaded.

    The page being left is marked; the wait ends when a loaded document lacks the mark.
    Whatever the driver raises while the pages change over (a stale or detached node,
    a script run between documents) means only "not yet"."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.wait import WebDriverWait

    driver.execute_script("document.documentElement.dataset.leaving = 'yes'")
    action()
    WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,)).until(
        lambda driver: driver.execute_script(
            "return document.readyState === 'complete'"
            " && document.documentElement.dataset.leaving === undefined"
        )
    )


@pytest.fixture(scope="module")
def browser(newsdesk: Index) -> Iterator[tuple[Any, str]]:
    with serving(newsdesk.path) as url, chromium() as driver:
        yield driver, url


def test_a_reader_searches_filters_pages_and_reads(browser: tuple[Any, str]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.wait import WebDriverWait

    driver, url = browser
    driver.get(url + "/")
    box = driver.find_element(By.ID, "q")
    # The search box has the focus (autofocus applies once the page is drawn).
    WebDriverWait(driver, 10).until(lambda driver: driver.switch_to.active_element == box)
    navigate(driver, lambda: box.send_keys("oil", Keys.ENTER))
    summary = driver.find_element(By.ID, "summary").text
    assert summary.startswith("31 articles match") and "1–10" in summary
    headlines = [h.text for h in driver.find_elements(By.CSS_SELECTOR, ".hit h3")]
    assert len(headlines) == 10 and headlines[0]
    marks = driver.find_elements(By.CSS_SELECTOR, ".hit mark")
    assert marks and {mark.text.lower() for mark in marks} == {"oil"}

    # The copies of a story are folded away until asked for.
    copies = driver.find_element(By.CSS_SELECTOR, ".hit details.copies")
    assert not copies.find_element(By.TAG_NAME, "ul").is_displayed()
    copies.find_element(By.TAG_NAME, "summary").click()
    assert copies.find_element(By.TAG_NAME, "ul").is_displayed()

    # A facet value filters; the filter shows as a chip; the URL holds it.
    navigate(driver, driver.find_element(By.LINK_TEXT, "crude").click)
    assert "meta=topics%3Dcrude" in driver.current_url
    assert "meta: topics=crude" in driver.find_element(By.CSS_SELECTOR, ".chips").text
    assert driver.find_element(By.ID, "summary").text.startswith("24 articles match")

    # The next page, then an article from it.
    navigate(driver, driver.find_element(By.CSS_SELECTOR, "a[rel=next]").click)
    assert "page=2" in driver.current_url
    assert "11–20" in driver.find_element(By.ID, "summary").text
    first = driver.find_element(By.CSS_SELECTOR, ".hit h3 a")
    headline = first.text
    navigate(driver, first.click)
    assert driver.find_element(By.TAG_NAME, "h1").text == headline
    body_marks = driver.find_elements(By.CSS_SELECTOR, ".body mark")
    assert body_marks and {mark.text.lower() for mark in body_marks} == {"oil"}

    # A similar article, followed.
    similar = driver.find_element(By.CSS_SELECTOR, ".similar .hit h3 a")
    title = similar.text
    navigate(driver, similar.click)
    assert driver.find_element(By.TAG_NAME, "h1").text == title != headline
    assert driver.find_element(By.CSS_SELECTOR, ".similar h2").text == "Similar articles"


def test_a_malformed_query_is_explained_to_the_reader(browser: tuple[Any, str]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver, url = browser
    driver.get(url + "/")
    box = driver.find_element(By.ID, "q")
    navigate(driver, lambda: box.send_keys('"oil prices', Keys.ENTER))
    error = driver.find_element(By.CSS_SELECTOR, ".error")
    assert "Cannot run this search" in error.text and "position 1" in error.text
    assert driver.find_element(By.ID, "q").get_attribute("value") == '"oil prices'


def test_hostile_text_runs_no_script_in_the_browser(browser: tuple[Any, str]) -> None:
    from selenium.webdriver.common.by import By

    driver, url = browser
    driver.get(url + "/search?q=evil")
    hit = driver.find_element(By.CSS_SELECTOR, ".hit h3")
    assert '<script>alert("headline")</script>' in hit.text
    assert driver.execute_script("return document.scripts.length") == 0
    navigate(driver, hit.find_element(By.TAG_NAME, "a").click)
    assert "javascript:alert(6)" in driver.find_element(By.CSS_SELECTOR, ".url").text
    assert driver.find_elements(By.CSS_SELECTOR, ".url a") == []
    assert driver.execute_script("return document.querySelectorAll('img, svg').length") == 0
