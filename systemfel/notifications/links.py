"""Links in mail and calendars: always on BASE_URL, never on the host a request came in by."""

from typing import Any

from flask import current_app, url_for


def public_url(endpoint: str, **values: Any) -> str:
    """The page's address as people outside reach it: BASE_URL and the page's path.

    The web and the scheduler write the same link whoever asked, so a message written while
    someone used the service at 127.0.0.1 or an internal name still works for its reader.
    """
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)
