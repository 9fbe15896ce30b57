"""Browser tests: the app served on a real port, driven by Debian's chromium through Playwright.

No pytest-playwright plugin: the fixtures below use playwright.sync_api directly. Browsers are
never downloaded; the system chromium is launched by path.
"""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT_MS = 10_000

E2E_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items):
    """Mark every test in tests/e2e as e2e, so `-m "not e2e"` leaves the browser out."""
    for item in items:
        if E2E_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


class _QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request; errors are still logged by the app."""

    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture(scope="session")
def live_server(app):
    """Serve the session app on a free local port from a daemon thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        # On a developer's machine without chromium the browser tests are skipped loudly;
        # CI sets SYSTEMFEL_REQUIRE_BROWSER=1 (and installs chromium), where this is a failure.
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("SYSTEMFEL_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def _new_page(browser, **context_options):
    context = browser.new_context(locale="sv-SE", **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server):
    """A fresh page in its own context (no cookies shared between tests), Swedish locale.

    axe is injected with page.evaluate, which runs through the DevTools protocol and is not
    subject to the app's Content-Security-Policy (script-src 'self'), so bypass_csp is not
    needed: the tests see the page exactly as users get it, CSP included.
    """
    context, page = _new_page(browser, base_url=live_server)
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert refused == [], "the page broke its own Content-Security-Policy"


@pytest.fixture
def page_without_js(browser, live_server):
    """Like `page`, with JavaScript turned off: the app must work as plain HTML forms."""
    context, page = _new_page(browser, base_url=live_server, java_script_enabled=False)
    yield page
    context.close()


def axe_report(page) -> str | None:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page; describe any violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    if results.violations_count == 0:
        return None
    lines = [f"axe found {results.violations_count} violation(s) on {page.url}:"]
    for violation in results.response["violations"]:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    target: {target}")
            lines.append(f"    html:   {node['html'].strip()[:200]}")
            if node.get("failureSummary"):
                summary = node["failureSummary"].replace("\n", "\n            ")
                lines.append(f"    why:    {summary}")
    return "\n".join(lines)


def axe_check(page) -> None:
    """Fail now, listing every violation, unless the page passes axe."""
    report = axe_report(page)
    if report:
        pytest.fail(report, pytrace=False)


class AxeAudit:
    """Check several pages of a flow and fail once at the end with every page's violations.

    The flow still runs to the end (and takes its screenshots) when a page has violations, and
    one run reports them all; `assert_clean` fails if any page had any.
    """

    def __init__(self):
        self.reports: list[str] = []

    def check(self, page) -> None:
        report = axe_report(page)
        if report:
            self.reports.append(report)

    def assert_clean(self) -> None:
        if self.reports:
            pytest.fail("\n\n".join(self.reports), pytrace=False)


@pytest.fixture(name="axe_check")
def axe_check_fixture():
    """The axe_check helper, for test modules that would rather not import a conftest."""
    return axe_check


@pytest.fixture
def axe_audit():
    return AxeAudit()
