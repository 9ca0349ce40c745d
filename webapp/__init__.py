"""alur's web app: ``create_app`` builds it, as in Flask's tutorial."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .settings import defaults, engine_config


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("ALUR_INSTANCE_PATH") or None,
                instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    app.extensions["alur_engine_config"] = engine_config(app.config)

    from . import database, errors, i18n, markup, security
    from .extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    markup.init_app(app)
    errors.init_app(app)
    security.init_app(app)

    from . import api, auth, pages

    app.register_blueprint(auth.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    pages.register(app)

    from .cli import register_commands

    register_commands(app)
    return app
