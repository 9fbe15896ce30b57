"""Production defaults: secure cookies and HSTS without extra files, no guessable secret key,
SYSTEMFEL_ENV in any case and never an unknown one, no demo data, and no start without the
public BASE_URL every link in mail is built on."""

import logging
import os

import pytest

from systemfel import config, create_app
from systemfel.cli import main

STRONG_KEY = "k" * 32
PUBLIC_URL = "https://systemfel.example.se"


@pytest.fixture(autouse=True)
def _no_systemfel_environment(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("SYSTEMFEL_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SYSTEMFEL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SYSTEMFEL_BASE_URL", PUBLIC_URL)


def test_production_serves_secure_cookies_without_a_production_file(monkeypatch, tmp_path):
    monkeypatch.setenv("SYSTEMFEL_SECRET_KEY", STRONG_KEY)
    assert config.load("production", tmp_path)["SESSION_COOKIE_SECURE"] is True
    assert config.load("development", tmp_path)["SESSION_COOKIE_SECURE"] is False


def test_production_may_be_told_otherwise_and_warns(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("SYSTEMFEL_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("SYSTEMFEL_SESSION_COOKIE_SECURE", "false")
    with caplog.at_level(logging.WARNING, logger="systemfel.config"):
        assert config.load("production", tmp_path)["SESSION_COOKIE_SECURE"] is False
    assert "SESSION_COOKIE_SECURE is off in production" in caplog.text


@pytest.mark.parametrize("key", ["x", "test-only-not-secret", "k" * 31, "å" * 15])
def test_production_refuses_a_short_secret_key(monkeypatch, tmp_path, key):
    monkeypatch.setenv("SYSTEMFEL_SECRET_KEY", key)
    with pytest.raises(config.ConfigError, match="at least 32 random bytes"):
        config.load("production", tmp_path)


@pytest.mark.parametrize("key", [STRONG_KEY, "å" * 16])  # 32 bytes in UTF-8
def test_production_takes_a_secret_key_of_32_bytes(monkeypatch, tmp_path, key):
    monkeypatch.setenv("SYSTEMFEL_SECRET_KEY", key)
    assert config.load("production", tmp_path)["SECRET_KEY"] == key


@pytest.mark.parametrize("name", ["Production", "PRODUCTION", " production\n"])
def test_environment_name_is_read_in_any_case(monkeypatch, tmp_path, name):
    monkeypatch.setenv("SYSTEMFEL_ENV", name)
    monkeypatch.setenv("SYSTEMFEL_SECRET_KEY", STRONG_KEY)
    app = create_app(overrides={"DATABASE_URL": "sqlite:///:memory:"})
    assert app.config["ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("name", ["prod", "staging", "", "produktion"])
def test_an_unknown_environment_is_refused_with_the_valid_names(tmp_path, name):
    with pytest.raises(config.ConfigError) as refused:
        config.load(name, tmp_path)
    assert str(refused.value) == (
        f"SYSTEMFEL_ENV={name!r} is not an environment; "
        "use one of: development, testing, production."
    )


def test_production_sends_hsts(monkeypatch):
    monkeypatch.setenv("SYSTEMFEL_SECRET_KEY", STRONG_KEY)
    app = create_app("Production", overrides={"DATABASE_URL": "sqlite:///:memory:"})
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_demo_data_is_never_loaded_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("SYSTEMFEL_SECRET_KEY", STRONG_KEY)
    database = tmp_path / "empty.db"
    app = create_app("production", overrides={"DATABASE_URL": f"sqlite:///{database}"})
    for arguments in (["demo", "load"], ["demo", "load", "--if-empty"]):
        result = app.test_cli_runner().invoke(main, arguments)
        assert result.exit_code == 1
        assert "Demo data is never loaded in production" in result.output
        assert "Demo logins" not in result.output
    assert not database.exists()  # not even a connection was made


@pytest.mark.parametrize(
    "base_url", ["", "   ", "systemfel.example.se", "http://127.0.0.1:5000", "https://localhost/"]
)
def test_production_refuses_to_start_without_a_public_base_url(monkeypatch, base_url):
    monkeypatch.setenv("SYSTEMFEL_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("SYSTEMFEL_BASE_URL", base_url)
    with pytest.raises(config.ConfigError, match="SYSTEMFEL_BASE_URL") as refused:
        create_app("production", overrides={"DATABASE_URL": "sqlite:///:memory:"})
    assert "every link in e-mail" in str(refused.value) or "points at this machine" in str(
        refused.value
    )


def test_production_without_base_url_set_at_all_is_refused(monkeypatch, tmp_path):
    monkeypatch.delenv("SYSTEMFEL_BASE_URL")
    monkeypatch.setenv("SYSTEMFEL_SECRET_KEY", STRONG_KEY)
    with pytest.raises(config.ConfigError, match="points at this machine"):
        config.load("production", tmp_path)
    assert config.load("development", tmp_path)["BASE_URL"] == "http://127.0.0.1:5000"


def test_production_takes_a_public_base_url(monkeypatch, tmp_path):
    monkeypatch.setenv("SYSTEMFEL_SECRET_KEY", STRONG_KEY)
    assert config.load("production", tmp_path)["BASE_URL"] == PUBLIC_URL
