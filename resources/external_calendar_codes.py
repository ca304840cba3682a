"""The catalogue's sentences of external calendar sync (issue 15): why a pull or a push
failed, why an object was skipped, and why a run ended; merged into
resources/error_codes.py's MESSAGES like the connectors' sentences. Codes start with
`external_`. This module imports nothing of the catalogue, so either may come first.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a template for extraction into the admin UI's translations."""
    return message


EXTERNAL_CALENDAR_MESSAGES: dict[str, str] = {
    # What the remote answered instead of what was asked (request: what was sent).
    "external_status_instead": N_("The server answered HTTP %(status)s to %(request)s."),
    "external_sync_truncated": N_("The server kept truncating its sync-collection answer."),
    "external_too_many_redirects": N_("The server redirected more than %(count)s times."),
    # One object of a push or a pull.
    "external_change_refused": N_("%(name)s: the server refused the change (HTTP %(status)s)."),
    "external_deletion_refused": N_("%(name)s: the server refused the deletion (HTTP %(status)s)."),
    "external_changed_again": N_("%(name)s: the remote changed it again during the push."),
    "external_object_problem": N_("%(name)s: %(reason)s"),
    # A run as a whole.
    "external_run_lease_expired": N_(
        "The process running this sync ended (or lost its lease) before the run finished."
    ),
    "external_sync_run_active": N_("A run of this sync is queued or running already."),
    "no_such_external_sync_run": N_("This sync has no such run."),
    "external_wait_invalid": N_("'wait' must be a number of seconds from 0 to 30."),
}
