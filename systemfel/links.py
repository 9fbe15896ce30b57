"""Links to one page for many ids, as a list's rows need them, built with one url_for()."""

from typing import Any

from flask import url_for

from systemfel.bounds import LARGEST_INT

# An id no row has yet that url_for() accepts: it marks where each row's id goes.
_MARK = str(LARGEST_INT)


class IdLinks:
    """`url_for(endpoint, **{key: id})` for any id, from one url_for() call.

    A list page links each of its rows; url_for() costs ~10 µs a call (matching the rule,
    quoting the arguments), this a string join. Where the mark does not appear exactly once
    in the URL (it cannot, with an <int:...> in the path) each call falls back to url_for().
    """

    def __init__(self, endpoint: str, key: str, **values: Any):
        self.endpoint, self.key, self.values = endpoint, key, values
        arguments: dict[str, Any] = {**values, key: LARGEST_INT}
        url = url_for(endpoint, **arguments)
        self.parts = url.split(_MARK) if url.count(_MARK) == 1 else None

    def __call__(self, row_id: int) -> str:
        if self.parts is None:
            arguments: dict[str, Any] = {**self.values, self.key: row_id}
            return url_for(self.endpoint, **arguments)
        return f"{self.parts[0]}{int(row_id)}{self.parts[1]}"
