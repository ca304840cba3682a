"""The addressbook-query request body (RFC 6352 §8.6, §10.5) parsed into a filter, the
requested properties and the limit."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from davserver.carddav.address_data import (
    ADDRESS_DATA,
    AddressDataRequest,
    parse_address_data_request,
)
from davserver.dav.errors import DavError
from davserver.dav.propfind import check_property_count
from davserver.dav.xml import CARDDAV, DAV, qname
from resources.formats.addressbook_query import (
    CardFilter,
    CardParamFilter,
    CardPropFilter,
    CardTextMatch,
)


@dataclass(frozen=True)
class AddressQuery:
    mode: str
    properties: tuple[str, ...]
    address_data: AddressDataRequest | None
    filter: CardFilter
    limit: int | None


def parse_property_request(
    root: etree._Element,
) -> tuple[str, tuple[str, ...], AddressDataRequest | None]:
    if root.find(qname(DAV, "propname")) is not None:
        return "propname", (), None
    prop = root.find(qname(DAV, "prop"))
    if prop is None:
        return "allprop", (), None
    names = tuple(p.tag for p in prop if isinstance(p.tag, str))
    check_property_count(len(names), "A REPORT")
    return "prop", names, parse_address_data_request(prop.find(ADDRESS_DATA))


def _test(element: etree._Element) -> str:
    test = element.get("test", "anyof")
    if test not in ("anyof", "allof"):
        raise DavError(400, "The test attribute must be anyof or allof.")
    return test


def _text_match(element: etree._Element) -> CardTextMatch:
    return CardTextMatch(
        text=element.text or "",
        collation=element.get("collation", "i;unicode-casemap"),
        match_type=element.get("match-type", "contains"),
        negate=element.get("negate-condition", "no") == "yes",
    )


def _param_filter(element: etree._Element) -> CardParamFilter:
    match = element.find(qname(CARDDAV, "text-match"))
    return CardParamFilter(
        name=element.get("name", ""),
        is_not_defined=element.find(qname(CARDDAV, "is-not-defined")) is not None,
        text_match=_text_match(match) if match is not None else None,
    )


def _prop_filter(element: etree._Element) -> CardPropFilter:
    if not element.get("name"):
        raise DavError(400, "A prop-filter needs a name.")
    return CardPropFilter(
        name=element.get("name"),  # type: ignore[arg-type]
        test=_test(element),
        is_not_defined=element.find(qname(CARDDAV, "is-not-defined")) is not None,
        text_matches=tuple(_text_match(m) for m in element.iterfind(qname(CARDDAV, "text-match"))),
        param_filters=tuple(
            _param_filter(p) for p in element.iterfind(qname(CARDDAV, "param-filter"))
        ),
    )


def parse_addressbook_query(root: etree._Element) -> AddressQuery:
    if root.tag != qname(CARDDAV, "addressbook-query"):
        raise DavError(400, "The body must be a CARDDAV:addressbook-query element.")
    mode, names, data = parse_property_request(root)
    filter_element = root.find(qname(CARDDAV, "filter"))
    if filter_element is None:
        raise DavError(400, "An addressbook-query needs a CARDDAV:filter.")
    card_filter = CardFilter(
        _test(filter_element),
        tuple(_prop_filter(p) for p in filter_element.iterfind(qname(CARDDAV, "prop-filter"))),
    )
    limit = None
    nresults = root.findtext(f"{{{CARDDAV}}}limit/{{{CARDDAV}}}nresults")
    if nresults is not None:
        try:
            limit = int(nresults)
        except ValueError:
            raise DavError(400, "CARDDAV:nresults must be a whole number.") from None
        if limit < 1:
            raise DavError(400, "CARDDAV:nresults must be at least 1.")
    return AddressQuery(mode, names, data, card_filter, limit)
