"""Pages for ledningsgrupper and their meetings, by what a person does.

`groups` (ledningsgrupper, members, calendar feed), `dagordning` (meetings and the dagordning),
`protokoll` (the protokoll, justering), `lyft` (a strategic body's answer to a lift),
`downloads` (print views, DOCX/PDF, .ics). The
blueprint and the loaders they share are in `common`; importing the modules here adds their
routes to it, so the app registers `blueprint` once, as before.
"""

from systemfel.meetings.views import dagordning, downloads, groups, lyft, protokoll
from systemfel.meetings.views.common import blueprint

__all__ = ["blueprint", "dagordning", "downloads", "groups", "lyft", "protokoll"]
