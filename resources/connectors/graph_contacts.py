"""Microsoft Graph's contacts as source fields: a mailbox's `contact` and the
organisation's `orgContact` (Graph v1.0 resource types), flattened into one set of named
fields, and the default mappings from them to the phonebook and the directory.

Each Graph property fills fields of its own (`businessPhones` fills `businessPhone` and
`businessPhone2`), so a delta answer that carries only some properties of a changed
contact (directory objects do) replaces just the fields those properties fill.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from resources.error_codes import N_

Values = dict[str, str]

TEXT_PROPERTIES = (
    "displayName",
    "givenName",
    "middleName",
    "surname",
    "nickName",
    "title",
    "generation",
    "initials",
    "fileAs",
    "companyName",
    "department",
    "jobTitle",
    "profession",
    "officeLocation",
    "manager",
    "assistantName",
    "spouseName",
    "businessHomePage",
    "personalNotes",
    "birthday",
    "mobilePhone",
    "mailNickname",
    "yomiGivenName",
    "yomiSurname",
    "yomiCompanyName",
)
ADDRESS_PARTS = ("street", "city", "state", "postalCode", "countryOrRegion")
ADDRESS_PROPERTIES = ("businessAddress", "homeAddress", "otherAddress")
# orgContact.phones[].type -> the field a mailbox contact has for the same kind of number
ORG_PHONE_FIELDS = {
    "business": "businessPhone",
    "mobile": "mobilePhone",
    "home": "homePhone",
    "businessFax": "businessFax",
    "homeFax": "homeFax",
    "otherFax": "otherFax",
    "other": "otherPhone",
    "assistant": "assistantPhone",
    "pager": "pager",
    "radio": "radioPhone",
}
EMAIL_FIELDS = ("emailAddress", "emailAddress2", "emailAddress3")


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _texts(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [text for text in (_text(item) for item in value) if text]


def _numbered(name: str, values: list[str], count: int) -> Values:
    fields = [name] + [f"{name}{number}" for number in range(2, count + 1)]
    return {field: value for field, value in zip(fields, values, strict=False)}


def _emails(value: object) -> Values:
    addresses = (
        [_text(item.get("address")) for item in value if isinstance(item, dict)]
        if isinstance(value, list)
        else []
    )
    addresses = [address for address in addresses if address]
    found = dict(zip(EMAIL_FIELDS, addresses, strict=False))
    if addresses:
        found["emailAddresses"] = "\n".join(addresses)
    return found


def _mail(value: object) -> Values:
    address = _text(value)
    return {"emailAddress": address, "emailAddresses": address} if address else {}


def _plain(name: str) -> Callable[[object], Values]:
    def read(value: object) -> Values:
        return {name: _text(value)}

    return read


def _address(name: str) -> Callable[[object], Values]:
    def read(value: object) -> Values:
        if not isinstance(value, dict):
            return {}
        return {f"{name}.{part}": _text(value.get(part)) for part in ADDRESS_PARTS}

    return read


def _org_addresses(value: object) -> Values:
    first = value[0] if isinstance(value, list) and value else None
    found = _address("businessAddress")(first)
    if isinstance(first, dict) and _text(first.get("officeLocation")):
        found["officeLocation"] = _text(first.get("officeLocation"))
    return found


def _org_phones(value: object) -> Values:
    found: Values = {}
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        field = ORG_PHONE_FIELDS.get(_text(item.get("type")), "otherPhone")
        number = _text(item.get("number"))
        if number and field not in found:
            found[field] = number
    return found


# Graph property -> (the fields it fills, how it fills them)
PROPERTY_FIELDS: dict[str, tuple[tuple[str, ...], Callable[[object], Values]]] = {
    **{name: ((name,), _plain(name)) for name in TEXT_PROPERTIES},
    "businessPhones": (
        ("businessPhone", "businessPhone2"),
        lambda value: _numbered("businessPhone", _texts(value), 2),
    ),
    "homePhones": (
        ("homePhone", "homePhone2"),
        lambda value: _numbered("homePhone", _texts(value), 2),
    ),
    "emailAddresses": ((*EMAIL_FIELDS, "emailAddresses"), _emails),
    "mail": (("emailAddress", "emailAddresses"), _mail),
    "imAddresses": (("imAddress",), lambda value: {"imAddress": ", ".join(_texts(value))}),
    "categories": (("categories",), lambda value: {"categories": ", ".join(_texts(value))}),
    "phones": (tuple(dict.fromkeys(ORG_PHONE_FIELDS.values())), _org_phones),
    "addresses": (
        tuple(f"businessAddress.{part}" for part in ADDRESS_PARTS) + ("officeLocation",),
        _org_addresses,
    ),
    **{
        name: (tuple(f"{name}.{part}" for part in ADDRESS_PARTS), _address(name))
        for name in ADDRESS_PROPERTIES
    },
}

SOURCE_FIELDS: tuple[str, ...] = (
    "id",
    *dict.fromkeys(field for fields, _read in PROPERTY_FIELDS.values() for field in fields),
)

DEFAULT_MAPPINGS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "phonebook": {
            "first_name": "givenName",
            "last_name": "surname",
            "company": "companyName",
            "phone_work": "businessPhone",
            "phone_mobile": "mobilePhone",
            "phone_home": "homePhone",
            "email": "emailAddress",
        },
        "directory": {
            "company": "companyName",
            "title": "title",
            "first_name": "givenName",
            "last_name": "surname",
            "position": "jobTitle",
            "department": "department",
            "emails": "emailAddresses",
            "phone_work": "businessPhone",
            "phone_mobile": "mobilePhone",
            "phone_fax": "businessFax",
        },
    }
)

FIELD_HELP = N_(
    "Fields are named as in Microsoft Graph (givenName, surname, companyName, "
    "businessPhone, mobilePhone, emailAddress, businessAddress.city, ...)."
)


def changed_fields(item: Mapping[str, object]) -> tuple[set[str], Values]:
    """The fields a Graph object's properties fill (those it carries), and their values;
    a top-level text property Graph does not document here (a directory extension
    attribute such as `extension_<app>_costCenter`) is a field of the same name."""
    touched: set[str] = set()
    values: Values = {}
    for name, value in item.items():
        if name.startswith("@") or name == "id":
            continue
        known = PROPERTY_FIELDS.get(name)
        if known is not None:
            touched.update(known[0])
            values.update({field: text for field, text in known[1](value).items() if text})
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            touched.add(name)
            if str(value).strip():
                values[name] = str(value).strip()[:2000]
    return touched, values


def merged_values(kept: Mapping[str, str], item: Mapping[str, object]) -> Values:
    """A contact's fields after a change: those the change's properties fill replaced."""
    touched, values = changed_fields(item)
    merged = {name: value for name, value in kept.items() if name not in touched}
    merged.update(values)
    return merged


def record_values(stored: Mapping[str, str], key: str) -> Values:
    """The fields a run hands on: the stored ones, the id, and a name for a contact that
    has only a display name (a hotline, a shared number), which becomes its surname."""
    values = {**stored, "id": key}
    if (
        not values.get("givenName")
        and not values.get("surname")
        and values.get("displayName")
        and values.get("displayName") != values.get("companyName")
    ):
        values["surname"] = values["displayName"]
    return values
