"""The review web app: a JSON API over a `ReviewSession` and the static front end, as a Flask (WSGI) app.

    GET  /                          the editor (static/index.html; its scripts and styles under /static/)
    GET  /api/info                  what is reviewed, where decisions go, the image size, axis and filter values
    GET  /api/queue?kind=&label=&split=&todo=1     the queue, most likely wrong first, and the progress
    GET  /api/progress?kind=&label=&split=         reviewed / total, fixed, estimated share needing fixing
    GET  /api/items/<name>          one image's facts, score terms, version, current and original mask
    GET  /api/images/<name>.png     the spectrogram as stored
    PUT  /api/items/<name>          {"decision": "accept"|"edit"|"noise", "version": n, "save_id": s, "mask": runs}

Errors are JSON ``{"error": "..."}`` with a 4xx status: 400 malformed, 403 a foreign Host header (a page on another
site reaching this server through DNS rebinding), 404 unknown image or path, 409 version conflict, 413 a body over
``MAX_BODY``, 415 a body that is not JSON. Image names come from the index only: no request names a file.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from flask import Flask, Response, jsonify, request, send_from_directory
from werkzeug.exceptions import HTTPException

from usvmask.data.store import encode_png
from usvmask.errors import UsvmaskError, describe_os_error
from usvmask.review.session import RequestError, ReviewSession

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
MAX_BODY = 2 * 1024 * 1024  # bytes; a 227x227 mask as runs is at most ~0.4 MB of JSON
CSP = "default-src 'self'; img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'"


def create_app(session: ReviewSession, images: np.ndarray, about: dict) -> Flask:
    """The app; set ``app.config["REVIEW_HOSTS"]`` (e.g. {"127.0.0.1:8765"}) to refuse any other Host header."""
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY, SEND_FILE_MAX_AGE_DEFAULT=0, REVIEW_HOSTS=None)
    app.json.sort_keys = False
    _add_guards(app)

    @app.get("/")
    def index() -> Response:
        return send_from_directory(STATIC, "index.html")

    @app.get("/api/info")
    def info() -> Response:
        return jsonify({**about, "count": len(session.names), "shape": list(images.shape[1:]), "axis": session.axis,
                        "facets": session.facets()})

    @app.get("/api/queue")
    def queue() -> Response:
        return jsonify(session.queue(**request.args.to_dict()))

    @app.get("/api/progress")
    def progress() -> Response:
        return jsonify(session.progress(**request.args.to_dict()))

    @app.get("/api/items/<name>")
    def item(name: str) -> Response:
        return jsonify(session.item(name))

    @app.get("/api/images/<name>.png")
    def image(name: str) -> Response:
        return Response(encode_png(images[session.find(name)]), mimetype="image/png",
                        headers={"Cache-Control": "private, max-age=3600"})

    @app.put("/api/items/<name>")
    def save(name: str) -> Response:
        body = _json_body()
        unknown = sorted(set(body) - {"decision", "version", "save_id", "mask"})
        if unknown:
            raise RequestError(f"{unknown[0]}: unknown field; send decision, version, save_id and mask")
        return jsonify(session.save(name, decision=body.get("decision"), version=body.get("version"),
                                    save_id=body.get("save_id"), mask=body.get("mask")))

    return app


def _json_body() -> dict:
    if not request.is_json:
        raise _Unsupported()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise RequestError("body: not a JSON object; send {\"decision\": ..., \"version\": ..., ...}")
    return body


class _Unsupported(RequestError):
    status = 415

    def __init__(self) -> None:
        super().__init__("body: send JSON with Content-Type: application/json")


def _add_guards(app: Flask) -> None:
    """Host check, JSON errors and response headers."""

    @app.before_request
    def check_host() -> Response | None:
        hosts = app.config["REVIEW_HOSTS"]
        if hosts and request.host not in hosts:
            return _error(f"host {request.host!r}: not this server; open http://{min(hosts)}/", 403)
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        if request.path.startswith("/api/") and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(RequestError)
    def refused(err: RequestError) -> Response:
        return _error(str(err), err.status)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Response:
        if err.code == 413:
            return _error(f"body: larger than {MAX_BODY} bytes; send one mask as run lengths", 413)
        cause = getattr(err, "original_exception", None)
        if cause is not None:
            log.error("%s %s failed", request.method, request.path, exc_info=cause)
            return _error(f"{request.path}: internal error ({type(cause).__name__}: {cause}); see the server's log",
                          500)
        return _error(f"{request.path}: {err.description}", err.code or 500)

    @app.errorhandler(UsvmaskError)
    def usvmask_error(err: UsvmaskError) -> Response:
        log.error("%s", err)
        return _error(str(err), 500)

    @app.errorhandler(OSError)
    def os_error(err: OSError) -> Response:
        log.error("%s", describe_os_error(err))
        return _error(f"not saved: {describe_os_error(err)}", 500)


def _error(message: str, status: int) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response
