"""Which Chromium the browser tests and the screenshot script drive, and how it is launched.

Debian's ``chromium`` package is what CI and these machines have; a developer laptop may only have
Playwright's own download (``playwright install chromium``). The flags keep the browser off the
network: no component updates, sync, QUIC or background requests.
"""

from pathlib import Path

from playwright.sync_api import Browser, Playwright

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
HEADLESS_OFFLINE_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_MISSING = (
    "No Chromium found: install Debian's package (`make browser`, or "
    "`apt-get install chromium`) or Playwright's own (`.venv/bin/playwright install chromium`)."
)


class BrowserMissing(RuntimeError):
    pass


def chromium_path(playwright: Playwright) -> Path:
    """Debian's chromium when installed, else Playwright's downloaded build."""
    for candidate in (DEBIAN_CHROMIUM, Path(playwright.chromium.executable_path)):
        if candidate.exists():
            return candidate
    raise BrowserMissing(BROWSER_MISSING)


def launch_chromium(playwright: Playwright) -> Browser:
    # Playwright gives every launch a fresh temporary profile (user-data-dir).
    return playwright.chromium.launch(
        executable_path=chromium_path(playwright), headless=True, args=HEADLESS_OFFLINE_ARGS
    )
