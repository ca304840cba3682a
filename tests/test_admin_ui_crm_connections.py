"""The CRM connection types in a real browser (issue 14 item 6): for microsoft365,
salesforce and sugarcrm against their fakes on 127.0.0.1 (tests/fake_graph.py,
fake_salesforce.py, fake_sugarcrm.py) an administrator opens New connection, chooses the
type, fills its settings (the secrets in password inputs), presses Test and sees every
check of the type pass, finds the service's fields offered for the mapping (its own
custom field too) with the type's default mapping preselected, maps the custom field,
saves, presses play, sees the run end ok with its counts and finds the entries on the
phonebook screen. A wrong secret shows its failed check with a message and saves
nothing. The German form shows none of the English words the type declares (labels,
help, choices, check names). A run loop like every server process's takes the runs.

The check sentences are not compared word for word: the types' messages are being moved
to catalogue codes; the names of the checks, their state and a message are."""

from __future__ import annotations

import json
import uuid

import pytest

from davserver.connector_http import HttpxSourceClient
from davserver.web.admin.connector_words import CHECK_LABELS, CHOICE_LABELS, TYPE_CHECK_LABELS
from resources.connectors.catalogue import connector_types
from resources.connectors.connections import default_mapping
from resources.connectors.connector_types import BOOL, CHOICE, ConnectorType
from resources.connectors.run_worker import RunWorker
from resources.store.connectors import Connection
from resources.store.directory import PhonebookEntry
from tests.browser.admin_pages import new_account, sign_in
from tests.browser.chromium import DESKTOP, PHONE, assert_fits, new_page, screenshot
from tests.fake_graph import ORG, FakeGraph, org_contact
from tests.fake_salesforce import FakeSalesforce
from tests.fake_sugarcrm import FakeSugarCrm

LOCALES = {"en": "en-GB", "de": "de-DE"}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
COUNTS = {
    "en": "2 added, 0 updated, 0 removed, 0 unchanged, 0 skipped",
    "de": "2 hinzugefügt, 0 geändert, 0 entfernt, 0 unverändert, 0 übersprungen",
}
EXTENSION = "+49 30 4711"  # what the service's custom field holds for every contact


class GraphService:
    """Microsoft 365: the organisation's contacts, with a directory extension attribute."""

    key = "microsoft365"
    checks = ("settings", "reachable", "client", "token", "graph", "permission", "contacts")
    custom = "extension_abc_costCenter"
    wrong = ("client_secret", "client")  # the setting given wrongly, the check that fails

    def __init__(self) -> None:
        self.fake = FakeGraph().start()

    def seed(self, tag: str) -> None:
        for given, surname, phone in (("Anna", "Adler", "1111"), ("Bernd", "Brandt", "2222")):
            self.fake.put(
                self.fake.book(ORG),
                org_contact(
                    given, f"{surname}-{tag}", f"+49 30 {phone}", **{self.custom: EXTENSION}
                ),
            )

    def settings(self) -> dict[str, object]:
        return {
            "tenant_id": self.fake.tenant,
            "client_id": self.fake.client_id,
            "client_secret": self.fake.client_secret,
            "contacts": "organisation",
            "login_url": self.fake.base_url,
            "graph_url": self.fake.base_url,
        }

    def stop(self) -> None:
        self.fake.stop()


class SalesforceService:
    key = "salesforce"
    checks = ("url", "reachable", "client", "login", "contacts", "records")
    custom = "Durchwahl__c"
    wrong = ("client_secret", "client")

    def __init__(self) -> None:
        self.fake = FakeSalesforce()

    def seed(self, tag: str) -> None:
        for n, (given, surname) in enumerate((("Anna", "Adler"), ("Bernd", "Brandt"))):
            self.fake.put(
                f"003{tag}{n:06d}",
                account=f"Firma {tag}",
                FirstName=given,
                LastName=f"{surname}-{tag}",
                Phone=f"+49 30 {n + 1}{n + 1}{n + 1}{n + 1}",
                **{self.custom: EXTENSION},
            )

    def settings(self) -> dict[str, object]:
        return {**self.fake.settings(), "flow": "password"}

    def stop(self) -> None:
        self.fake.stop()


class SugarCrmService:
    key = "sugarcrm"
    checks = ("url", "reachable", "client", "login", "contacts", "records")
    custom = "durchwahl_c"
    wrong = ("password", "login")

    def __init__(self) -> None:
        self.fake = FakeSugarCrm()

    def seed(self, tag: str) -> None:
        for n, (given, surname) in enumerate((("Anna", "Adler"), ("Bernd", "Brandt"))):
            self.fake.put(
                f"{tag}-{n:04d}",
                first_name=given,
                last_name=f"{surname}-{tag}",
                phone_work=f"+49 40 {n + 1}{n + 1}{n + 1}{n + 1}",
                account_name=f"Zucker {tag}",
                email1=f"p{n}@{tag}.example",
                **{self.custom: EXTENSION},
            )

    def settings(self) -> dict[str, object]:
        return self.fake.settings()

    def stop(self) -> None:
        self.fake.stop()


SERVICES = {kind.key: kind for kind in (GraphService, SalesforceService, SugarCrmService)}


@pytest.fixture
def service(request):
    made = SERVICES[request.param]()
    yield made
    made.stop()


@pytest.fixture(scope="module")
def run_loop(server):
    """The loop every server process runs (davserver/connector_runs.py), polling often."""
    worker = RunWorker(HttpxSourceClient, poll_seconds=0.2).start()
    yield worker
    worker.stop()


def open_page(browser, server, language: str, size: str):
    page = new_page(browser, locale=LOCALES[language], viewport=SIZES[size])
    sign_in(page, server.base_url, *new_account("admin"))
    return page


def fits(page, size: str) -> None:
    assert_fits(page, SIZES[size]["width"])


def click_and_wait(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def type_of(key: str) -> ConnectorType:
    kind = connector_types().get(key)
    assert kind is not None
    return kind


def start_form(page, base_url: str, kind: ConnectorType, name: str, settings: dict) -> None:
    page.goto(f"{base_url}/admin/connections")
    click_and_wait(page, "#new-connection")
    click_and_wait(page, f"#type-{kind.key}")
    page.fill('[name="name"]', name)
    fill_settings(page, kind, settings)


def fill_settings(page, kind: ConnectorType, settings: dict, only_secrets: bool = False) -> None:
    """Each setting the way its input takes it; a secret goes into a password input."""
    for spec in kind.settings:
        if spec.name not in settings or (only_secrets and not spec.secret):
            continue
        selector, value = f'[name="settings.{spec.name}"]', settings[spec.name]
        if spec.secret:
            assert page.get_attribute(selector, "type") == "password"
        if spec.kind == CHOICE:
            page.select_option(selector, str(value))
        elif spec.kind == BOOL:
            page.set_checked(selector, bool(value))
        else:
            page.fill(selector, str(value))


def shown_checks(page) -> list[tuple[str, bool, str, str]]:
    """(name, passed, label, message) of each check the page shows, in order."""
    return [
        (
            item.get_attribute("data-check") or "",
            "ok" in (item.get_attribute("class") or "").split(),
            item.locator("strong").inner_text().rstrip(":").strip(),
            item.evaluate("li => li.querySelector('strong').nextSibling.textContent").strip(),
        )
        for item in page.locator("#test-result li.check").all()
    ]


def english_check_words(key: str) -> set[str]:
    return set(CHECK_LABELS.values()) | {
        label for (type_key, _check), label in TYPE_CHECK_LABELS.items() if type_key == key
    }


def form_words(page, kind: ConnectorType) -> list[tuple[str, str]]:
    """(shown, declared in English) of the type's name and each setting's label, help
    and choices on the form."""
    pairs = [(page.inner_text("#connection-type").strip(), kind.label)]
    for spec in kind.settings:
        ident = f"f-settings.{spec.name}"
        label = page.locator(f'label[for="{ident}"]').inner_text()
        pairs.append((label.replace("*", "").strip(), spec.label))
        if spec.help:
            pairs.append((page.locator(f'[id="{ident}-help"]').inner_text().strip(), spec.help))
        for value in spec.choices:
            option = page.locator(f'[id="{ident}"] option[value="{value}"]').inner_text()
            pairs.append((option.strip(), CHOICE_LABELS[value]))
    return pairs


def assert_in_language(page, kind: ConnectorType, language: str) -> None:
    """English: the type's own words as declared. German: not one of them left."""
    pairs = form_words(page, kind)
    if language == "en":
        assert [shown for shown, _english in pairs] == [english for _shown, english in pairs]
    else:
        left = [english for shown, english in pairs if not shown or shown == english]
        assert left == [], left


CASES = [
    pytest.param(key, language, size, id=f"{key}-{language}-{size}")
    for key in SERVICES
    for language, size in (("en", "desktop"), ("de", "phone"))
]


@pytest.mark.parametrize("service, language, size", CASES, indirect=["service"])
def test_make_test_map_save_and_run_a_crm_connection(
    server, browser, run_loop, service, language, size
):
    tag, kind = uuid.uuid4().hex[:8], type_of(service.key)
    service.seed(tag)
    page = open_page(browser, server, language, size)
    try:
        name = f"{kind.key} {tag}"
        start_form(page, server.base_url, kind, name, service.settings())
        defaults = default_mapping(kind, "phonebook")
        for target, source in defaults.items():  # preselected before any test
            assert page.input_value(f"#f-mapping-{target}") == source
        assert_in_language(page, kind, language)
        click_and_wait(page, "#run-test")
        assert page.locator("#test-result.passed").count() == 1
        checks = shown_checks(page)
        assert [(check, passed) for check, passed, _l, _m in checks] == [
            (check, True) for check in service.checks
        ]
        assert all(label and label != check and message for check, _p, label, message in checks)
        if language == "de":
            english = english_check_words(kind.key)
            assert [label for _c, _p, label, _m in checks if label in english] == []
        assert_in_language(page, kind, language)
        offered = page.locator("#f-mapping-phone_home option[data-found]").all_inner_texts()
        assert service.custom in offered and set(defaults.values()) <= set(offered)
        for target, source in defaults.items():  # the test kept the preselection
            assert page.input_value(f"#f-mapping-{target}") == source
        page.select_option("#f-mapping-phone_home", service.custom)
        fill_settings(page, kind, service.settings(), only_secrets=True)  # typed again
        fits(page, size)
        screenshot(page, f"crm-form-{kind.key}-{language}-{size}")
        click_and_wait(page, "#save")
        connection = Connection.get(Connection.name == name)
        assert json.loads(connection.mapping) == {**defaults, "phone_home": service.custom}
        click_and_wait(page, "#run-now")
        page.wait_for_selector(
            '#runs tbody tr:first-child .run-state[data-state="ok"]', timeout=20000
        )
        assert page.locator("#runs tbody tr").count() == 1
        assert page.locator("#runs tbody tr .run-counts").inner_text() == COUNTS[language]
        fits(page, size)
        screenshot(page, f"crm-ran-{kind.key}-{language}-{size}")
        entry = PhonebookEntry.get(PhonebookEntry.last_name == f"Adler-{tag}")
        assert (entry.origin, entry.first_name, entry.phone_home) == (name, "Anna", EXTENSION)
        page.goto(f"{server.base_url}/admin/phonebook?q={tag}")
        listed = page.inner_text("table.list")
        assert f"Adler-{tag}" in listed and f"Brandt-{tag}" in listed
    finally:
        page.context.close()


@pytest.mark.parametrize(
    "service, language, size",
    [
        pytest.param("microsoft365", "de", "desktop", id="microsoft365-de-desktop"),
        pytest.param("salesforce", "en", "phone", id="salesforce-en-phone"),
        pytest.param("sugarcrm", "de", "desktop", id="sugarcrm-de-desktop"),
    ],
    indirect=["service"],
)
def test_a_wrong_secret_fails_its_check_and_nothing_is_saved(
    server, browser, service, language, size
):
    tag, kind = uuid.uuid4().hex[:8], type_of(service.key)
    service.seed(tag)
    secret, failing = service.wrong
    wrong = {**service.settings(), secret: "wrong-" + tag}
    page = open_page(browser, server, language, size)
    try:
        name = f"Wrong {kind.key} {tag}"
        start_form(page, server.base_url, kind, name, wrong)
        click_and_wait(page, "#run-test")
        assert page.locator("#test-result.failed").count() == 1
        checks = shown_checks(page)
        ran = service.checks[: service.checks.index(failing) + 1]
        assert [(check, passed) for check, passed, _l, _m in checks] == [
            (check, check != failing) for check in ran
        ]
        assert all(label and label != check and message for check, _p, label, message in checks)
        assert "wrong-" + tag not in page.content()
        fill_settings(page, kind, wrong, only_secrets=True)
        fits(page, size)
        screenshot(page, f"crm-failed-{kind.key}-{language}-{size}")
        click_and_wait(page, "#save")
        assert page.locator("#form-error").count() == 1
        bad = page.locator("#test-result.failed li.check.bad")
        assert bad.count() == 1 and bad.get_attribute("data-check") == failing
        assert Connection.get_or_none(Connection.name == name) is None
    finally:
        page.context.close()
