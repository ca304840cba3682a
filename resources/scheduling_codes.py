"""The catalogue's sentences of scheduling (RFC 6638, issue 16): why a resource declined
a booking, refusals of booking policies, and what waits for a decision.

They are part of resources/error_codes.py's MESSAGES (merged there) and kept here so
that branches do not collide. Codes are named `booking_<finding>` for what a booking
policy decides or refuses and `schedule_<finding>` for the protocol's refusals. This
module imports nothing of the catalogue, so either may be imported first.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a template for extraction into the admin UI's translations."""
    return message


SCHEDULING_MESSAGES: dict[str, str] = {
    # Why a resource declined (the COMMENT of its reply).
    "booking_taken": N_("Declined: %(resource)s is booked from %(start)s to %(end)s."),
    "booking_always_declines": N_("Declined: %(resource)s takes no bookings."),
    "booking_not_allowed": N_("Declined: you may not book %(resource)s."),
    "booking_outside_window": N_(
        "Declined: %(resource)s can be booked at most %(days)s days ahead."
    ),
    "booking_series_without_end": N_(
        "Declined: %(resource)s can be booked at most %(days)s days ahead; give the series an end."
    ),
    "booking_too_many_instances": N_(
        "Declined: a series may book %(resource)s at most %(max)s times."
    ),
    "booking_declined_by": N_("Declined by %(person)s."),
    "booking_accepted_by": N_("Accepted by %(person)s."),
    # Refusals of a booking policy's fields.
    "booking_mode_invalid": N_(
        "The booking mode must be accept_if_free, always_accept, always_decline or manual."
    ),
    "booking_capacity_invalid": N_("The capacity must be a whole number from 1 to %(max)s."),
    "booking_window_invalid": N_(
        "The booking window must be empty or a whole number of days from 1 to %(max)s."
    ),
    "booking_only_groups_invalid": N_("Whether only groups may book must be true or false."),
    "booking_groups_invalid": N_("The groups must be a list of group numbers."),
    "booking_group_unknown": N_("One of the groups does not exist."),
    "booking_delegate_unknown": N_("The delegate must be an existing user account."),
    "booking_not_pending": N_("This booking no longer waits for a decision."),
    # The protocol's refusals.
    "schedule_tag_mismatch": N_(
        "The appointment was changed by its organizer since you read it (Schedule-Tag)."
    ),
}
