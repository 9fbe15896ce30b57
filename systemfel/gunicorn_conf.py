"""gunicorn's settings for Systemfel: `gunicorn -c python:systemfel.gunicorn_conf ...`.

Its logs (access and errors, and the application's own) go to stdout and stderr with answer
tokens masked. Workers and the address stay on the command line.

Each worker, once it has loaded the app, moves everything loaded so far out of the garbage
collector's sight (`gc.freeze()`): the modules, the app, SQLAlchemy's mappers and Jinja's
environment live as long as the worker, and a full collection no longer walks them all.
That is done in the worker, after its own import of the app (gunicorn's `post_worker_init`),
rather than once in the master with `preload_app`: workers load the app themselves as before
(no database engine or pool is made before the fork, and a restarted worker loads new code),
and what is frozen is exactly what each worker holds.

The youngest generation is also collected less often (every 10,000 net allocations instead
of 700): a page that loads a few thousand ORM objects (the agenda's proposal loads ~100
brister with their history) otherwise starts dozens of collections, and with them the full
collections that gave the agenda its slow tail on PostgreSQL (benchmarks/agenda.py prints the
time spent in the collector). Before freezing, the worker also builds Sweden's working-day
calendar (importing the holidays package takes a second), which the first page with a
deadline would otherwise wait for.
"""

import gc
from typing import Any

from systemfel.clock import local_today
from systemfel.logs import gunicorn_logconfig
from systemfel.workdays import calendar_around

logconfig_dict = gunicorn_logconfig()


# The collector's thresholds in a worker: (youngest, middle, oldest); Python's are (700, 10, 10).
GC_THRESHOLD = (10_000, 10, 10)


def post_worker_init(worker: Any) -> None:
    """After the worker has loaded the app: freeze what it holds, then log how much."""
    frozen = freeze_loaded_objects()
    worker.log.info(
        "gc.freeze(): %d objects loaded with the app left out of collections; threshold %s",
        frozen,
        gc.get_threshold(),
    )


def freeze_loaded_objects() -> int:
    """Warm up, collect once, freeze every object left and raise the collector's threshold.

    Returns how many objects were frozen. Also used by benchmarks that time the app
    in-process as a gunicorn worker runs it.
    """
    calendar_around(local_today().year)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    return gc.get_freeze_count()
