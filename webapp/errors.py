"""One place mapping engine errors and HTTP errors to JSON (under /api) or pages.

JSON keeps the engine's English words and sends each problem's ``code`` and ``params`` (an outside
contract); pages say them in the user's language by code (:mod:`webapp.message_text`).
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.errors import AlurError, Conflict, Invalid, NotAllowed, NotFound, TooLarge, Unavailable
from engine.models import utcnow
from engine.ops_logins import LoginLocked

from engine.messages import Message

from .message_text import problem_text, say

STATUS = {NotFound: 404, NotAllowed: 403, Conflict: 409, TooLarge: 413, Invalid: 422, LoginLocked: 429,
          Unavailable: 503}


def status_of(exc: AlurError) -> int:
    for cls, code in STATUS.items():
        if isinstance(exc, cls):
            return code
    return 400


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_body(code: str, message: str, details: list | None = None) -> dict:
    body = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    return body


def init_app(app: Flask) -> None:
    @app.errorhandler(AlurError)
    def engine_error(exc: AlurError):
        from .extensions import db

        db.session.rollback()
        status = status_of(exc)
        problems = getattr(exc, "problems", [])
        headers = {}
        if isinstance(exc, LoginLocked):
            headers["Retry-After"] = str(max(1, int((exc.until - utcnow()).total_seconds())))
        if wants_json():  # the API's contract: the engine's own words
            return jsonify(error_body(exc.api_code, exc.message, [p.as_dict() for p in problems])), status, headers
        details = [{**p.as_dict(), "message": problem_text(p)} for p in problems]
        return render_template("error.html", status=status, message=say(exc), details=details), status, headers

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        if wants_json():
            return jsonify(error_body("csrf", exc.description)), 400
        return render_template("error.html", status=400, message=say(exc.description), details=[]), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = exc.description or exc.name
        if status == 413:
            limit = app.config["ALUR_MAX_UPLOAD_MB"]
            message = Message("request.upload_too_large", n=limit)
        if wants_json():
            code = {400: "malformed", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                    405: "method_not_allowed", 413: "too_large"}.get(status, exc.name.lower().replace(" ", "_"))
            response = jsonify(error_body(code, str(message)))
            response.status_code = status
            if status == 401:
                response.headers["WWW-Authenticate"] = 'Bearer realm="alur", Basic realm="alur"'
            return response
        return render_template("error.html", status=status, message=say(message), details=[]), status

    @app.errorhandler(500)
    def server_error(exc):
        from .extensions import db

        db.session.rollback()  # the failed transaction must not fail the error page too
        if wants_json():
            return jsonify(error_body("server_error", "an unexpected error; it has been logged")), 500
        return render_template("error.html", status=500, message=None, details=[]), 500
