"""`search serve`: the HTTP JSON service over one index, built by `create_app(settings)`.

Routes under /api/v1 answer with the CLI's --json documents; errors are problem documents.
"""

from __future__ import annotations

from ._app import app_from_environment, create_app
from ._run import bind_policy, serve, web
from ._settings import Settings

__all__ = ["Settings", "app_from_environment", "bind_policy", "create_app", "serve", "web"]
