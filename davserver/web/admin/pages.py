"""What every admin page shares: rendering with the layout's context (navigation,
language switch, CSRF token), notices after a change, and the error pages: every
refusal is a readable page with a status, never a bare 500 for bad input."""

from __future__ import annotations

import logging

from flask import Flask, Response, flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from davserver.web.admin import security
from davserver.web.admin.domain_messages import refusal, translated
from davserver.web.admin.i18n import (
    LANGUAGE_NAMES,
    N_,
    _,
    current_language,
    format_day,
    format_moment,
    translate,
    translate_plural,
)
from resources.errors import AlreadyExists, DomainError, NotFound
from resources.organisation.field_changes import InUse

log = logging.getLogger("davserver.admin")

# (endpoint, label) of the administrator's menu, in order.
ADMIN_MENU = (
    ("dashboard.index", N_("Dashboard")),
    ("branches.index", N_("Branches")),
    ("employees.index", N_("Employees")),
    ("accounts.index", N_("Accounts")),
    ("groups.index", N_("Groups")),
    ("resources.index", N_("Resources")),
    ("credentials.index", N_("Service logins")),
    ("directory.companies", N_("Contacts")),
    ("phonebook.index", N_("Phonebook")),
    ("connections.index", N_("Connections")),
    ("external_calendars.index", N_("External calendars")),
    ("imports.index", N_("Import")),
    ("audit.index", N_("Audit log")),
)
USER_MENU = (("me.index", N_("My account")),)
USER_ONLY_MENU = (  # a user's own imports, the bookings it decides as a delegate
    ("imports.index", N_("Import")),
    ("bookings.index", N_("Bookings")),
)
HTTP_SENTENCES = {
    400: N_("The request could not be understood."),
    404: N_("There is nothing at this address."),
    405: N_("This address does not accept this kind of request."),
    413: N_("The form is too large."),
}


def render(template: str, status: int = 200, **context) -> Response:
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def notice(message: str, **values) -> None:
    """A one-line confirmation shown on the next page."""
    flash(_(message, **values), "ok")


def back_to(endpoint: str, **values) -> Response:
    # flask's Response, as the views that return this say; redirect builds werkzeug's base class
    return redirect(url_for(endpoint, **values), code=303)  # type: ignore[return-value]


def this_page() -> str:
    """The address of this request below the mount, with its query."""
    return request.script_root + request.full_path.rstrip("?")


def here() -> str:
    """This page's address for returning to it with GET (the start page after a POST)."""
    rule = request.url_rule
    if request.method == "GET" and rule is not None and rule.endpoint != "auth.login":
        return this_page()
    return url_for("auth.index")


def template_context() -> dict:
    account = g.get("account")
    menu = ADMIN_MENU if account is not None and account.role == "admin" else ()
    return dict(
        account=account,
        menu=menu,
        user_menu=(USER_MENU + (USER_ONLY_MENU if not menu else ())) if account is not None else (),
        language=current_language(),
        language_names=LANGUAGE_NAMES,
        here=here(),
    )


def error_page(status: int, title: str, sentence: str) -> Response:
    return render("admin/error.html", status=status, title=title, sentence=sentence)


def _csrf_refused(_error: security.CsrfRefused) -> Response:
    return error_page(
        400,
        _("Form refused"),
        _(
            "This form was not sent from a page of this site, or it has expired. "
            "Go back, reload the page and send the form again."
        ),
    )


def _sign_in_needed(_error: security.SignInNeeded) -> WerkzeugResponse:
    if request.method == "GET":
        return redirect(url_for("auth.login", next=this_page()), code=303)
    return redirect(url_for("auth.login"), code=303)


def _admin_only(_error: security.AdminOnly) -> Response:
    return error_page(
        403,
        _("For administrators only"),
        _("This page is for administrators. Your own logins are under My account."),
    )


def _domain_error(error: DomainError) -> Response:
    status = (
        404
        if isinstance(error, NotFound)
        else 409
        if isinstance(error, (AlreadyExists, InUse))
        else 400
    )
    return error_page(status, _("Not possible"), refusal(error))


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    sentence = HTTP_SENTENCES.get(status)
    return error_page(
        status, f"{status} {error.name}", _(sentence) if sentence else (error.description or "")
    )


def _unexpected(error: Exception) -> Response:
    log.exception("unexpected error in the admin UI: %s", type(error).__name__)
    return error_page(
        500,
        _("Something went wrong"),
        _("Something went wrong on the server. The server log has the details."),
    )


def register(app: Flask) -> None:
    app.context_processor(template_context)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(translate, translate_plural, newstyle=True)  # type: ignore[attr-defined]
    # Globals reach imported macros too (a template context does not).
    app.jinja_env.globals.update(
        csrf_token=security.csrf_token,
        format_moment=format_moment,
        format_day=format_day,
        domain_sentence=translated,
    )
    app.register_error_handler(security.CsrfRefused, _csrf_refused)
    app.register_error_handler(security.SignInNeeded, _sign_in_needed)
    app.register_error_handler(security.AdminOnly, _admin_only)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
