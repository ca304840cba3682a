"""Discovery as clients do it: well-known redirects, OPTIONS, principal and home (RFC 6764, 5397, 4791 §6)."""

from __future__ import annotations

import requests

from tests.davxml import hrefs_in, propfind_body, q, responses
from tests.ical import XML_TYPE

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_well_known_redirects_to_dav_root(server):
    for name in ("caldav", "carddav"):
        for suffix in ("", "/"):
            r = requests.get(f"{server.base_url}/.well-known/{name}{suffix}", allow_redirects=False)
            assert r.status_code == 301
            assert r.headers["Location"] == "/dav/"  # relative: never a Host header reflected


def test_browser_on_the_bare_server_url_is_sent_to_the_admin_ui(server):
    page = requests.get(
        server.base_url + "/", headers={"Accept": BROWSER_ACCEPT}, allow_redirects=False
    )
    assert page.status_code == 302
    assert page.headers["Location"] == "/admin/"  # relative: never a Host header reflected
    assert requests.get(server.base_url + "/", headers={"Accept": BROWSER_ACCEPT}).url.startswith(
        f"{server.base_url}/admin/login"
    )


def test_clients_on_the_bare_server_url_still_reach_dav(login):
    for headers in ({}, {"Accept": "*/*"}, {"Accept": "text/calendar"}):
        r = requests.get(login.base_url + "/", headers=headers, allow_redirects=False)
        assert (r.status_code, r.headers["Location"]) == (301, "/dav/")
    signed_in = login.http.get(
        login.base_url + "/", headers={"Accept": BROWSER_ACCEPT}, allow_redirects=False
    )
    assert (signed_in.status_code, signed_in.headers["Location"]) == (301, "/dav/")
    r = login.request(
        "PROPFIND", "/", propfind_body("D:current-user-principal"), Depth="0", **XML_TYPE
    )
    assert r.status_code == 207
    assert hrefs_in(responses(r.content)["/dav/"][q("D", "current-user-principal")][1]) == [
        login.principal_path
    ]


def test_options_advertises_only_real_classes(login):
    r = login.request("OPTIONS", "/dav/")
    assert r.status_code == 200
    classes = [c.strip() for c in r.headers["DAV"].split(",")]
    assert classes[:3] == ["1", "3", "calendar-access"]
    assert "2" not in classes and "addressbook" in classes


def test_options_allow_lists_report_and_mkcalendar_where_they_apply(login):
    home = login.request("OPTIONS", login.home_path).headers["Allow"]
    assert "MKCALENDAR" in home and "REPORT" in home
    login.request("MKCALENDAR", login.home_path + "cal/")
    calendar = login.request("OPTIONS", login.home_path + "cal/").headers["Allow"]
    assert "REPORT" in calendar and "PUT" in calendar and "MKCALENDAR" not in calendar


def test_lock_and_unlock_are_not_offered(login):
    assert login.request("LOCK", login.home_path).status_code == 405
    assert login.request("UNLOCK", login.home_path).status_code == 405


def test_root_gives_current_user_principal(login):
    r = login.request(
        "PROPFIND", "/dav/", propfind_body("D:current-user-principal"), Depth="0", **XML_TYPE
    )
    assert r.status_code == 207
    props = responses(r.content)["/dav/"]
    status, element = props[q("D", "current-user-principal")]
    assert status == 200 and hrefs_in(element) == [login.principal_path]


def test_principal_properties(login):
    body = propfind_body(
        "C:calendar-home-set",
        "C:calendar-user-address-set",
        "D:principal-URL",
        "D:displayname",
        "D:resourcetype",
        "D:principal-collection-set",
        "D:supported-report-set",
    )
    r = login.request("PROPFIND", login.principal_path, body, Depth="0", **XML_TYPE)
    props = responses(r.content)[login.principal_path]
    assert hrefs_in(props[q("C", "calendar-home-set")][1]) == [login.home_path]
    assert hrefs_in(props[q("D", "principal-URL")][1]) == [login.principal_path]
    assert login.principal_path in hrefs_in(props[q("C", "calendar-user-address-set")][1])
    assert props[q("D", "resourcetype")][1].find(q("D", "principal")) is not None
    assert hrefs_in(props[q("D", "principal-collection-set")][1]) == ["/dav/principals/"]


def test_paths_work_with_and_without_trailing_slash(login):
    for path in (login.principal_path, login.home_path):
        r = login.request(
            "PROPFIND", path.rstrip("/"), propfind_body("D:resourcetype"), Depth="0", **XML_TYPE
        )
        assert r.status_code == 207


def test_username_with_at_sign_percent_encoded(server):
    from tests.conftest import make_login

    user = make_login(server, "ann@example.com")
    encoded = "/dav/principals/" + user.username.replace("@", "%40") + "/"
    r = user.request(
        "PROPFIND", encoded, propfind_body("C:calendar-home-set"), Depth="0", **XML_TYPE
    )
    assert r.status_code == 207
    (props,) = responses(r.content).values()
    assert hrefs_in(props[q("C", "calendar-home-set")][1])[0].startswith(
        "/dav/calendars/ann@example.com-"
    )


def test_unknown_property_is_404_propstat(login):
    r = login.request(
        "PROPFIND", login.home_path, propfind_body("D:getctag", "C:nonsense"), Depth="0", **XML_TYPE
    )
    props = responses(r.content)[login.home_path]
    assert props[q("C", "nonsense")][0] == 404


def test_propfind_depth_infinity_is_refused(login):
    r = login.request(
        "PROPFIND", login.home_path, propfind_body("D:resourcetype"), Depth="infinity", **XML_TYPE
    )
    assert r.status_code == 403
    assert b"propfind-finite-depth" in r.content


def test_propname_and_allprop(login):
    login.request("MKCALENDAR", login.home_path + "c/")
    names = login.request(
        "PROPFIND",
        login.home_path + "c/",
        b'<propfind xmlns="DAV:"><propname/></propfind>',
        Depth="0",
        **XML_TYPE,
    )
    props = responses(names.content)[login.home_path + "c/"]
    for name in (
        q("CS", "getctag"),
        q("D", "sync-token"),
        q("C", "supported-calendar-component-set"),
        q("C", "max-resource-size"),
        q("D", "current-user-privilege-set"),
    ):
        assert name in props
    everything = login.request(
        "PROPFIND",
        login.home_path + "c/",
        b'<propfind xmlns="DAV:"><allprop/></propfind>',
        Depth="0",
        **XML_TYPE,
    )
    assert q("D", "resourcetype") in responses(everything.content)[login.home_path + "c/"]


def test_other_logins_principal_and_home_are_not_found(login, other_login):
    for path in (other_login.principal_path, other_login.home_path, other_login.home_path + "x/"):
        r = login.request("PROPFIND", path, propfind_body("D:resourcetype"), Depth="0", **XML_TYPE)
        assert r.status_code == 404
    listing = login.request(
        "PROPFIND", "/dav/principals/", propfind_body("D:displayname"), Depth="1", **XML_TYPE
    )
    assert other_login.principal_path not in responses(listing.content)
