"""The DAV URL space (DESIGN §4): paths and hrefs of principals, homes and collections."""

from __future__ import annotations

from urllib.parse import quote

MOUNT = "/dav"
PRINCIPALS = "principals"
CALENDARS = "calendars"
ADDRESSBOOKS = "addressbooks"


def href(path: str) -> str:
    """Quote a provider path ("/calendars/ann/work/") into an href below the mount."""
    return quote(MOUNT + path, safe="/:@!$&'()*+,;=-._~")


def principal_path(username: str) -> str:
    return f"/{PRINCIPALS}/{username}/"


def calendar_home_path(username: str) -> str:
    return f"/{CALENDARS}/{username}/"


def addressbook_home_path(username: str) -> str:
    return f"/{ADDRESSBOOKS}/{username}/"


def collection_path(username: str, collection_path_in_home: str, home: str = CALENDARS) -> str:
    return f"/{home}/{username}/{collection_path_in_home}/"


def object_path(
    username: str, collection_path_in_home: str, name: str, home: str = CALENDARS
) -> str:
    return f"/{home}/{username}/{collection_path_in_home}/{name}"
