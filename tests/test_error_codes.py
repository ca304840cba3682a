"""Errors with codes (issue 11 §4): every sentence the domain tells people has a stable
code in resources/error_codes.py with an English and a German message; the API names
the code and the field beside the broad `error`, and the admin UI shows the sentence
of the code in the page's language next to the field it names."""

from __future__ import annotations

import ast
import inspect
import json
import re
import time
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from davserver.web.admin.i18n import catalog
from resources.connectors.run_executor import Problems
from resources.error_codes import MESSAGES, Sentence, sentence
from resources.errors import DomainError, InvalidProperty, NotFound
from resources.store.connectors import Connection, ConnectorRun
from resources.store.database import write_transaction
from tests.api_helpers import api_as, error_of, unique
from tests.browser.admin_pages import new_account
from tests.browser.http_session import AdminSession

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "davserver" / "web" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def messages_of(language: str) -> dict[str, str]:
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and not m.fuzzy}


def test_every_error_code_has_an_english_and_a_german_message():
    english, german = messages_of("en"), messages_of("de")
    for code, template in MESSAGES.items():
        assert template in english, f"{code}: not in the English catalogue"
        assert catalog("en").gettext(template) == template, code
        assert german.get(template), f"{code}: no German message"
        assert catalog("de").gettext(template) == german[template], code
        assert set(PLACEHOLDER.findall(german[template])) == set(PLACEHOLDER.findall(template)), (
            code
        )


def test_codes_are_stable_names_with_one_template_each():
    assert len(MESSAGES) > 100
    for code in MESSAGES:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", code), code
    templates = list(MESSAGES.values())
    assert len(set(templates)) == len(templates), "two codes share one template"


def test_a_coded_error_makes_its_english_sentence_from_code_and_values():
    error = InvalidProperty(code="not_a_time_zone", field="timezone", name="Mars/Olympus")
    assert error.code == "not_a_time_zone" and error.field == "timezone"
    assert error.message == "'Mars/Olympus' is not an IANA time zone such as Europe/Berlin."
    assert str(error) == error.message
    with pytest.raises(KeyError):
        NotFound(code="no_such_code")
    told = DomainError("A sentence a protocol layer wrote.")
    assert told.code is None and told.sentence is None and told.message.startswith("A sentence")


def test_nested_sentences_are_translated_with_the_outer_one():
    reason = Sentence("not_own_person", {"name": "Anna"})
    check = Sentence("check_not_visible", {"name": "Anna", "reason": reason})
    assert check.english == (
        "This login may not see Anna: Anna is another person's calendar. "
        "A login sees its own employee's calendar and the rooms."
    )
    german = check.render(catalog("de").gettext)
    assert german.startswith("Dieser Zugang darf Anna nicht sehen: Anna ist der Kalender")


def test_the_api_names_code_and_field_beside_the_broad_error(server):
    admin = api_as(server, "admin")
    body = error_of(admin.post("/branches", {"name": unique("Filiale"), "timezone": "Mars"}), 422)
    assert body == {
        "error": "invalid_value",
        "code": "not_a_time_zone",
        "field": "timezone",
        "message": "'Mars' is not an IANA time zone such as Europe/Berlin.",
    }
    missing = error_of(admin.get("/employees/987654321"), 404)
    assert missing["error"] == "not_found" and missing["code"] == "no_employee_with_id"
    assert "field" not in missing


def _field_error(response, field: str) -> str:
    found = re.search(rf'<p class="error" id="f-{field}-error">([^<]*)</p>', response.text)
    assert found, f"no error next to {field}"
    return found.group(1)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "&#39;Mars&#39; is not an IANA time zone such as Europe/Berlin."),
        ("de", "Mars ist keine IANA-Zeitzone wie Europe/Berlin."),
    ],
)
def test_the_admin_ui_shows_the_code_s_sentence_next_to_its_field(server, language, expected):
    session = AdminSession(server.base_url, **{"Accept-Language": language})
    session.sign_in(*new_account("admin"))
    session.get("/branches/new")
    refused = session.post("/branches/new", {"name": unique("Filiale"), "timezone": "Mars"})
    assert refused.status_code == 422
    assert _field_error(refused, "timezone") == expected


def _domain_error_classes() -> set[str]:
    import resources.formats.addressbook_query  # noqa: F401  (their DomainError subclasses)
    import resources.formats.calendar_query.errors  # noqa: F401
    import resources.organisation.field_changes  # noqa: F401
    import resources.organisation.url_generator  # noqa: F401

    found, todo = set(), [DomainError]
    while todo:
        kind = todo.pop()
        found.add(kind.__name__)
        todo.extend(kind.__subclasses__())
    return found


def _calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            yield name, node


def test_no_refusal_in_resources_is_a_bare_sentence():
    kinds = _domain_error_classes()
    bare = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path in sorted((ROOT / "resources").rglob("*.py"))
        for name, call in _calls(path)
        if name in kinds and call.args and isinstance(call.args[0], (ast.Constant, ast.JoinedStr))
    ]
    assert bare == []


def test_every_code_raised_in_resources_is_in_the_catalogue():
    used = set()
    for path in sorted((ROOT / "resources").rglob("*.py")):
        for name, call in _calls(path):
            if name in ("sentence", "Sentence", "refuse") and call.args:
                first = call.args[0]
                if isinstance(first, ast.Constant):
                    used.add(first.value)
            for keyword in call.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    used.add(keyword.value.value)
    assert len(used) > 150
    assert sorted(used - set(MESSAGES)) == []


CONNECTOR_MODULES = (
    *sorted((ROOT / "resources" / "connectors").rglob("*.py")),
    ROOT / "resources" / "formats" / "csv_records.py",
    ROOT / "resources" / "formats" / "vcard_records.py",
    *sorted(ROOT.glob("davserver/connector*.py")),
)


def _told_as_text(node: ast.expr) -> bool:
    """Whether a sentence is given as text: a literal, an f-string, text joined or
    formatted, str() of anything, or another error's English `.message`. (A name bound
    to a text is mypy's to refuse: the parameters are typed Sentence.)"""
    if isinstance(node, (ast.Constant, ast.JoinedStr)):
        return True
    if isinstance(node, ast.BinOp):
        return _told_as_text(node.left) or _told_as_text(node.right)
    if isinstance(node, ast.IfExp):
        return _told_as_text(node.body) or _told_as_text(node.orelse)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name in ("str", "format", "join")
    return isinstance(node, ast.Attribute) and node.attr == "message"


def _connector_sentences() -> dict[str, int]:
    """What connectors say (a check, a skipped row, and every error a source or its file
    can raise, subclasses of new types included) -> the position of its `sentence`."""
    from resources.connectors.catalogue import connector_types
    from resources.connectors.connector_types import Check, RecordProblem, SourceUnreadable
    from resources.connectors.source_dav import DavUnreadable
    from resources.connectors.source_http import SourceUnreachable
    from resources.formats.csv_records import CsvUnreadable, RowProblem
    from resources.formats.vcard_records import CardProblem, VCardUnreadable

    connector_types()  # imports every type, and so its own errors
    kinds: list[type] = [Check, RecordProblem, RowProblem, CardProblem, DavUnreadable]
    todo: list[type] = [SourceUnreadable, SourceUnreachable, CsvUnreadable, VCardUnreadable]
    while todo:
        kind = todo.pop()
        kinds.append(kind)
        todo.extend(kind.__subclasses__())
    positions = {}
    for kind in kinds:
        names = list(inspect.signature(kind).parameters)
        assert "sentence" in names, f"{kind.__name__} takes no Sentence named 'sentence'"
        positions[kind.__name__] = names.index("sentence")
    return positions


def test_no_connector_says_a_bare_sentence():
    """Checks, failures and skipped rows of connectors are catalogue sentences (the admin
    UI translates them by their code): none is made from text, so a new connector type
    cannot slip back to English strings."""
    assert len(CONNECTOR_MODULES) > 15
    said = _connector_sentences()
    assert {"Check", "SourceUnreadable", "RecordProblem", "SourceAnsweredBadly"} <= set(said)
    bare, made = [], 0
    for path in CONNECTOR_MODULES:
        for name, call in _calls(path):
            if name not in said:
                continue
            keyword, position = "sentence", said[name]
            given = [k.value for k in call.keywords if k.arg == keyword]
            if len(call.args) > position:
                given.append(call.args[position])
            made += 1
            if any(_told_as_text(node) for node in given):
                bare.append(f"{path.relative_to(ROOT)}:{call.lineno} {name}")
    assert made > 40
    assert bare == []


def test_a_web_service_s_refusal_keeps_its_english_and_reads_german_by_code():
    from resources.connectors.directory_records import record_problem
    from resources.connectors.graph_session import graph_refusal
    from resources.connectors.json_api import JsonAnswer
    from resources.connectors.salesforce_api import api_refusal

    german = catalog("de").gettext
    graph = graph_refusal(404, "", "Mailbox gone").sentence
    assert graph.english == (
        "Graph has no such mailbox or contacts folder (HTTP 404) (the service said: Mailbox gone)."
    )
    assert graph.render(german) == (
        "Graph kennt kein solches Postfach und keinen solchen Kontaktordner (HTTP 404) "
        "(der Dienst meldete: Mailbox gone)."
    )
    answer = JsonAnswer(500, {}, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "boom"}])
    salesforce = api_refusal(answer, sentence("salesforce_the_query")).sentence
    assert salesforce.as_json()["code"] == "salesforce_status"
    assert salesforce.english == (
        "Salesforce answered HTTP 500 instead of the query (UNKNOWN_EXCEPTION: boom)."
    )
    assert salesforce.render(german) == (
        "Salesforce antwortete auf die Abfrage mit HTTP 500 (UNKNOWN_EXCEPTION: boom)."
    )
    skipped = record_problem({"company": "Muster GmbH", "company_category": "customer"})
    assert skipped is not None and skipped.code == "directory_no_name"


def test_the_rule_against_bare_connector_sentences_finds_them():
    found = [
        _told_as_text(ast.parse(source, mode="eval").body)
        for source in ('"The server answers."', 'f"{n} cards"', "error.message", "str(x)")
    ]
    assert found == [True, True, True, True]
    assert not _told_as_text(ast.parse('sentence("source_answers")', mode="eval").body)
    assert not _told_as_text(ast.parse("error.sentence", mode="eval").body)


def _run_of(failure: Sentence | None, rows: list[dict[str, object]]) -> tuple[int, int]:
    now = time.time()
    with write_transaction():
        connection = Connection.create(
            name=unique("Coded run"),
            type="csv-url",
            target="phonebook",
            settings=json.dumps({"url": "http://127.0.0.1:9/book.csv"}),
            secrets="{}",
            created=now,
            modified=now,
        )
        run = ConnectorRun.create(
            connection=connection.id,
            state="failed" if failure or not rows else "ok",
            queued=now,
            finished=now,
            skipped=len(rows),
            errors=json.dumps(rows),
            message=failure.english if failure else "An English sentence of an older run.",
            failure=json.dumps(failure.as_json()) if failure else None,
        )
    return connection.id, run.id


def test_the_admin_ui_tells_a_run_s_failure_and_skipped_rows_by_their_code(server):
    problems = Problems()
    problems.add(3, sentence("record_no_phone"))
    problems.add(4, sentence("record_key_repeated", key="k-1", line=3))
    failure = sentence("source_login_refused", status=401)
    coded = _run_of(failure, problems.reported)
    assert problems.reported[0] == {
        "line": 3,
        "message": "The record has no phone number.",
        "code": "record_no_phone",
        "values": {},
    }
    older = _run_of(None, [{"line": 7, "message": "A row sentence of an older run."}])
    session = AdminSession(server.base_url, **{"Accept-Language": "de"})
    session.sign_in(*new_account("admin"))
    page = session.get(f"/connections/{coded[0]}/runs/{coded[1]}").text
    assert "Der Server hat den Benutzernamen oder das Passwort abgelehnt (HTTP 401)." in page
    assert "Der Datensatz hat keine Telefonnummer." in page and "k-1" in page
    assert "no phone number" not in page and "refused" not in page
    shown = session.get(f"/connections/{older[0]}/runs/{older[1]}").text
    assert "An English sentence of an older run." in shown  # written before the upgrade
    assert "A row sentence of an older run." in shown


def test_connector_codes_take_no_code_of_the_rest_of_the_catalogue():
    from resources.connector_codes import CONNECTOR_MESSAGES

    tree = ast.parse((ROOT / "resources" / "error_codes.py").read_text(encoding="utf-8"))
    written = {
        key.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        for key in node.keys
        if isinstance(key, ast.Constant)
    }
    assert len(written) > 100 and sorted(written & set(CONNECTOR_MESSAGES)) == []
    assert all(MESSAGES[code] == template for code, template in CONNECTOR_MESSAGES.items())
