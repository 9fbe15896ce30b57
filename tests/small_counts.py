"""How a reader narrows down a hidden number of clients from what is shown beside it.

A brist's clients add up its registrations (none or more each) and its observations (at least
one each), so the times observed put a floor under them: clients >= times - registrations.
"""

from systemfel.privacy.domain import Observed, shown_observed

LARGE = 1000  # as far as "≥n" is followed: beyond the threshold the clients would be shown


def bounds(shown: str) -> tuple[int, int]:
    """The values a shown count allows: "<3" is 1 to 2, "≥2" is 2 and up, "4" is 4."""
    if shown.startswith("<"):
        return 1, int(shown[1:]) - 1
    if shown.startswith("≥"):
        return int(shown[1:]), LARGE
    return int(shown), int(shown)


def possible_clients(
    times: str, clients: str, registrations: int = 1, *, threshold: int | None = None
) -> set[int]:
    """Every number of clients that fits the times and clients shown.

    With a `threshold`, the reader also knows the rule (`shown_observed`) and rules out every
    number for which it would have shown something else.
    """
    possible = set()
    low, high = bounds(clients)
    for count in range(low, high + 1):
        fewest, most = bounds(times)
        for time in range(max(fewest, registrations), min(most, count + registrations) + 1):
            shown = Observed(times, clients)
            if threshold is None or shown_observed(time, count, threshold, registrations) == shown:
                possible.add(count)
                break
    return possible


def assert_not_recoverable(
    times: str, clients: str, registrations: int = 1, *, threshold: int | None = None
) -> None:
    """A hidden number of clients must leave a reader two values or more to choose from."""
    if clients.startswith("<"):
        possible = possible_clients(times, clients, registrations, threshold=threshold)
        assert len(possible) >= 2, f"{times} gånger, {clients} klienter is {possible}"
