"""The rules of a background job as plain Python: its states, progress, who sees it, when it goes.

A job is asked for by a user (a kind and its parameters), waits until the scheduler process
claims it, runs with progress, and ends done (with files) or failed (with a Swedish message,
never a trace). Its result is kept for a set time from when it finished, then deleted.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from systemfel.i18n import N_

# What a failed job says when its code gave no message of its own.
FAILED = N_(
    "Det gick inte att ta fram filen. Försök igen om en stund; hjälper inte det, "
    "kontakta administratören."
)
# What a job says that was claimed too many times by processes that died while running it.
GAVE_UP = N_(
    "Det gick inte att ta fram filen: arbetet avbröts flera gånger. Kontakta administratören."
)
# The step text of a job that waits for the scheduler.
WAITING_STEP = N_("Väntar på att starta")


class JobState(StrEnum):
    """Where a job is: waiting, running, done or failed."""

    WAITING = "vantar"
    RUNNING = "pagar"
    DONE = "klar"
    FAILED = "misslyckades"

    @property
    def label(self) -> str:
        """Return the Swedish name of the state."""
        return STATE_LABELS[self]

    @property
    def is_active(self) -> bool:
        """Waiting or running: the job is not finished yet."""
        return self in {JobState.WAITING, JobState.RUNNING}


STATE_LABELS = {
    JobState.WAITING: N_("Väntar"),
    JobState.RUNNING: N_("Pågår"),
    JobState.DONE: N_("Klar"),
    JobState.FAILED: N_("Misslyckades"),
}


class JobFailed(Exception):
    """A job that cannot be done, with a message (an N_ text) the user is shown."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Interrupted(Exception):
    """The scheduler is stopping: the job is given back to run again later."""


@dataclass(frozen=True)
class Progress:
    """How far a job has come: `done` of `total` steps, and what it does now."""

    done: int
    total: int
    step: str

    @property
    def percent(self) -> int:
        """Return the share done in whole percent (0 while the total is unknown)."""
        if self.total <= 0:
            return 0
        return min(100, max(0, self.done * 100 // self.total))


def request_key(kind: str, params: dict[str, Any], user_id: int) -> str:
    """Return one key per user and request: the same kind and parameters give the same key.

    The parameters are written with sorted keys, so their order does not matter.
    """
    text = json.dumps([kind, params, user_id], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def may_see(*, owner_id: int, user_id: int, is_admin: bool) -> bool:
    """Only the one who started a job, or an administrator, sees it and its files."""
    return is_admin or owner_id == user_id


def expires_at(finished_at: datetime, keep: timedelta) -> datetime:
    """When a finished job and its files are deleted."""
    return finished_at + keep


def is_expired(expires: datetime | None, now: datetime) -> bool:
    """Is a finished job past its time? An unfinished one (no expiry yet) never is."""
    return expires is not None and expires <= now


def after_lost_claim(attempts: int, max_attempts: int) -> JobState:
    """A job whose process died: run it again, unless it has been tried too often already.

    A job that kills its process every time (out of memory) would otherwise be run forever.
    """
    return JobState.WAITING if attempts < max_attempts else JobState.FAILED
