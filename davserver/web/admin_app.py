"""The admin web UI mounted at /admin (issue 6): a Flask app of server-rendered pages,
one blueprint per screen, sessions with CSRF protection, German and English."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from davserver.config import Settings
from davserver.web import security_headers
from davserver.web.admin import (
    accounts,
    audit,
    auth,
    bookings,
    carddav_integrations,
    connection_edit,  # noqa: F401 (adds the forms to the connections blueprint)
    connection_upload,
    connections,
    credentials,
    dashboard,
    directory,
    external_calendars,
    external_syncs,  # noqa: F401 (adds the sync pages to the external calendars blueprint)
    i18n,
    imports,
    me,
    organisation,
    pages,
    phonebook,
    resources,
    security,
    week_view,  # noqa: F401 (adds the week view to the resources blueprint)
)
from davserver.web.admin.context import DAV_APP_KEY, SETTINGS_KEY

WEB_DIR = Path(__file__).resolve().parent
BLUEPRINTS = (
    auth.blueprint,
    dashboard.blueprint,
    organisation.branches,
    organisation.employees,
    accounts.accounts,
    accounts.groups,
    resources.blueprint,
    credentials.blueprint,
    carddav_integrations.blueprint,
    directory.blueprint,
    phonebook.blueprint,
    connections.blueprint,
    external_calendars.blueprint,
    audit.blueprint,
    me.blueprint,
    imports.blueprint,
    bookings.blueprint,
)


def build_admin_app(settings: Settings, dav_app) -> Flask:
    """Return the WSGI app serving /admin; `dav_app` serves connection-test round trips."""
    app = Flask(
        "davserver.admin",
        template_folder=str(WEB_DIR / "templates"),
        static_folder=str(WEB_DIR / "static"),
        static_url_path="/static",
    )
    app.config["MAX_CONTENT_LENGTH"] = min(settings.max_request_size, 2 * 1024 * 1024)
    app.config["MAX_FORM_MEMORY_SIZE"] = 1024 * 1024
    app.url_map.strict_slashes = False
    app.extensions[SETTINGS_KEY] = settings
    app.extensions[DAV_APP_KEY] = dav_app
    security.configure_sessions(app)
    app.before_request(imports.allow_large_upload)  # before the CSRF check reads the form
    app.before_request(connection_upload.allow_large_upload)
    app.before_request(i18n.choose_language)
    app.before_request(security.load_account)
    app.before_request(security.check_csrf)
    pages.register(app)
    security_headers.install(app, security_headers.ADMIN_POLICY)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app
