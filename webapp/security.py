"""Security headers on every response: what the browser may load and run for alur's pages.

Scripts come only from alur's own static files (no inline script anywhere in the templates), so
an injected ``<script>`` or ``onclick`` does not run even if some text escaped escaping. Styles
allow inline attributes: the BPMN modeler (bpmn-js) and the server-drawn SVG diagrams set them.
Nothing may frame the pages (clickjacking) or post forms elsewhere.

Also at the edge: requests holding NUL characters or lone surrogates are refused before any
handler sees them, and cookies are marked Secure whenever the request came over HTTPS.
"""
from __future__ import annotations

from flask import Flask, Response, abort, request

from engine.data_limits import text_problem

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def refuse_odd_text() -> None:
    """400 for a path, query string, form field or file name holding NUL or a lone surrogate:
    no name or value has them, PostgreSQL refuses them, and they must not reach a query."""
    values = [request.path]
    values += [v for pair in request.args.items(multi=True) for v in pair]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        values += [v for pair in request.form.items(multi=True) for v in pair]
        values += [f.filename or "" for f in request.files.values()]
    for value in values:  # a malformed multipart part may come without a name (None)
        if isinstance(value, str) and text_problem(value):
            abort(400, description="the request holds a NUL character or invalid Unicode")


class SecureCookies:
    """WSGI middleware: every cookie is marked Secure when the request came over HTTPS (directly,
    or through the trusted proxies of ``ALUR_PROXY_COUNT``), so a login never travels over plain
    HTTP afterwards. Middleware, because the session and remember cookies are written after every
    ``after_request`` hook."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def start(status, headers, exc_info=None):
            headers = [(name, value + "; Secure" if name.lower() == "set-cookie"
                        and "; secure" not in value.lower() else value) for name, value in headers]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def init_app(app: Flask) -> None:
    app.wsgi_app = SecureCookies(app.wsgi_app)
    proxies = int(app.config.get("ALUR_PROXY_COUNT") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies,
                                x_prefix=proxies)
    app.before_request(refuse_odd_text)

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
