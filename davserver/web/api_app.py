"""The JSON API application mounted at /api (issue 4 §5): a Flask app with one
blueprint per resource family, HTTP Basic or admin-session sign-in and JSON errors."""

from __future__ import annotations

from types import ModuleType

from flask import Flask

from davserver.config import Settings
from davserver.web import security_headers
from davserver.web.api import (
    audit,
    bookings,
    branches,
    carddav_integrations,
    companies,
    company_book,
    connections,
    contacts,
    credentials,
    employees,
    events,
    external_calendars,
    groups,
    imports,
    installation,
    me,
    phonebook,
    resources,
    users,
)
from davserver.web.api.auth import THROTTLE_KEY, make_throttle, sign_in
from davserver.web.api.errors import register_error_handlers
from davserver.web.api.settings import DAV_APP_KEY, SETTINGS_KEY
from resources.auth.server_secrets import shared_secret

BLUEPRINTS: tuple[ModuleType, ...] = (
    branches,
    employees,
    users,
    groups,
    resources,
    events,
    credentials,
    me,
    audit,
)
BLUEPRINTS += (companies, contacts, company_book, phonebook, carddav_integrations)
BLUEPRINTS += (installation,)
BLUEPRINTS += (imports,)
BLUEPRINTS += (connections,)
BLUEPRINTS += (external_calendars,)
BLUEPRINTS += (bookings,)


def build_api_app(settings: Settings, dav_app) -> Flask:
    """Return the WSGI app serving /api/v1; `dav_app` serves connection-test round trips."""
    app = Flask("davserver.api")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_size
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # The same key as the admin UI, so its session cookie signs in here too.
    app.secret_key = settings.secret_key or shared_secret()
    app.url_map.strict_slashes = False
    app.extensions[SETTINGS_KEY] = settings
    app.extensions[DAV_APP_KEY] = dav_app
    app.extensions[THROTTLE_KEY] = make_throttle(settings)
    app.before_request(sign_in)
    register_error_handlers(app)
    security_headers.install(app, security_headers.API_POLICY)
    for module in BLUEPRINTS:
        app.register_blueprint(module.blueprint)
    return app
