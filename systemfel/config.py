"""Configuration in layers: config/default.toml → config/<env>.toml → SYSTEMFEL_* environment."""

import logging
import os
import secrets
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from systemfel.paths import shipped

logger = logging.getLogger(__name__)

ENV_PREFIX = "SYSTEMFEL_"
# Environment variables that steer loading itself rather than naming a config key.
_LOADER_VARIABLES = {"SYSTEMFEL_ENV", "SYSTEMFEL_INSTANCE_PATH", "SYSTEMFEL_TEST_DATABASE_URL"}


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to fix."""


def _read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _parse_env_value(raw: str) -> Any:
    """Read an environment value as a TOML value when it is one ("5", "true"), else as text."""
    try:
        return tomllib.loads(f"value = {raw}")["value"]
    except tomllib.TOMLDecodeError:
        return raw


ENVIRONMENTS = ("development", "testing", "production")
# What an environment sets before its file does: production is served over HTTPS.
_ENVIRONMENT_DEFAULTS: dict[str, dict[str, Any]] = {"production": {"SESSION_COOKIE_SECURE": True}}
MIN_SECRET_KEY_BYTES = 32


def environment_name(raw: str) -> str:
    """Return the environment `raw` names, in any case; refuse a name that is none of them."""
    env = raw.strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(
            f"SYSTEMFEL_ENV={raw!r} is not an environment; use one of: {', '.join(ENVIRONMENTS)}."
        )
    return env


def load(env: str, instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the settings for `env`: defaults, then the env's file, environment, overrides."""
    env = environment_name(env)
    config_dir = shipped("config")
    settings = _read_toml(config_dir / "default.toml")
    known = set(settings)
    settings.update(_ENVIRONMENT_DEFAULTS.get(env, {}))
    env_file = config_dir / f"{env}.toml"
    layers: list[tuple[str, dict[str, Any]]] = []
    if env_file.is_file():
        layers.append((str(env_file), _read_toml(env_file)))
    environment = {
        name.removeprefix(ENV_PREFIX): _parse_env_value(value)
        for name, value in os.environ.items()
        if name.startswith(ENV_PREFIX) and name not in _LOADER_VARIABLES
    }
    layers.append(("environment", environment))
    layers.append(("overrides", overrides or {}))
    for source, layer in layers:
        for key in sorted(set(layer) - known):
            logger.warning("Unknown setting %s in %s is ignored", key, source)
        settings.update({key: value for key, value in layer.items() if key in known})
    settings["ENV"] = env
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _development_secret(env, instance_path)
    if env == "production":
        _check_production(settings)
    settings["DATABASE_URL"] = _resolve_sqlite_path(settings["DATABASE_URL"], instance_path)
    return settings


def _development_secret(env: str, instance_path: Path) -> str:
    """Outside production, keep a generated secret in instance/secret_key; in production fail."""
    if env == "production":
        raise ConfigError("SYSTEMFEL_SECRET_KEY must be set in the environment in production.")
    path = instance_path / "secret_key"
    if not path.is_file():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _check_production(settings: dict[str, Any]) -> None:
    """Refuse a secret key that can be guessed; warn when cookies may travel without HTTPS."""
    if len(str(settings["SECRET_KEY"]).encode()) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(
            f"SYSTEMFEL_SECRET_KEY is too short for production: use at least "
            f"{MIN_SECRET_KEY_BYTES} random bytes, e.g. the output of "
            '`python -c "import secrets; print(secrets.token_hex(32))"`.'
        )
    _check_base_url(str(settings["BASE_URL"]))
    if not settings["SESSION_COOKIE_SECURE"]:
        logger.warning(
            "SESSION_COOKIE_SECURE is off in production: session cookies may be sent over HTTP"
        )


# Hosts that only this machine reaches: a link to them in a mail leads nowhere.
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}  # noqa: S104 - names, not a bind


def _check_base_url(base_url: str) -> None:
    """Every link in mail is built on BASE_URL: in production it must be the public address."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            "SYSTEMFEL_BASE_URL must be set in production to the address people reach the "
            "service at, e.g. https://systemfel.example.se: every link in e-mail is built on it."
        )
    if parts.hostname in _LOCAL_HOSTS:
        raise ConfigError(
            f"SYSTEMFEL_BASE_URL={base_url!r} points at this machine: set it in production to "
            "the address people reach the service at, e.g. https://systemfel.example.se."
        )


def _resolve_sqlite_path(url: str, instance_path: Path) -> str:
    """Make a relative SQLite path relative to the instance folder, as Flask-SQLAlchemy does."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == "sqlite:///:memory:":
        return url
    path = Path(url.removeprefix(prefix))
    if not path.is_absolute():
        instance_path.mkdir(parents=True, exist_ok=True)
        path = instance_path / path
    return f"{prefix}{path}"
