"""sync-collection (RFC 6578), calendar-multiget (RFC 4791 §7.9), expand-property
(RFC 3253 §3.8) and supported-report-set."""

from __future__ import annotations

import subprocess
import sys

import pytest
from lxml import etree

from tests.davxml import NS, error_condition, propfind_body, q, responses
from tests.ical import CALENDAR_TYPE, XML_TYPE, event


@pytest.fixture
def calendar(login):
    path = login.home_path + "sync/"
    login.request("MKCALENDAR", path)
    for name in ("a", "b", "c"):
        login.request("PUT", f"{path}{name}.ics", event(summary=name), **CALENDAR_TYPE)
    return path


def sync(login, path, token="", limit=None, depth="0"):
    limit_xml = f"<D:limit><D:nresults>{limit}</D:nresults></D:limit>" if limit else ""
    body = f"""<D:sync-collection xmlns:D="DAV:"><D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level>
{limit_xml}<D:prop><D:getetag/></D:prop></D:sync-collection>"""
    return login.request("REPORT", path, body, Depth=depth, **XML_TYPE)


def parse_sync(response):
    root = etree.fromstring(response.content)
    return responses(response.content), root.findtext("D:sync-token", namespaces=NS)


def test_initial_sync_then_delta_with_change_and_deletion(login, calendar):
    found, token = parse_sync(sync(login, calendar))
    assert set(found) == {calendar + n for n in ("a.ics", "b.ics", "c.ics")}
    assert all(p[q("D", "getetag")][0] == 200 for p in found.values())
    found, same = parse_sync(sync(login, calendar, token))
    assert found == {} and same == token
    login.request("PUT", calendar + "a.ics", event(summary="changed"), **CALENDAR_TYPE)
    login.request("DELETE", calendar + "b.ics")
    login.request("PUT", calendar + "d.ics", event(), **CALENDAR_TYPE)
    found, newer = parse_sync(sync(login, calendar, token))
    assert newer != token
    assert set(found) == {calendar + n for n in ("a.ics", "b.ics", "d.ics")}
    assert found[calendar + "b.ics"]["status"][0] == 404
    assert found[calendar + "a.ics"][q("D", "getetag")][0] == 200


def test_limit_truncates_with_507_and_a_token_to_continue(login, calendar):
    response = sync(login, calendar, limit=2)
    found, token = parse_sync(response)
    assert found.pop(calendar)["status"][0] == 507
    assert len(found) == 2
    rest, final = parse_sync(sync(login, calendar, token))
    assert len(rest) == 1 and set(rest).isdisjoint(found)
    assert parse_sync(sync(login, calendar, final))[0] == {}


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "http://davserver.dev/ns/sync/abc/1",
        "http://davserver.dev/ns/sync/ffffffffffffffff/999999",
    ],
)
def test_unknown_or_foreign_token_is_403_valid_sync_token(login, calendar, token):
    r = sync(login, calendar, token)
    assert r.status_code == 403 and error_condition(r.content) == q("D", "valid-sync-token")


def test_token_of_another_collection_is_foreign(login, calendar):
    other = login.home_path + "other/"
    login.request("MKCALENDAR", other)
    _found, token = parse_sync(sync(login, other))
    r = sync(login, calendar, token)
    assert r.status_code == 403 and error_condition(r.content) == q("D", "valid-sync-token")


def test_pruned_history_makes_old_tokens_invalid(login, calendar):
    import time

    from resources.objects.change_log import prune_history

    _found, token = parse_sync(sync(login, calendar))
    login.request("PUT", calendar + "e.ics", event(), **CALENDAR_TYPE)
    prune_history(time.time() + 1)
    r = sync(login, calendar, token)
    assert r.status_code == 403 and error_condition(r.content) == q("D", "valid-sync-token")
    found, _token = parse_sync(sync(login, calendar))
    assert len(found) == 4


def test_sync_collection_needs_depth_0_or_1(login, calendar):
    # Depth 1 as python-caldav sends it is answered as Depth 0 (test_hostile_http).
    assert sync(login, calendar, depth="infinity").status_code == 400


def test_multiget_answers_missing_and_foreign_hrefs_with_404(login, other_login, calendar):
    other_login.request("MKCALENDAR", other_login.home_path + "cal/")
    other_login.request("PUT", other_login.home_path + "cal/x.ics", event(), **CALENDAR_TYPE)
    hrefs = [
        calendar + "a.ics",
        calendar + "c.ics",
        calendar + "missing.ics",
        other_login.home_path + "cal/x.ics",
        login.home_path + "elsewhere/a.ics",
    ]
    body = (
        '<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
        + "".join(f"<D:href>{h}</D:href>" for h in hrefs)
        + "</C:calendar-multiget>"
    )
    r = login.request("REPORT", calendar, body, Depth="1", **XML_TYPE)
    assert r.status_code == 207
    found = responses(r.content)
    assert "SUMMARY:a" in found[calendar + "a.ics"][q("C", "calendar-data")][1].text
    assert q("D", "getetag") in found[calendar + "c.ics"]
    for href in hrefs[2:]:
        assert found[href]["status"][0] == 404
    assert "x.ics" not in r.text.replace(other_login.home_path + "cal/x.ics", "")


def test_supported_report_set_lists_registered_reports(login, calendar):
    r = login.request(
        "PROPFIND", calendar, propfind_body("D:supported-report-set"), Depth="0", **XML_TYPE
    )
    element = responses(r.content)[calendar][q("D", "supported-report-set")][1]
    reports = {
        child.tag
        for child in element.iter()
        if child.getparent() is not None and child.getparent().tag == q("D", "report")
    }
    assert {
        q("C", "calendar-query"),
        q("C", "calendar-multiget"),
        q("C", "free-busy-query"),
        q("D", "sync-collection"),
        q("D", "expand-property"),
    } <= reports


def test_expand_property_on_principal(login):
    login.request("MKCALENDAR", login.home_path + "x/")
    body = """<D:expand-property xmlns:D="DAV:"><D:property name="calendar-home-set" namespace="urn:ietf:params:xml:ns:caldav">
<D:property name="displayname"/><D:property name="resourcetype"/></D:property>
<D:property name="calendar-proxy-write-for" namespace="http://calendarserver.org/ns/"/></D:expand-property>"""
    r = login.request("REPORT", login.principal_path, body, Depth="0", **XML_TYPE)
    assert r.status_code == 207
    root = etree.fromstring(r.content)
    nested = root.find(".//C:calendar-home-set/D:response", NS)
    assert nested.findtext("D:href", namespaces=NS) == login.home_path
    assert nested.find(".//D:displayname", NS).text == login.username


def test_import_command_splits_a_calendar_file(server, login):
    from pathlib import Path

    source = (
        Path(__file__).parent
        / "data"
        / "ical"
        / "google_export_weekly_until_exdate_list_moved_instance.ics"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "davserver",
            "import",
            "--database",
            server.database_url,
            "--calendar",
            login.home_path + "imported/",
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Imported ")
    imported = int(run.stdout.split()[1])
    r = login.request(
        "PROPFIND", login.home_path + "imported/", propfind_body("D:getetag"), Depth="1", **XML_TYPE
    )
    assert len(responses(r.content)) - 1 == imported >= 1
