"""Playwright driving Debian's Chromium (never a downloaded browser build): how it is
launched, new pages in a chosen language and size, and screenshots kept under
tests/artifacts/ (not committed). The fixtures live in tests/browser/fixtures.py."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15000


def new_page(browser, *, locale: str = "en-GB", viewport: dict | None = None):
    context = browser.new_context(
        locale=locale, viewport=viewport or DESKTOP, accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def screenshot(page, name: str) -> Path:
    """Keep a picture of the page as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


_OVERFLOWING = """(width) => {
  const wide = [];
  for (const element of document.body.querySelectorAll('*')) {
    const box = element.getBoundingClientRect();
    if (box.right > width + 0.5 && getComputedStyle(element).position !== 'fixed') {
      const name = element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
        + (element.className && typeof element.className === 'string'
           ? '.' + element.className.trim().split(/\\s+/).join('.') : '');
      wide.push(name + ' right=' + Math.round(box.right) + ' text='
        + JSON.stringify((element.innerText || '').slice(0, 60)));
    }
  }
  return {scroll: document.documentElement.scrollWidth, wide: wide.slice(-5)};
}"""


def page_width_problem(page, width: int) -> str | None:
    """None when the page fits `width` pixels without a sideways scroll; else what
    sticks out (the innermost elements last), so a failure says what to fix."""
    measured = page.evaluate(_OVERFLOWING, width)
    if measured["scroll"] <= width:
        return None
    return f"page is {measured['scroll']} px wide, not {width}: " + "; ".join(measured["wide"])


def assert_fits(page, width: int) -> None:
    problem = page_width_problem(page, width)
    assert problem is None, problem
