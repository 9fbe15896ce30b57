"""Logging that never writes an answer link's token.

A request for `/svar/<token>` is written by every access log (gunicorn's, the development
server's) and by any message that names the request's path. The token lets anyone answer in
a myndighet's name, so it is masked in every record: by a filter on the loggers and handlers
that write requests, and by the record factory for records that reach any other handler.
"""

import logging
import re
from collections.abc import Callable
from typing import Any

MASK = "[borttaget]"
# The path of the answer page, also percent-encoded (a `next=` or a Referer can carry it).
_ANSWER_PATH = re.compile(r"((?:/|%2F)svar(?:/|%2F))[^/?#&\s\"'%]+", re.IGNORECASE)
# The loggers that write requests: the development server's, and gunicorn's.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def mask_answer_tokens(text: str) -> str:
    """Return `text` with the token of every answer-page path replaced by the mask."""
    return _ANSWER_PATH.sub(rf"\g<1>{MASK}", text)


def _masked(value: Any) -> Any:
    return mask_answer_tokens(value) if isinstance(value, str) else value


class AnswerTokenFilter(logging.Filter):
    """Mask answer tokens in a record's message and arguments; never drops a record.

    The arguments are masked in place, so a formatter that reads them (gunicorn's access
    log reads a dict of "atoms") gets them masked too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record and let it through."""
        record.msg = _masked(record.msg)
        if isinstance(record.args, dict):
            for key, value in record.args.items():
                record.args[key] = _masked(value)
        elif isinstance(record.args, tuple):
            record.args = tuple(_masked(value) for value in record.args)
        if _has_token(record):  # an argument that is no string but prints one
            record.msg, record.args = mask_answer_tokens(record.getMessage()), ()
        return True


def _has_token(record: logging.LogRecord) -> bool:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a malformed record: logging itself reports it
        return False
    return mask_answer_tokens(message) != message


_FILTER = AnswerTokenFilter()


def mask_answer_tokens_in_logs() -> None:
    """Mask answer tokens in every log record from now on (idempotent; logging setup only)."""
    for name in REQUEST_LOGGERS:
        _add_filter(logging.getLogger(name))
    for handler in logging.getLogger().handlers:
        _add_filter(handler)
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "masks_answer_tokens", False):
        logging.setLogRecordFactory(_masking_factory(factory))


def _add_filter(target: logging.Filterer) -> None:
    if _FILTER not in target.filters:
        target.addFilter(_FILTER)


def _masking_factory(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    """Wrap the record factory so every record is masked as it is made."""

    def make_masked(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        _FILTER.filter(record)
        return record

    make_masked.masks_answer_tokens = True  # type: ignore[attr-defined]
    return make_masked


def gunicorn_logconfig() -> dict[str, Any]:
    """Return gunicorn's logging setup: access lines to stdout, the rest to stderr, masked."""
    generic = {
        "format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
        "datefmt": "[%Y-%m-%d %H:%M:%S %z]",
        "class": "logging.Formatter",
    }
    handler = {"class": "logging.StreamHandler", "formatter": "generic", "filters": ["answers"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"answers": {"()": AnswerTokenFilter}},
        "formatters": {"generic": generic, "access": {"format": "%(message)s"}},
        "handlers": {
            "error_console": {**handler, "stream": "ext://sys.stderr"},
            "access_console": {**handler, "formatter": "access", "stream": "ext://sys.stdout"},
        },
        # The application's own warnings and errors; libraries' INFO chatter stays out.
        "root": {"level": "WARNING", "handlers": ["error_console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {
                "level": "INFO",
                "handlers": ["access_console"],
                "propagate": False,
            },
        },
    }
