"""The runner's web app: FastAPI + Jinja2 server-rendered pages with a JSON twin of every page under ``/api/v1``.

``create_app(settings)`` builds it (:mod:`calfcare.web.app`); ``calfcare serve`` runs it with uvicorn."""

from calfcare.web.app import create_app

__all__ = ["create_app"]
