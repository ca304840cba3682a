"""Sync pairs in the admin UI (issue 15 items 2, 5 and 6): pairing one of an account's
calendars with a local calendar (a resource's or a personal one) and the options, each
conflict policy explained in a sentence; a pair's page with its state (last pull, last
push, pending pushes, last error in words), its runs and "sync now"; changing and
ending it. Added to the external calendars blueprint (external_calendars.py)."""

from __future__ import annotations

from flask import Response, request

from davserver.external_sync_loop import sync_now
from davserver.web.admin.domain_messages import refusal
from davserver.web.admin.external_calendars import (
    REFRESH_SECONDS,
    blueprint,
    listed_pair,
    shared_context,
)
from davserver.web.admin.forms import FormState
from davserver.web.admin.i18n import N_, _
from davserver.web.admin.pages import back_to, notice, render
from davserver.web.admin.security import actor
from resources.errors import DomainError
from resources.external_calendars.accounts import account_calendars, get_account
from resources.external_calendars.sync_pairs import (
    create_pair,
    delete_pair,
    get_pair,
    local_calendar,
    update_pair,
)
from resources.external_calendars.sync_runs import RunActive
from resources.objects.calendar_collections import CALENDAR
from resources.store.external_calendars import (
    CONFLICT_POLICIES,
    ExternalAccount,
    ExternalSyncRun,
    OutboxEntry,
    SyncPair,
)
from resources.store.models import Collection
from resources.store.organisation import Resource, ServiceCredential

CONFLICT_LABELS = {
    "remote_wins": N_("The external calendar wins"),
    "local_wins": N_("This server wins"),
    "newest_wins": N_("The newer change wins"),
}
CONFLICT_SENTENCES = {
    "remote_wins": N_(
        "When an appointment was changed on both sides since the last sync, the external "
        "calendar's version is kept and the change made here is replaced."
    ),
    "local_wins": N_(
        "When an appointment was changed on both sides since the last sync, the version here "
        "is kept and written over the external one."
    ),
    "newest_wins": N_(
        "When an appointment was changed on both sides since the last sync, the version "
        "changed last (by its LAST-MODIFIED time) is kept on both sides."
    ),
}
HISTORY_LENGTH = 30
UI_WAIT_SECONDS = 3.0  # "sync now" waits this long before showing the page
MAX_LISTED_CALENDARS = 1000


def remote_name(account: ExternalAccount, url: str) -> str:
    return next((c.name for c in account_calendars(account) if c.url == url), url)


def pending_pushes(pair: SyncPair) -> int:
    return int(OutboxEntry.select().where(OutboxEntry.collection_id == pair.collection_id).count())


def local_label(collection_id: int) -> str:
    collection = Collection.get_or_none(Collection.id == collection_id)
    if collection is None:
        return "?"
    if collection.resource_id is not None:
        resource = Resource.get_by_id(collection.resource_id)
        return _("%(name)s (resource calendar)", name=resource.name)
    owner = ServiceCredential.get_or_none(ServiceCredential.id == collection.owner_id)
    name = collection.display_name or collection.path
    return f"{owner.username if owner else '?'}: {name}"


def local_choices(current: int | None = None) -> list[tuple[str, str]]:
    """Calendars that may be paired: every resource's, then the personal ones; those
    paired already are left out (except the pair's own)."""
    paired = {p.collection_id for p in SyncPair.select(SyncPair.collection)} - {current}
    resource_calendars = {
        c.resource_id: c.id
        for c in Collection.select(Collection.id, Collection.resource).where(
            Collection.resource.is_null(False)
        )
    }
    choices = [
        (f"resource:{r.slug}", _("%(name)s (resource calendar)", name=r.name))
        for r in Resource.select().where(Resource.active).order_by(Resource.name)
        if resource_calendars.get(r.id) not in paired
    ]
    personal = (
        Collection.select(Collection, ServiceCredential.username)
        .join(ServiceCredential, on=(Collection.owner == ServiceCredential.id))
        .where((Collection.kind == CALENDAR) & Collection.resource.is_null())
        .order_by(ServiceCredential.username, Collection.path)
        .limit(MAX_LISTED_CALENDARS)
    )
    for collection in personal:
        if collection.id in paired:
            continue
        username = collection.owner.username  # type: ignore[union-attr]  # joined, never null
        choices.append(
            (
                f"/dav/calendars/{username}/{collection.path}/",
                f"{username}: {collection.display_name or collection.path}",
            )
        )
    return choices


def _local_from(value: str) -> Collection:
    if value.startswith("resource:"):
        return local_calendar(resource=value[len("resource:") :])
    return local_calendar(dav_path=value)


def _options(state: FormState) -> dict[str, object]:
    """The options as typed; a number that is none goes into the form's errors."""
    options: dict[str, object] = {
        "conflict": state.values["conflict"],
        "push_existing": bool(state.values["push_existing"]),
    }
    try:
        options["interval_minutes"] = int(state.values["interval_minutes"])
    except ValueError:
        state.errors["interval_minutes"] = _(
            "Please enter a whole number from %(min)s to %(max)s.", min=1, max=60
        )
    return options


def _typed() -> FormState:
    return FormState(
        {
            "remote_calendar": request.form.get("remote_calendar", ""),
            "local_calendar": request.form.get("local_calendar", ""),
            "conflict": request.form.get("conflict", "remote_wins"),
            "interval_minutes": request.form.get("interval_minutes", "").strip(),
            "push_existing": "push_existing" in request.form,
        }
    )


def form_page(
    title: str, state: FormState, account: ExternalAccount, pair: SyncPair | None = None
) -> Response:
    return render(
        "admin/external_sync_form.html",
        status=422 if state.errors else 200,
        title=title,
        form=state,
        account=account,
        pair=pair,
        calendars=account_calendars(account),
        local_choices=local_choices(pair.collection_id if pair else None),
        local_shown=local_label(pair.collection_id) if pair else "",
        policies=CONFLICT_POLICIES,
        conflict_labels=CONFLICT_LABELS,
        conflict_sentences=CONFLICT_SENTENCES,
        **shared_context(),
    )


def _attach(state: FormState, error: DomainError) -> None:
    name = error.field or ""
    state.errors[name if name in state.values else ""] = refusal(error)


@blueprint.route("/syncs/new", methods=["GET", "POST"], endpoint="new_sync")
def new_sync() -> Response:
    account = get_account(request.args.get("account", type=int))
    title = _("New sync")
    if request.method != "POST":
        state = FormState(
            {
                "remote_calendar": request.args.get("calendar", ""),
                "local_calendar": "",
                "conflict": "remote_wins",
                "interval_minutes": "5",
                "push_existing": True,
            }
        )
        return form_page(title, state, account)
    state = _typed()
    options = _options(state)
    if not state.values["local_calendar"]:
        state.errors["local_calendar"] = _("Please choose one of the listed entries.")
    if state.errors:
        return form_page(title, state, account)
    try:
        local = _local_from(state.values["local_calendar"])
        pair = create_pair(
            account.id, state.values["remote_calendar"], local, options, actor=actor()
        )
    except DomainError as error:
        _attach(state, error)
        return form_page(title, state, account)
    notice(N_("The sync is saved; its first run starts within seconds, or now with Sync now."))
    return back_to("external_calendars.sync", pair_id=pair.id)


@blueprint.get("/syncs/<int:pair_id>", endpoint="sync")
def show_sync(pair_id: int) -> Response:
    listed = listed_pair(get_pair(pair_id))
    history = list(
        ExternalSyncRun.select()
        .where(ExternalSyncRun.pair == pair_id)
        .order_by(ExternalSyncRun.id.desc())
        .limit(HISTORY_LENGTH)
    )
    active = bool(history) and history[0].state in ("queued", "running")
    return render(
        "admin/external_sync.html",
        title=_("Sync of %(name)s", name=listed.local_name),
        listed=listed,
        pair=listed.pair,
        history=history,
        conflict_labels=CONFLICT_LABELS,
        conflict_sentences=CONFLICT_SENTENCES,
        refresh=REFRESH_SECONDS if active else None,
        **shared_context(),
    )


@blueprint.post("/syncs/<int:pair_id>/run", endpoint="run_sync")
def run_sync(pair_id: int) -> Response:
    """Sync now: a run started here, waited for a moment; the page follows the rest."""
    pair = get_pair(pair_id)
    try:
        run = sync_now(pair.id, actor(), UI_WAIT_SECONDS)
    except RunActive:
        notice(N_("This sync is queued or running already."))
    else:
        if run.state in ("queued", "running"):
            notice(N_("The sync is running; this page shows how it went."))
    if request.form.get("back") == "list":
        return back_to("external_calendars.index")
    return back_to("external_calendars.sync", pair_id=pair.id)


@blueprint.route("/syncs/<int:pair_id>/edit", methods=["GET", "POST"], endpoint="edit_sync")
def edit_sync(pair_id: int) -> Response:
    pair = get_pair(pair_id)
    account = get_account(pair.account_id)
    title = _("Edit the sync")
    if request.method != "POST":
        state = FormState(
            {
                "remote_calendar": pair.remote_url,
                "local_calendar": "",
                "conflict": pair.conflict,
                "interval_minutes": str(pair.interval_minutes),
                "push_existing": bool(pair.push_existing),
            }
        )
        return form_page(title, state, account, pair)
    state = _typed()
    options = _options(state)
    if state.errors:
        return form_page(title, state, account, pair)
    try:
        update_pair(pair, options, actor=actor())
    except DomainError as error:
        _attach(state, error)
        return form_page(title, state, account, pair)
    notice(N_("The sync is saved."))
    return back_to("external_calendars.sync", pair_id=pair.id)


@blueprint.post("/syncs/<int:pair_id>/delete", endpoint="delete_sync")
def remove_sync(pair_id: int) -> Response:
    delete_pair(get_pair(pair_id), actor=actor())
    notice(N_("The sync has ended; both calendars keep what they hold."))
    return back_to("external_calendars.index")
