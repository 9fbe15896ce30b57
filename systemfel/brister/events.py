"""What happens to a brist, announced to the areas above brister (blinker signals).

brister calls no area above it: followups subscribes to these (`followups/events.py`) and
meetings adds what the brist page shows about it. The sender is always the Brist. Receivers
are connected by `connect_all()` in `systemfel/events.py`, which create_app calls; every
receiver runs inside the service's transaction, so what it adds is committed or rolled back
with the change that announced it.
"""

from typing import Any

from blinker import Namespace

from systemfel.brister.models import Brist
from systemfel.verksamheter.scope import Scope

_signals = Namespace()

# A brist was registered. Keyword: now.
registered = _signals.signal("brist-registered")
# A brist was closed. Keywords: user (or None), comment, now.
closed = _signals.signal("brist-closed")
# A closed brist was opened again. Keyword: now.
reopened = _signals.signal("brist-reopened")

# The brist page asks what other areas show a reader (keyword: scope): each receiver returns
# a dict of template values.
# Connect a module-level function (blinker keeps one connection per function).
page_asked = _signals.signal("brist-page-asked")


def page_context(brist: Brist, scope: Scope) -> dict[str, Any]:
    """Collect what the areas above brister show on the brist's page, to a reader in `scope`."""
    context: dict[str, Any] = {}
    for _receiver, values in page_asked.send(brist, scope=scope):
        context |= values
    return context
