"""Systemfel: register, follow up and report brister in personligt ombud services."""

import os
from pathlib import Path
from typing import Any

from flask import Flask

from systemfel import config as config_loader
from systemfel.paths import shipped


def create_app(env: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the web application; no migrations, network or threads happen here."""
    env = env or os.environ.get("SYSTEMFEL_ENV", "development")
    instance_path = os.environ.get("SYSTEMFEL_INSTANCE_PATH")
    app = Flask(
        __name__,
        template_folder=str(shipped("templates")),
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
    )
    settings = config_loader.load(env, Path(app.instance_path), overrides)
    app.config.update(settings)

    from systemfel import web

    web.configure(app)
    return app
