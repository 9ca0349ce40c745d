"""Registers the blueprints of the HTML pages."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import account, cases, delegations, home, inbox, notifications, tasks

    app.register_blueprint(home.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(delegations.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(notifications.bp)
    from . import admin, admin_notifications, audit_log, instances, modeler, processes, reports, traceability

    app.register_blueprint(instances.bp)
    app.register_blueprint(traceability.bp)
    app.register_blueprint(processes.bp)
    app.register_blueprint(modeler.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_notifications.bp)
    app.register_blueprint(audit_log.bp)
    app.register_blueprint(reports.bp)
    from . import case_moves, case_record, doc_templates, sop_sheet

    app.register_blueprint(case_moves.bp)

    app.register_blueprint(case_record.bp)

    app.register_blueprint(sop_sheet.bp)
    app.register_blueprint(doc_templates.bp)
