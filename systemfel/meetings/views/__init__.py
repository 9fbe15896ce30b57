"""Pages for ledningsgrupper and their meetings, by what a person does.

`groups` (ledningsgrupper, members, calendar feed), `agenda` (meetings and the dagordning),
`minutes` (the protokoll, justering), `downloads` (print views, DOCX/PDF, .ics). The
blueprint and the loaders they share are in `common`; importing the modules here adds their
routes to it, so the app registers `blueprint` once, as before.
"""

from systemfel.meetings.views import agenda, downloads, groups, minutes
from systemfel.meetings.views.common import blueprint

__all__ = ["agenda", "blueprint", "downloads", "groups", "minutes"]
