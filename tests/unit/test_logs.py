"""Answer tokens never reach a log: real records from the development server (werkzeug) and
from gunicorn's access logger, and records of any other logger, come out masked."""

import logging
import string
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger as GunicornLogger
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.serving import make_server

from systemfel.logs import (
    MASK,
    AnswerTokenFilter,
    gunicorn_logconfig,
    mask_answer_tokens,
    mask_answer_tokens_in_logs,
)

TOKEN = "k3Jd9_x-QpL0aZ7bVn2WmC8tYr5uEi4oHs6gFf1DjKq"
TOKENS = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=90)


@pytest.fixture(autouse=True)
def _masking():
    mask_answer_tokens_in_logs()


def _plain(environ, start_response):  # a WSGI app
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"no"]


def test_the_development_servers_request_line_is_masked(caplog):
    server = make_server("127.0.0.1", 0, _plain)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            url = f"http://127.0.0.1:{server.port}/svar/{TOKEN}/tack?x=1"
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(url, timeout=5)  # our own server
    finally:
        server.shutdown()
        thread.join(timeout=5)
    [line] = [m for r in caplog.records if r.name == "werkzeug" and "GET" in (m := r.getMessage())]
    assert f"GET /svar/{MASK}/tack?x=1 HTTP/1.1" in line
    assert TOKEN not in caplog.text


def _gunicorn_access_line(caplog, path: str, referer: str = "-") -> str:
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", '%(h)s "%(r)s" %(s)s %(U)s "%(f)s" %({x-original}i)s')
    logger = GunicornLogger(config)
    logger.access_log.addHandler(caplog.handler)  # gunicorn's access log does not propagate
    try:
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": path,
            "PATH_INFO": path.split("?")[0],
            "QUERY_STRING": "",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "192.0.2.1",
            "HTTP_REFERER": referer,
        }
        request = SimpleNamespace(headers=[("X-ORIGINAL", path)])
        response = SimpleNamespace(status="200 OK", sent=512, headers=[])
        logger.access(response, request, environ, timedelta(milliseconds=3))
    finally:
        logger.access_log.removeHandler(caplog.handler)
    [record] = [r for r in caplog.records if r.name == "gunicorn.access"]
    caplog.clear()
    return caplog.handler.format(record)


def test_gunicorns_access_line_is_masked_in_every_field(caplog):
    line = _gunicorn_access_line(
        caplog, f"/svar/{TOKEN}", referer=f"https://systemfel.example/svar/{TOKEN}"
    )
    assert TOKEN not in line
    assert f'"GET /svar/{MASK} HTTP/1.1" 200 /svar/{MASK}' in line
    assert f"https://systemfel.example/svar/{MASK}" in line


@given(TOKENS)
def test_every_token_in_an_access_line_is_masked(token):
    masked = mask_answer_tokens(f'192.0.2.1 - - [x] "POST /svar/{token} HTTP/1.1" 302 -')
    assert f"/svar/{token} " not in masked
    assert f'"POST /svar/{MASK} HTTP/1.1" 302 -' in masked


@given(TOKENS)
def test_a_percent_encoded_path_is_masked_too(token):
    masked = mask_answer_tokens(f"GET /login?next=%2Fsvar%2F{token} HTTP/1.1")
    assert masked == f"GET /login?next=%2Fsvar%2F{MASK} HTTP/1.1"


def test_a_record_of_any_logger_is_masked_whatever_its_arguments(caplog):
    class Path:
        def __str__(self) -> str:
            return f"/svar/{TOKEN}"

    with caplog.at_level(logging.INFO):
        logging.getLogger("systemfel.web").error("Server error on %s", f"/svar/{TOKEN}")
        logging.getLogger("some.library").info("Fetched %s in %d ms", Path(), 12)
        logging.getLogger("some.library").info(f"GET /svar/{TOKEN}")
    assert TOKEN not in caplog.text
    assert [r.getMessage() for r in caplog.records] == [
        f"Server error on /svar/{MASK}",
        f"Fetched /svar/{MASK} in 12 ms",
        f"GET /svar/{MASK}",
    ]


def test_other_paths_are_left_alone():
    line = '"GET /brister/12/svar HTTP/1.1" 200 "GET /svarta-listan"'
    assert mask_answer_tokens(line) == line


def test_gunicorns_logging_setup_filters_every_handler():
    config = gunicorn_logconfig()
    assert config["filters"]["answers"]["()"] is AnswerTokenFilter
    assert all(h["filters"] == ["answers"] for h in config["handlers"].values())
    assert {"gunicorn.access", "gunicorn.error"} <= set(config["loggers"])
