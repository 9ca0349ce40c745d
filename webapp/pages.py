"""Registers the blueprints of the HTML pages."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import home

    app.register_blueprint(home.bp)
