"""Every page, for every role, at 320, 390 and 1280 px: never wider than the screen, every
button and link in <main> at least 24×24 px (WCAG 2.2, 2.5.8 Target Size (Minimum)), at most
one primary action, chart text at least 12 px, axe clean.

The pages are enumerated from the app's url_map: every rule answering GET is either visited
(with ids from the world built below) or listed in NOT_VISITED with the reason. A new page
that is in neither fails `test_every_get_endpoint_is_visited_or_explained`.

One browser page is reused for everything: each URL is loaded once per role and resized to the
three widths (the layout is pure CSS, so a resize is what a phone would show). The same run
writes the proof screenshots of issue 13 into docs/screenshots/ (390 and 1280 px, device scale
1, cut at SHOT_MAX_HEIGHT px so each stays small).
"""

import time
from pathlib import Path

import pytest

from systemfel.access import scope_for
from systemfel.brister import jobs as brister_jobs
from systemfel.brister.domain import Niva
from systemfel.brister.queries import BristFilter
from systemfel.clock import local_today
from systemfel.extensions import db
from systemfel.jobs import services as job_services
from systemfel.jobs.models import JobFile
from systemfel.meetings import services as meetings_services
from systemfel.reports import services as reports_services
from systemfel.scheduler import run_background_jobs
from systemfel.verksamheter.scope import Scope
from tests import factories
from tests.e2e.conftest import axe_report

pytestmark = pytest.mark.e2e

WIDTHS = (320, 390, 1280)
HEIGHT = 800
MIN_TARGET = 24  # CSS px, WCAG 2.2 success criterion 2.5.8
ROLES = ("ombud", "samordnare", "ledningsgrupp", "admin")
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
SHOT_WIDTHS = (390, 1280)
SHOT_MAX_HEIGHT = 2400

# GET endpoints this test does not load as pages, and why.
NOT_VISITED = {
    "static": "files, not pages",
    "health.healthz": "a probe for the platform, not a page",
    "health.readyz": "a probe for the platform, not a page",
    "auth.login": "loaded before each role signs in (checked at every width there)",
    "brister.export_csv": "a CSV download",
    "jobs.download": "a download of a job's file",
    "reports.export": "a DOCX/PDF download",
    "meetings.download": "a DOCX/PDF download",
    "meetings.invitation": "an .ics download",
    "meetings.calendar_feed": "an .ics feed",
    "followups.answer": "a public page behind a secret sent by mail; test_followups_flow checks it",
    "followups.answer_thanks": "a public page behind a secret; test_followups_flow checks it",
    "followups.receipt_thanks": "a public page behind a secret; test_followups_flow checks it",
    "meetings.organ_svar": "needs a brist lifted to an organ by a meeting decision; "
    "test_lyft_flow checks it",
}

# The target-size check, in the page. A target is an <a href>, <button>, <summary>, submit or
# radio/checkbox inside <main> that is rendered (has a box, not visibility:hidden). Exempt, as
# WCAG's "Inline" exception says ("the target is in a sentence"): an <a> whose own display is
# `inline` and whose nearest block container (p, li, td, th, dd, dt, figcaption, label, legend)
# holds visible text outside every link and button, i.e. a link inside running text.
TARGET_SIZE_JS = """
(minimum) => {
  const BLOCKS = 'p, li, td, th, dd, dt, figcaption, label, legend, div';
  const ownText = (block) => {
    let text = '';
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (!node.parentElement.closest('a, button')) text += node.textContent;
    }
    return text.trim().length > 0;
  };
  const small = [];
  const selector = 'main a[href], main button, main summary, main input[type=submit], '
    + 'main input[type=radio], main input[type=checkbox]';
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if ((box.width === 0 && box.height === 0) || style.visibility === 'hidden') continue;
    if (el.closest('.visually-hidden')) continue;
    if (el.tagName === 'A' && style.display === 'inline') {
      const block = el.parentElement.closest(BLOCKS);
      if (block && ownText(block)) continue;
    }
    if (box.width < minimum || box.height < minimum) {
      small.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.value || el.name).trim()
        .slice(0, 60)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}
"""

WIDTH_JS = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"

# SVG text (the statistics charts) as rendered: its font size times the SVG's scale.
SVG_TEXT_JS = """
(minimum) => [...document.querySelectorAll('main svg text')]
  .map((text) => [text.textContent.trim(),
    parseFloat(getComputedStyle(text).fontSize) * text.ownerSVGElement.getScreenCTM().a])
  .filter(([, size]) => size < minimum)
  .map(([label, size]) => `"${label}" ${size.toFixed(1)} px`)
"""
MIN_SVG_TEXT = 12

# One primary action per page: visible buttons styled primary (class "button" without
# secondary/danger/warning) in <main>.
PRIMARY_JS = """
() => [...document.querySelectorAll('main .button:not(.secondary):not(.danger):not(.warning)')]
  .filter((el) => el.getClientRects().length > 0)
  .map((el) => el.textContent.trim())
"""


def _build(app, world) -> dict:
    """A meeting with a settled agenda and its mail, a frozen report: ids for every page."""
    with app.app_context():
        home = db.session.get(type(world.home), world.home.id)
        users = {name: db.session.get(type(user), user.id) for name, user in world.users.items()}
        factories.brist(
            home, users["ombud"], titel="Boendestöd beviljas med för få timmar", niva=Niva.LOKAL
        )
        group, _member, mote = factories.settled_mote(
            home, users["samordnare"], member_user=users["ledningsgrupp"]
        )
        meetings_services.send_dagordning(
            mote=mote, url="http://127.0.0.1/moten", scope=Scope.everything()
        )
        version = reports_services.freeze_rapport(
            scope=scope_for(users["samordnare"]),
            verksamhet_ids=frozenset({home.id}),
            year=local_today().year,
            user=users["samordnare"],
            threshold=int(app.config["SMALL_COUNT_THRESHOLD"]),
        )
        db.session.commit()
        from systemfel.notifications.models import OutboxMessage

        brist = db.session.get(type(world.brist), world.brist.id)
        ids = {
            "brist_id": brist.id,
            "myndighet_id": brist.myndighet_id,
            "verksamhet_id": home.id,
            "group_id": group.id,
            "mote_id": mote.id,
            "version_id": version.id,
            "message_id": db.session.scalars(db.select(OutboxMessage.id)).first(),
            "omrade_id": brist.omrade_id,
            "user_id": users["ombud"].id,
        }
        export = job_services.start(
            kind=brister_jobs.CSV_EXPORT,
            params=brister_jobs.export_params(BristFilter(scope=Scope.everything()), "nummer"),
            user=users["admin"],
            scope=Scope.everything(),
            title=brister_jobs.TITLE,
            title_args={"antal": 2},
        )
        db.session.commit()
        ids["job_id"] = export.id
        run_background_jobs()  # done, with its file: the job page as it is most often seen
        ids["file_id"] = db.session.scalars(db.select(JobFile.id)).first()
        db.session.remove()
    return ids


def _urls(app, ids: dict) -> list[tuple[str, str]]:
    """(endpoint, url) for every GET page, ids filled in from the world."""
    per_endpoint = {
        "admin.user": {"item_id": ids["user_id"]},
        "admin.myndighet": {"item_id": ids["myndighet_id"]},
        "admin.omrade": {"item_id": ids["omrade_id"]},
        "meetings.printable": {"kind": "dagordning"},
    }
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
            if "GET" not in rule.methods or rule.endpoint in NOT_VISITED:
                continue
            values = {
                name: per_endpoint.get(rule.endpoint, {}).get(name, ids.get(name))
                for name in rule.arguments
            }
            urls.append((rule.endpoint, url_for(rule.endpoint, **values)))
    return sorted(set(urls), key=lambda pair: pair[1])


def test_every_get_endpoint_is_visited_or_explained(app):
    ids = dict.fromkeys(
        (
            "brist_id",
            "myndighet_id",
            "verksamhet_id",
            "group_id",
            "mote_id",
            "version_id",
            "message_id",
            "omrade_id",
            "user_id",
            "job_id",
            "file_id",
        ),
        1,
    )
    visited = {endpoint for endpoint, _ in _urls(app, ids)}
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            assert rule.endpoint in visited or rule.endpoint in NOT_VISITED, rule.endpoint


# The elements that stick out past the viewport's right edge (innermost first), to say which.
WIDE_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > window.innerWidth + 1
        && ![...el.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1)) {
      const classes = el.className ? "." + String(el.className).split(" ").join(".") : "";
      const text = (el.textContent || "").trim().slice(0, 40);
      out.push(el.tagName.toLowerCase() + classes + " " + Math.round(box.right) + "px: " + text);
    }
  }
  return out.slice(0, 5);
}"""


def _log_in(page, role: str, email: str, problems: list[str]) -> None:
    page.context.clear_cookies()
    page.goto("/login")
    _check_widths(page, "/login", problems)
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
    _check_widths(page, f"{page.url} (start)", problems, f"start-{role}")


def _check_widths(page, label: str, problems: list[str], shot: str | None = None) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        scroll_width, inner_width = page.evaluate(WIDTH_JS)
        if scroll_width > inner_width:
            wide = page.evaluate(WIDE_JS)
            problems.append(f"{label} at {width} px: the page is {scroll_width} px wide: {wide}")
        small = page.evaluate(TARGET_SIZE_JS, MIN_TARGET)
        if small:
            problems.append(f"{label} at {width} px: targets under 24×24 px: {small}")
        primary = page.evaluate(PRIMARY_JS)
        if len(primary) > 1:
            problems.append(f"{label} at {width} px: more than one primary action: {primary}")
        tiny = page.evaluate(SVG_TEXT_JS, MIN_SVG_TEXT)
        if tiny:
            problems.append(f"{label} at {width} px: chart text under 12 px: {tiny[:5]}")
        report = axe_report(page)
        if report:
            problems.append(f"{label} at {width} px: {report}")
        if shot and width in SHOT_WIDTHS:
            height = min(page.evaluate("document.scrollingElement.scrollHeight"), SHOT_MAX_HEIGHT)
            page.screenshot(
                path=str(SCREENSHOTS / f"{shot}-{width}.png"),
                full_page=True,
                clip={"x": 0, "y": 0, "width": width, "height": height},
            )


# The proof screenshots of issue 13: (role, endpoint) -> file name. Each role's start page (where
# signing in lands) is shot as start-<role>.
SHOTS = {
    ("ombud", "brister.list_brister"): "brister",
    ("ombud", "brister.register"): "registrera",
    ("ombud", "brister.detail"): "brist",
    ("samordnare", "meetings.mote"): "mote",
    ("samordnare", "meetings.protokoll"): "protokoll",
    ("samordnare", "reports.rapport"): "rapport",
}


def test_every_page_fits_every_width(browser, live_server, app, world):
    started = time.monotonic()
    ids = _build(app, world)
    urls = _urls(app, ids)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="sv-SE", base_url=live_server, device_scale_factor=1)
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []
    shown: set[str] = set()
    try:
        for role in ROLES:
            _log_in(page, role, world.users[role].email, problems)
            for endpoint, url in urls:
                response = page.goto(url)
                # Pages a role may not open (403/404) or that send it on (a redirect) are
                # checked for the roles that do see them; every page must be seen by one.
                if response is None or response.status != 200 or page.url != live_server + url:
                    continue
                if "text/html" not in (response.headers.get("content-type") or ""):
                    continue
                shown.add(endpoint)
                _check_widths(page, f"{role} {url}", problems, SHOTS.get((role, endpoint)))
    finally:
        context.close()
    duration = time.monotonic() - started
    print(f"\nevery page, {len(ROLES)} roles × {len(WIDTHS)} widths: {duration:.1f} s")
    never = sorted({endpoint for endpoint, _ in urls} - shown)
    assert never == [], f"pages no role could open: {never}"
    assert problems == [], "\n\n".join(problems)
    total = sum(path.stat().st_size for path in SCREENSHOTS.glob("*.png"))
    assert total < 3_000_000, f"the screenshots take {total} bytes"
