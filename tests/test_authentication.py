"""HTTP Basic authentication of logins (RFC 7617): every refusal looks the same."""

from __future__ import annotations

import base64

import pytest
import requests

from tests.davxml import propfind_body
from tests.ical import XML_TYPE


def _propfind(server, path, auth_header=None, auth=None):
    headers = {"Depth": "0", "Content-Type": "application/xml"}
    if auth_header is not None:
        headers["Authorization"] = auth_header
    return requests.request(
        "PROPFIND",
        server.base_url + path,
        data=propfind_body("D:resourcetype"),
        headers=headers,
        auth=auth,
    )


def test_missing_credentials_get_401_with_challenge(server):
    r = _propfind(server, "/dav/")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith('Basic realm="davserver"')


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
        "Basic",
        "Bearer abc",
        "Digest username=x",
        "",
    ],
)
def test_malformed_authorization_is_401_never_500(server, header):
    assert _propfind(server, "/dav/", auth_header=header).status_code == 401


def test_unknown_user_and_wrong_password_look_the_same(server, login):
    unknown = _propfind(server, "/dav/", auth=("nobody-" + login.username, "x"))
    wrong = _propfind(server, "/dav/", auth=(login.username, "wrong"))
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.content == wrong.content
    assert unknown.headers["WWW-Authenticate"] == wrong.headers["WWW-Authenticate"]


def test_login_without_password_is_refused(server):
    from resources.auth.credentials import create_credential
    from resources.organisation.accounts import create_account
    from resources.organisation.branches import default_branch

    create_credential(
        "nopassword-user",
        account=create_account("nopassword-user").id,
        branch=default_branch().id,
        confirmed=True,
    )
    assert _propfind(server, "/dav/", auth=("nopassword-user", "")).status_code == 401


def test_username_is_case_insensitive_for_login(server, login):
    r = _propfind(server, login.home_path, auth=(login.username.upper(), login.password))
    assert r.status_code == 207


def test_password_change_takes_effect_at_once(server, login):
    from resources.auth.credentials import set_password

    assert (
        login.request(
            "PROPFIND", "/dav/", propfind_body("D:resourcetype"), Depth="0", **XML_TYPE
        ).status_code
        == 207
    )
    set_password(login.username, "a-new-password")
    assert (
        login.request(
            "PROPFIND", "/dav/", propfind_body("D:resourcetype"), Depth="0", **XML_TYPE
        ).status_code
        == 401
    )
    assert _propfind(server, "/dav/", auth=(login.username, "a-new-password")).status_code == 207


def test_logout_query_string_does_not_matter(login):
    r = login.request(
        "PROPFIND", "/dav/?logout", propfind_body("D:resourcetype"), Depth="0", **XML_TYPE
    )
    assert r.status_code == 207


def test_repeated_failures_for_one_user_name_are_throttled(server, login, other_login):
    limit = server.settings.login_failures_per_user
    statuses = [
        _propfind(server, "/dav/", auth=(login.username, f"wrong-{n}")).status_code
        for n in range(limit)
    ]
    assert statuses == [401] * limit
    blocked = _propfind(server, "/dav/", auth=(login.username, login.password))
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert (
        _propfind(server, "/dav/", auth=(other_login.username, other_login.password)).status_code
        == 207
    )
