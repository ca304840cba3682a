"""External calendars in the admin UI (issue 15 item 6): the list of syncs with their
state and "sync now", and the external CalDAV accounts: entering one (its calendars are
found first; a failed discovery shows the failing check in words and saves nothing),
its page with the calendars found there to pick one, changing it and deleting it. The
syncs' own pages live in external_syncs.py."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import Blueprint, Response, request

from davserver.external_caldav import HttpxCalDavClient
from davserver.web.admin.domain_messages import refusal, translated
from davserver.web.admin.forms import Field, FormState
from davserver.web.admin.i18n import N_, _
from davserver.web.admin.pages import back_to, notice, render
from davserver.web.admin.security import actor
from resources.error_codes import Sentence
from resources.errors import DomainError
from resources.external_calendars.accounts import (
    account_calendars,
    create_account,
    get_account,
    update_account,
)
from resources.external_calendars.discovery import DiscoveryFailed, RemoteCalendar
from resources.external_calendars.pair_problems import stored_sentences
from resources.external_calendars.sync_pairs import delete_account, last_run, pairs_of
from resources.store.external_calendars import ExternalAccount, ExternalSyncRun, SyncPair

blueprint = Blueprint("external_calendars", __name__, url_prefix="/external-calendars")

# The steps of discovery in their order (resources/external_calendars/discovery.py).
CHECKS = ("url", "reach", "login", "calendars")
CHECK_LABELS = {
    "url": N_("Address"),
    "reach": N_("Reachable"),
    "login": N_("Signing in"),
    "calendars": N_("Calendars found"),
}
STATE_LABELS = {
    "queued": N_("queued"),
    "running": N_("running"),
    "ok": N_("ok"),
    "failed": N_("run failed"),
}
STATE_TONES = {"queued": "warn", "running": "warn", "ok": "ok", "failed": "bad"}
TRIGGER_LABELS = {"manual": N_("by hand"), "interval": N_("interval")}
REFRESH_SECONDS = 2  # how often a page with a queued or running run reloads itself

URL_FIELD = Field(
    "url",
    N_("CalDAV address"),
    kind="url",
    required=True,
    maxlength=2000,
    help=N_(
        "The server's address (https://host is enough where it supports discovery), a "
        "principal, a calendar home or one calendar."
    ),
)
USERNAME_FIELD = Field("username", N_("User name"), required=True, maxlength=300)
PASSWORD_FIELD = Field("password", N_("Password"), kind="password", maxlength=1000)
KEEP_PASSWORD = N_("Leave it empty to keep the stored password.")


@dataclass(frozen=True)
class FailedCheck:
    """A discovery that failed: the checks before it passed, this one did not."""

    check: str
    sentence: Sentence | None
    message: str


def check_label(check: str) -> str:
    return _(CHECK_LABELS[check]) if check in CHECK_LABELS else check


def state_label(state: str) -> str:
    return _(STATE_LABELS[state]) if state in STATE_LABELS else state


def problems_shown(text: str | None, english: str) -> list[str]:
    """Stored problems in the page's language (only the English of older rows)."""
    found = stored_sentences(text)
    if found:
        return [translated(problem) for problem in found]
    return [english] if english else []


def run_failure(run: ExternalSyncRun) -> str:
    failed = problems_shown(f"[{run.failure}]" if run.failure else None, run.message)
    return failed[0] if failed else ""


def calendar_label(calendar: RemoteCalendar) -> str:
    parts = [calendar.name, ", ".join(calendar.components)]
    if calendar.read_only:
        parts.append(_("read-only"))
    return " · ".join(part for part in parts if part)


def shared_context() -> dict:
    """What every external calendar template uses to draw checks, runs and states."""
    return dict(
        checks=CHECKS,
        check_label=check_label,
        state_label=state_label,
        state_tone=lambda state: STATE_TONES.get(state, "warn"),
        trigger_label=lambda trigger: (
            _(TRIGGER_LABELS[trigger]) if trigger in TRIGGER_LABELS else trigger
        ),
        problems_shown=problems_shown,
        run_failure=run_failure,
        calendar_label=calendar_label,
        account_calendars=account_calendars,
    )


@dataclass(frozen=True)
class ListedPair:
    pair: SyncPair
    account: ExternalAccount
    remote_name: str
    local_name: str
    pending: int
    last_run: ExternalSyncRun | None


def listed_pair(pair: SyncPair) -> ListedPair:
    from davserver.web.admin.external_syncs import local_label, pending_pushes, remote_name

    account = get_account(pair.account_id)
    return ListedPair(
        pair,
        account,
        remote_name(account, pair.remote_url),
        local_label(pair.collection_id),
        pending_pushes(pair),
        last_run(pair.id),
    )


@blueprint.get("", endpoint="index")
def external_calendars() -> Response:
    pairs = [listed_pair(pair) for pair in SyncPair.select().order_by(SyncPair.id)]
    accounts = list(ExternalAccount.select().order_by(ExternalAccount.id))
    active = any(
        p.last_run is not None and p.last_run.state in ("queued", "running") for p in pairs
    )
    return render(
        "admin/external_calendars.html",
        title=_("External calendars"),
        pairs=pairs,
        accounts=accounts,
        refresh=REFRESH_SECONDS if active else None,
        **shared_context(),
    )


def account_form_page(
    title: str,
    state: FormState,
    *,
    account: ExternalAccount | None = None,
    failed: FailedCheck | None = None,
) -> Response:
    password = PASSWORD_FIELD if account is None else replace(PASSWORD_FIELD, help=KEEP_PASSWORD)
    return render(
        "admin/external_account_form.html",
        status=422 if state.errors or failed else 200,
        title=title,
        fields=(URL_FIELD, USERNAME_FIELD, password),
        form=state,
        account=account,
        failed=failed,
        **shared_context(),
    )


def _typed() -> FormState:
    values = {
        "url": request.form.get("url", "").strip(),
        "username": request.form.get("username", "").strip(),
        "password": "",  # never sent back
    }
    errors = {
        name: _("Please fill in this field.") for name in ("url", "username") if not values[name]
    }
    return FormState(values, errors)


def _failed(error: DiscoveryFailed) -> FailedCheck:
    return FailedCheck(error.check, error.sentence, error.message)


@blueprint.route("/accounts/new", methods=["GET", "POST"], endpoint="new_account")
def new_account() -> Response:
    title = _("New external account")
    if request.method != "POST":
        return account_form_page(title, FormState({"url": "", "username": "", "password": ""}))
    state = _typed()
    if state.errors:
        return account_form_page(title, state)
    try:
        account, _found = create_account(
            state.values["url"],
            state.values["username"],
            request.form.get("password", ""),
            HttpxCalDavClient(),
            actor=actor(),
        )
    except DiscoveryFailed as error:
        return account_form_page(title, state, failed=_failed(error))
    except DomainError as error:
        state.errors[error.field if error.field in ("url", "username", "password") else ""] = (
            refusal(error)
        )
        return account_form_page(title, state)
    notice(N_("The account is saved; pick one of its calendars to sync."))
    return back_to("external_calendars.account", account_id=account.id)


@blueprint.get("/accounts/<int:account_id>", endpoint="account")
def show_account(account_id: int) -> Response:
    account = get_account(account_id)
    paired = {pair.remote_url: pair for pair in pairs_of(account.id)}
    return render(
        "admin/external_account.html",
        title=account.url,
        account=account,
        calendars=account_calendars(account),
        paired=paired,
        password_set=bool(account.password),
        **shared_context(),
    )


@blueprint.route(
    "/accounts/<int:account_id>/edit", methods=["GET", "POST"], endpoint="edit_account"
)
def edit_account(account_id: int) -> Response:
    account = get_account(account_id)
    title = _("Edit %(name)s", name=account.url)
    if request.method != "POST":
        values = {"url": account.url, "username": account.username, "password": ""}
        return account_form_page(title, FormState(values), account=account)
    state = _typed()
    if state.errors:
        return account_form_page(title, state, account=account)
    typed = request.form.get("password", "")
    changes: dict[str, object] = {"url": state.values["url"], "username": state.values["username"]}
    if typed:
        changes["password"] = typed
    try:
        update_account(account, changes, HttpxCalDavClient(), actor=actor())
    except DiscoveryFailed as error:
        return account_form_page(title, state, account=account, failed=_failed(error))
    except DomainError as error:
        state.errors[""] = refusal(error)
        return account_form_page(title, state, account=account)
    notice(N_("The account is saved."))
    return back_to("external_calendars.account", account_id=account.id)


@blueprint.post("/accounts/<int:account_id>/delete", endpoint="delete_account")
def remove_account(account_id: int) -> Response:
    account = get_account(account_id)
    ended = delete_account(account, actor=actor())
    notice(N_("The account is deleted; %(count)s syncs with it ended."), count=ended)
    return back_to("external_calendars.index")
