"""A what-if variant of the app, for load.py --app: fewer SQL statements per page.

Not a fix to apply as is (it monkeypatches the app); it measures what two query changes would
gain before anyone makes them in systemfel/:

- `User.verksamheter` loaded lazily instead of `lazy="selectin"`, which adds a query for the
  verksamheter of every user an ORM query loads (ansvarig, created_by, history authors,
  the staff in the filter), not only of the signed-in user;
- the list's many-to-one relations (myndighet, område, ansvarig, verksamhet) joined into the
  page query (`joinedload`) instead of one `selectinload` query each.

    PYTHONPATH=$PWD/benchmarks/variants .venv/bin/python benchmarks/load.py \
        --app "fewer_queries:create_app()"
"""

from sqlalchemy.orm import joinedload

from systemfel import create_app
from systemfel.auth.models import User
from systemfel.brister import queries
from systemfel.brister.models import Brist

# Before the mappers are configured (the first query), make the relationship lazy.
_verksamheter = User.__mapper__._props["verksamheter"]
_verksamheter.lazy = "select"
_verksamheter.strategy_key = (("lazy", "select"),)


def _list_options():
    return (
        joinedload(Brist.myndighet),
        joinedload(Brist.omrade),
        joinedload(Brist.ansvarig),
        joinedload(Brist.verksamhet),
    )


queries._list_options = _list_options

__all__ = ["create_app"]
