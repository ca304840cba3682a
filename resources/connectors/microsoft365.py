"""The `microsoft365` connector type: contacts from Microsoft 365 / Exchange Online through
Microsoft Graph (v1.0), read incrementally with the contacts delta query.

Which contacts: a mailbox's (`/users/{mailbox}/contacts`, or one of its contact folders,
`/users/{mailbox}/contactFolders/{id}/contacts`, read with the Graph permission
Contacts.Read) or the organisation's contacts (`/contacts`, orgContact, with
OrgContact.Read.All). The app signs in by itself (client credentials, graph_session.py).

A run follows the delta round's `@odata.nextLink` pages to its `@odata.deltaLink`, which
the connection's state keeps with every contact's fields; the next run asks that link
for what changed since (changed contacts, and `@removed` ones), and yields the unchanged
contacts from the state, so the target still sees the whole set (StatefulConnectorType).
A link the service no longer knows (410 Gone, an invalid delta token) starts a full round.
Contacts are keyed by their Graph id.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import quote, urlsplit

from resources.connectors.connector_types import (
    BOOL,
    CHOICE,
    SECRET,
    TEXT,
    URL,
    Check,
    FetchesFromState,
    NextState,
    RecordProblem,
    Settings,
    SettingSpec,
    SourceRecord,
    SourceUnreadable,
    TestOutcome,
)
from resources.connectors.graph_contacts import (
    DEFAULT_MAPPINGS,
    FIELD_HELP,
    SOURCE_FIELDS,
    Values,
    changed_fields,
    merged_values,
    record_values,
)
from resources.connectors.graph_session import (
    GRAPH_DEFAULT,
    LOGIN_DEFAULT,
    DeltaExpired,
    GraphRefused,
    GraphSession,
)
from resources.connectors.source_http import ApiSourceClient, SourceClient, SourceUnreachable
from resources.error_codes import N_, Sentence, sentence

STATE_VERSION = 1  # a state of another layout is dropped: the next run is a full round
MAILBOX, ORGANISATION = "mailbox", "organisation"
TEST_PAGE_SIZE = 25
SETTINGS_KEYS = ("graph_url", "tenant_id", "client_id", "contacts", "mailbox", "folder")

SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "tenant_id",
        TEXT,
        N_("Tenant ID"),
        N_(
            "The directory (tenant) ID of the Microsoft 365 organisation, or one of its "
            "domains such as contoso.onmicrosoft.com."
        ),
        True,
        max_length=200,
    ),
    SettingSpec(
        "client_id",
        TEXT,
        N_("Application (client) ID"),
        N_("From the overview page of the app registration in Microsoft Entra ID."),
        True,
        max_length=200,
    ),
    SettingSpec(
        "client_secret",
        SECRET,
        N_("Client secret"),
        N_(
            "The value of a client secret of the app registration (Certificates & secrets), "
            "not its ID. The app needs the application permission Contacts.Read or "
            "OrgContact.Read.All, with admin consent."
        ),
        True,
    ),
    SettingSpec(
        "contacts",
        CHOICE,
        N_("Which contacts"),
        N_(
            "mailbox: the contacts of one mailbox (Contacts.Read); organisation: the "
            "organisation's contacts of the directory (OrgContact.Read.All)."
        ),
        default=MAILBOX,
        choices=(MAILBOX, ORGANISATION),
    ),
    SettingSpec(
        "mailbox",
        TEXT,
        N_("Mailbox"),
        N_("The mailbox's user principal name (its sign-in address) or user ID."),
        max_length=300,
    ),
    SettingSpec(
        "folder",
        TEXT,
        N_("Contacts folder"),
        N_("A contact folder of the mailbox, by name or ID; empty: the default Contacts folder."),
        max_length=300,
    ),
    SettingSpec(
        "login_url",
        URL,
        N_("Sign-in address"),
        N_("The Microsoft identity platform; change it only for a national cloud."),
        default=LOGIN_DEFAULT,
    ),
    SettingSpec(
        "graph_url",
        URL,
        N_("Microsoft Graph address"),
        N_("Change it only for a national cloud."),
        default=GRAPH_DEFAULT,
    ),
    SettingSpec(
        "verify_tls",
        BOOL,
        N_("Check the TLS certificate"),
        N_("switch off only for a server with a self-signed certificate you trust"),
        default=True,
    ),
)


def _setting(settings: Settings, name: str) -> str:
    return str(settings.get(name, "") or "").strip()


def settings_problem(settings: Settings) -> Sentence | None:
    """What is missing or malformed in the settings, before anything is sent."""
    for name, missing in (
        ("tenant_id", "m365_tenant_missing"),
        ("client_id", "m365_client_id_missing"),
        ("client_secret", "m365_secret_missing"),
    ):
        if not _setting(settings, name):
            return sentence(missing)
    kind = _setting(settings, "contacts") or MAILBOX
    if kind not in (MAILBOX, ORGANISATION):
        return sentence("m365_kind_unknown", kind=kind)
    if kind == MAILBOX and not _setting(settings, "mailbox"):
        return sentence("m365_mailbox_missing")
    if kind == MAILBOX and _setting(settings, "mailbox") in (".", ".."):
        return sentence("m365_mailbox_invalid")
    for name in ("login_url", "graph_url"):
        url = _setting(settings, name)
        if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname):
            return sentence("m365_setting_not_http", name=name)
    return None


def _folder_id(session: GraphSession, settings: Settings) -> str:
    """The id of the folder the settings name (by display name or id)."""
    wanted = _setting(settings, "folder")
    names: list[str] = []
    mailbox = quote(_setting(settings, "mailbox"), safe="@")
    for items, _delta in session.pages(f"{session.graph}/v1.0/users/{mailbox}/contactFolders"):
        for item in items:
            if isinstance(item, dict):
                name = str(item.get("displayName", ""))
                if wanted in (name, item.get("id")):
                    return str(item["id"])
                names.append(f"'{name}'")
    if not names:
        raise GraphRefused("contacts", sentence("m365_no_folder_but_default", folder=wanted))
    raise GraphRefused(
        "contacts", sentence("m365_no_folder", folder=wanted, names=", ".join(names))
    )


def contacts_url(session: GraphSession, settings: Settings, *, delta: bool) -> str:
    """Where the settings' contacts are listed (their delta round when `delta`)."""
    tail = "/delta" if delta else ""
    if (_setting(settings, "contacts") or MAILBOX) == ORGANISATION:
        return f"{session.graph}/v1.0/contacts{tail}"
    mailbox = quote(_setting(settings, "mailbox"), safe="@")
    if _setting(settings, "folder"):
        folder = quote(_folder_id(session, settings), safe="")
        return f"{session.graph}/v1.0/users/{mailbox}/contactFolders/{folder}/contacts{tail}"
    return f"{session.graph}/v1.0/users/{mailbox}/contacts{tail}"


def _source_of(settings: Settings) -> str:
    return "\n".join(_setting(settings, name) for name in SETTINGS_KEYS)


def _describe(settings: Settings) -> Sentence:
    if (_setting(settings, "contacts") or MAILBOX) == ORGANISATION:
        return sentence("m365_org_contacts")
    folder, mailbox = _setting(settings, "folder"), _setting(settings, "mailbox")
    if folder:
        return sentence("m365_folder_of", folder=folder, mailbox=mailbox)
    return sentence("m365_contacts_folder_of", mailbox=mailbox)


def _api_client(client: SourceClient) -> ApiSourceClient:
    if not hasattr(client, "request"):
        raise SourceUnreadable(sentence("m365_no_api_client"))
    return client  # type: ignore[return-value]  # checked: it has request()


@dataclass
class DeltaRound:
    """The contacts after one delta round, and the link of the next one."""

    contacts: dict[str, Values]
    delta_link: str
    changed: int = 0


def _read_round(
    session: GraphSession, url: str, contacts: dict[str, Values], delta: bool
) -> DeltaRound:
    changed = 0
    delta_link = ""
    for items, link in session.pages(url, delta=delta):
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            changed += 1
            if "@removed" in item:
                contacts.pop(item["id"], None)
            else:
                contacts[item["id"]] = merged_values(contacts.get(item["id"], {}), item)
        delta_link = link or delta_link
    if not delta_link:
        raise GraphRefused("answer", sentence("m365_delta_without_link"))
    return DeltaRound(contacts, delta_link, changed)


@dataclass(frozen=True)
class Microsoft365Type(FetchesFromState):
    key: str = "microsoft365"
    label: str = N_("Microsoft 365 / Exchange Online contacts")
    settings: tuple[SettingSpec, ...] = SETTINGS
    source_fields: tuple[str, ...] = SOURCE_FIELDS
    # target key -> target field -> source field, for a new connection's mapping
    default_mappings: ClassVar[Mapping[str, Mapping[str, str]]] = DEFAULT_MAPPINGS
    fields_help: str = FIELD_HELP

    def test(self, settings: Settings, client: SourceClient) -> TestOutcome:
        problem = settings_problem(settings)
        if problem is not None:
            return TestOutcome((Check("settings", False, problem),))
        session = GraphSession(settings, _api_client(client))
        phase = "reachable"
        try:
            session.renew_token()
            phase = "graph"
            url = contacts_url(session, settings, delta=False) + f"?$top={TEST_PAGE_SIZE}"
            first_page, _link = next(session.pages(url))
        except SourceUnreachable as error:
            where = "m365_signin_unreachable" if phase == "reachable" else "m365_graph_unreachable"
            return _failed_at(phase, sentence(where, reason=error.sentence), settings)
        except GraphRefused as error:
            step = error.step if error.step != "answer" else phase
            return _failed_at("token" if step == "reachable" else step, error.sentence, settings)
        contacts = [item for item in first_page if isinstance(item, dict)]
        if not contacts:
            return _failed_at(
                "contacts", sentence("m365_no_contacts", where=_describe(settings)), settings
            )
        listed = "m365_contacts_listed"
        if len(contacts) >= TEST_PAGE_SIZE:
            listed = "m365_contacts_listed_first_page"
        passed = _failed_at("", None, settings).checks
        found = Check("contacts", True, sentence(listed, count=len(contacts)))
        extra = [name for item in contacts for name in changed_fields(item)[0]]
        fields = tuple(dict.fromkeys((*SOURCE_FIELDS, *extra)))
        return TestOutcome((*passed, found), fields)

    def fetch_from_state(
        self,
        settings: Settings,
        state: Mapping[str, object],
        client: SourceClient,
        *,
        mandatory: Sequence[str] = (),
    ) -> Iterator[SourceRecord | RecordProblem | NextState]:
        problem = settings_problem(settings)
        if problem is not None:
            raise SourceUnreadable(problem)
        session = GraphSession(settings, _api_client(client))
        try:
            found = self._round(session, settings, state)
        except SourceUnreachable as error:
            raise SourceUnreadable(error.sentence) from None
        _check_mandatory(mandatory, found.contacts)
        for position, key in enumerate(sorted(found.contacts), start=1):
            yield SourceRecord(key, position, record_values(found.contacts[key], key))
        yield NextState(
            {
                "version": STATE_VERSION,
                "source": _source_of(settings),
                "delta_link": found.delta_link,
                "contacts": found.contacts,
                # what the run cost, for whoever looks at a slow source
                "changed": found.changed,
                "requests": session.requests,
                "waited_seconds": round(session.waited_seconds, 1),
            }
        )

    def _round(
        self, session: GraphSession, settings: Settings, state: Mapping[str, object]
    ) -> DeltaRound:
        kept = state.get("contacts")
        link = state.get("delta_link")
        if (
            state.get("version") == STATE_VERSION
            and state.get("source") == _source_of(settings)
            and isinstance(kept, dict)
            and isinstance(link, str)
            and link
        ):
            try:
                return _read_round(session, link, dict(kept), delta=True)
            except DeltaExpired:
                pass  # the service forgot the round: start a full one
        try:
            return _read_round(session, contacts_url(session, settings, delta=True), {}, True)
        except DeltaExpired:
            raise GraphRefused("answer", sentence("m365_delta_refused")) from None


def _passed_checks(settings: Settings) -> dict[str, Sentence]:
    return {
        "settings": sentence("m365_settings_named"),
        "reachable": sentence("m365_signin_answers"),
        "client": sentence("m365_client_valid"),
        "token": sentence("m365_token_issued"),
        "graph": sentence("m365_graph_answers"),
        "permission": sentence("m365_may_read", where=_describe(settings)),
    }


def _failed_at(step: str, failure: Sentence | None, settings: Settings) -> TestOutcome:
    """The checks in their order up to `step`, which failed ("": all passed but the
    last one, `contacts`, which the caller adds)."""
    checks = []
    for name, passed in _passed_checks(settings).items():
        if name == step and failure is not None:
            checks.append(Check(name, False, failure))
            break
        checks.append(Check(name, True, passed))
    else:
        if step and failure is not None:
            checks.append(Check(step, False, failure))
    return TestOutcome(tuple(checks))


def _check_mandatory(mandatory: Sequence[str], contacts: Mapping[str, Values]) -> None:
    """A mapping that needs a field no Graph contact has fails the run before anything."""
    unknown = [name for name in mandatory if name not in SOURCE_FIELDS]
    missing = [name for name in unknown if not any(name in values for values in contacts.values())]
    if missing:
        raise SourceUnreadable(sentence("m365_no_field", names=", ".join(missing)))


MICROSOFT_365 = Microsoft365Type()
