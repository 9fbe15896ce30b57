"""Configuration layers: defaults, the environment's file, SYSTEMFEL_* variables, overrides."""

import logging

import pytest

from systemfel import config


@pytest.fixture(autouse=True)
def _no_systemfel_environment(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("SYSTEMFEL_"):
            monkeypatch.delenv(name)


def test_environment_variables_override_files_and_are_typed(monkeypatch, tmp_path):
    monkeypatch.setenv("SYSTEMFEL_PAGE_SIZE", "50")
    monkeypatch.setenv("SYSTEMFEL_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("SYSTEMFEL_DATABASE_URL", "postgresql+psycopg://u@h:5432/db")
    settings = config.load("testing", tmp_path)
    assert settings["PAGE_SIZE"] == 50
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["DATABASE_URL"] == "postgresql+psycopg://u@h:5432/db"
    assert settings["LOGIN_MAX_FAILURES"] == 3  # from config/testing.toml


def test_unknown_keys_warn_and_are_ignored(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("SYSTEMFEL_PAGE_SIZ", "50")
    with caplog.at_level(logging.WARNING, logger="systemfel.config"):
        settings = config.load("testing", tmp_path)
    assert "PAGE_SIZ" not in settings
    assert "Unknown setting PAGE_SIZ" in caplog.text


def test_production_without_secret_key_fails_clearly(tmp_path):
    with pytest.raises(config.ConfigError, match="SYSTEMFEL_SECRET_KEY"):
        config.load("production", tmp_path)


def test_development_secret_is_generated_once_and_kept(tmp_path):
    first = config.load("development", tmp_path)["SECRET_KEY"]
    second = config.load("development", tmp_path)["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_relative_sqlite_path_lives_in_the_instance_folder(tmp_path):
    settings = config.load("development", tmp_path)
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'systemfel.db'}"
