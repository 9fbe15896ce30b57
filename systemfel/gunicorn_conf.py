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
"""

import gc
from typing import Any

from systemfel.logs import gunicorn_logconfig

logconfig_dict = gunicorn_logconfig()


def post_worker_init(worker: Any) -> None:
    """After the worker has loaded the app: freeze what it holds, then log how much."""
    frozen = freeze_loaded_objects()
    worker.log.info("gc.freeze(): %d objects loaded with the app left out of collections", frozen)


def freeze_loaded_objects() -> int:
    """Collect once, then move every object left to the permanent generation; return how many.

    Also used by benchmarks that time the app in-process as a gunicorn worker runs it.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
