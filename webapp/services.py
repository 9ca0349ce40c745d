"""One engine service per request, bound to Flask-SQLAlchemy's session."""
from flask import current_app, g

from engine.service import WorkflowService

from .extensions import db


def service() -> WorkflowService:
    if "alur_service" not in g:
        g.alur_service = WorkflowService(db.session, current_app.extensions["alur_engine_config"])
    return g.alur_service
