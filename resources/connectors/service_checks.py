"""The checks and field rules the web-service connectors (Salesforce, SugarCRM) share:
the last two steps of their tests (may the user read contacts; are there any) and the
refusal of a mapping that needs fields the service does not offer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from resources.connectors.connector_types import Check, SourceUnreadable, TestOutcome
from resources.connectors.source_http import SourceUnreachable
from resources.error_codes import sentence

# What a test's last steps read: the contact fields offered, and whether one page of
# contacts has any.
ContactProbe = Callable[[], tuple[tuple[str, ...], bool]]


def contact_checks(
    checks: Sequence[Check],
    probe: ContactProbe,
    refused: tuple[type[SourceUnreadable], ...],
    *,
    no_contacts: str,
    custom_suffix: str,
) -> TestOutcome:
    """`checks` so far, then "contacts" (the user may read them) and "records" (there
    are some), with the fields offered for the mapping (custom ones end in the suffix)."""
    try:
        fields, any_contact = probe()
    except SourceUnreachable as unreachable:
        return TestOutcome((*checks, Check("contacts", False, unreachable.sentence)))
    except refused as refusal:
        return TestOutcome((*checks, Check("contacts", False, refusal.sentence)))
    done = (*checks, Check("contacts", True, sentence("crm_user_may_read")))
    if not any_contact:
        return TestOutcome((*done, Check("records", False, sentence(no_contacts))), fields)
    custom = sum(name.endswith(custom_suffix) for name in fields)
    readable = sentence("crm_contacts_readable", fields=len(fields), custom=custom)
    return TestOutcome((*done, Check("records", True, readable)), fields)


def refuse_missing_fields(mandatory: Sequence[str], fields: Sequence[str], code: str) -> None:
    """A run whose mapping needs fields the service does not offer fails before it reads."""
    unknown = [name for name in mandatory if name not in fields]
    if unknown:
        raise SourceUnreadable(sentence(code, names=", ".join(unknown)))
