"""The catalogue's sentences of free-busy: branch opening hours and iTIP free-busy
requests to a scheduling outbox (RFC 6638 §5).

They are part of resources/error_codes.py's MESSAGES (merged there) and kept here so
that branches of work on scheduling do not edit one block. This module imports nothing
of the catalogue, so either may be imported first.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a template for extraction into the admin UI's translations."""
    return message


FREE_BUSY_MESSAGES: dict[str, str] = {
    "opening_hours_invalid": N_(
        "'%(part)s' cannot be read as opening hours; write them as in "
        "Mo-Fr 08:00-12:00,13:00-18:00; Sa 09:00-13:00."
    ),
    "opening_hours_too_long": N_("Opening hours may be at most %(max)s characters long."),
    "freebusy_not_icalendar": N_("The free-busy request is not readable iCalendar."),
    "freebusy_not_request": N_(
        "A free-busy request is a VCALENDAR with METHOD:REQUEST and one VFREEBUSY."
    ),
    "freebusy_missing_property": N_("The VFREEBUSY of the request has no %(name)s."),
    "freebusy_bad_range": N_("The request's DTEND must be later than its DTSTART."),
    "freebusy_range_too_long": N_("A free-busy request may span at most %(days)s days."),
    "freebusy_organizer_not_yours": N_(
        "The ORGANIZER of a free-busy request must be one of your own calendar user addresses."
    ),
    "freebusy_too_many_recipients": N_("A free-busy request may name at most %(max)s recipients."),
}
