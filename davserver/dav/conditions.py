"""HTTP preconditions (RFC 9110 §13): If-Match and If-None-Match as the store checks them."""

from __future__ import annotations

from resources.objects.stored_objects import WriteConditions


def _entity_tags(header: str | None) -> tuple[str, ...] | None:
    if header is None:
        return None
    tags = []
    for part in header.split(","):
        part = part.strip()
        if part == "*":
            tags.append("*")
        elif part.startswith('"') and part.endswith('"') and len(part) >= 2:
            tags.append(part[1:-1])
        elif part.startswith('W/"'):
            tags.append("W/" + part[3:-1])  # weak tags never match strongly
        elif part:
            tags.append(part)
    return tuple(tags)


def write_conditions(environ: dict) -> WriteConditions:
    return WriteConditions(
        if_match=_entity_tags(environ.get("HTTP_IF_MATCH")),
        if_none_match=_entity_tags(environ.get("HTTP_IF_NONE_MATCH")),
    )
