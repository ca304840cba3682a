"""The catalogue of the domain's sentences for people: every refusal, access reason and
connection-test finding has a stable code and one English template here.

A `Sentence` is a code with the values for its %(name)s placeholders; the English text
is made from it in this one place, and the admin UI looks the same template up through
gettext (the N_ markers let babel extract them), so a sentence is translated by its code
and never by matching its words. Codes are snake_case names that scripts may rely on:
add new ones, never rename one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Union


def N_(message: str) -> str:
    """Mark a template for extraction into the admin UI's translations."""
    return message


# A placeholder's value: text, a number, or a whole sentence of its own.
Value = Union[str, int, "Sentence"]

MESSAGES: dict[str, str] = {
    # Accounts of the admin UI and the API.
    "login_invalid": N_(
        "A login must have 1 to 200 characters and no spaces or control characters."
    ),
    "login_taken": N_("The login '%(login)s' is taken."),
    "display_name_too_long": N_("A display name may have at most 200 characters."),
    "role_invalid": N_("The role must be 'admin' or 'user'."),
    "no_employee_with_id": N_("There is no employee with id %(id)s."),
    "no_account_with_id": N_("There is no user account with id %(id)s."),
    "no_account_named": N_("There is no user account '%(login)s'."),
    "last_admin": N_(
        "%(login)s is the last active administrator; make another account admin first."
    ),
    "account_has_one_login": N_(
        "The user account %(login)s still has 1 login. Delete those first."
    ),
    "account_has_logins": N_(
        "The user account %(login)s still has %(count)s logins. Delete those first."
    ),
    "unknown_login": N_("Unknown login."),
    "wrong_password": N_("Wrong password."),
    "account_deactivated": N_("The account is deactivated."),
    "password_length": N_("A password must have %(min)s to %(max)s characters."),
    # Groups.
    "group_name_length": N_("A group needs a name of 1 to 200 characters."),
    "group_name_taken": N_("There is already a group named '%(name)s'."),
    "no_group_with_id": N_("There is no group with id %(id)s."),
    # Branches.
    "branch_name_length": N_("A branch needs a name of 1 to 200 characters."),
    "branch_name_taken": N_("There is already a branch named '%(name)s'."),
    "not_a_time_zone": N_("'%(name)s' is not an IANA time zone such as Europe/Berlin."),
    "no_branch_with_id": N_("There is no branch with id %(id)s."),
    "branch_still_used": N_(
        "The branch %(name)s is still used by %(users)s. Change or delete those first."
    ),
    # Employees.
    "first_name_too_long": N_("The first name may have at most %(limit)s characters."),
    "last_name_too_long": N_("The last name may have at most %(limit)s characters."),
    "email_too_long": N_("The email may have at most %(limit)s characters."),
    "email_needs_at": N_("An e-mail address needs an '@'."),
    "employee_needs_name": N_("An employee needs a first or last name."),
    "employee_still_used": N_("%(name)s is still used by %(users)s. Change or delete those first."),
    # Resources and their calendars.
    "resource_kind_invalid": N_("A resource is either a 'person' or a 'room'."),
    "slug_invalid": N_(
        "A slug uses lower-case letters, digits and inner hyphens only (e.g. raum-1)."
    ),
    "person_needs_employee": N_("A person resource needs an employee."),
    "room_has_no_employee": N_("A room resource cannot have an employee."),
    "no_such_employee": N_("There is no such employee."),
    "colour_invalid": N_("A colour looks like #RRGGBB."),
    "resource_name_length": N_("A resource needs a name of 1 to 200 characters."),
    "slug_is_personal_calendar": N_(
        "The slug '%(slug)s' is the name of a personal calendar of the login '%(login)s'; "
        "choose another slug."
    ),
    "slug_taken": N_("The slug '%(slug)s' is taken."),
    "no_resource_named": N_("There is no resource '%(slug)s'."),
    "slug_is_stable": N_(
        "A resource's slug cannot be changed after saving: phones use it in their calendar "
        "URL. Create a new resource instead."
    ),
    # Appointments booked through the API.
    "not_a_date": N_("'%(name)s' must be an ISO 8601 date or date-time such as 2024-05-06."),
    "date_out_of_range": N_("Dates must lie between the years %(first)s and %(last)s."),
    "end_before_start": N_("'end' must not be before 'start'."),
    "range_too_long": N_("A range may span at most %(days)s days."),
    "resource_without_branch": N_(
        "The resource belongs to no branch: name the branch the appointment goes to."
    ),
    "summary_length": N_("An appointment needs a summary of 1 to %(max)s characters."),
    "mixed_date_kinds": N_("'start' and 'end' must both be dates (all day) or both date-times."),
    "appointment_not_after_start": N_("An appointment must end after it starts."),
    # Logins (service credentials).
    "username_length": N_("A user name must have 1 to %(max)s characters."),
    "username_characters": N_(
        "A user name may not contain spaces, slashes, '%', '?', '#', quotes or control characters."
    ),
    "service_classes_invalid": N_("Service classes must be one or both of: caldav, carddav."),
    "credential_kind_invalid": N_(
        "The only credential kind is 'individual' (individual user/password)."
    ),
    "credential_needs_account": N_("A credential needs a user account."),
    "credential_needs_branch": N_("A credential needs a branch."),
    "no_such_account": N_("There is no such user account."),
    "no_such_branch": N_("There is no such branch."),
    "validity_reversed": N_("'Valid until' must not be before 'valid from'."),
    "username_taken": N_("The user name '%(username)s' is taken (user names ignore case)."),
    "username_is_stable": N_(
        "A user name cannot be changed after saving. Delete this login and create a new "
        "one instead."
    ),
    "no_login_named": N_("There is no login named '%(username)s'."),
    "unknown_user_name": N_("Unknown user name."),
    "credential_unsaved": N_("The login does not exist; save it first."),
    "no_carddav": N_("This login is not set up for contacts (CardDAV)."),
    # Who may log in and see which calendar (the access decisions' reasons).
    "access_allowed": N_("Access is allowed."),
    "not_yet_valid": N_("The login is valid only from %(start)s on."),
    "expired": N_("The login was valid only until %(end)s."),
    "no_password": N_("No password has been set for this login yet."),
    "not_confirmed": N_("The login has not been confirmed by an administrator."),
    "account_inactive": N_("The user account this login belongs to is deactivated."),
    "no_caldav": N_("The login is not set up for appointment sync (CalDAV)."),
    "resource_unknown": N_("There is no such resource."),
    "resource_inactive": N_("The resource %(name)s is deactivated."),
    "sync_not_allowed": N_("Sync is not switched on for the resource %(name)s."),
    "not_own_person": N_("%(name)s is another person's calendar."),
    # The connection test's findings.
    "check_unsaved": N_("The login has not been saved yet. Save it, then test again."),
    "check_saved": N_("The login %(name)s is saved."),
    "check_password_set": N_("A password is set."),
    "check_no_password": N_(
        "No password has been set. Set a new password and enter it on the phone."
    ),
    "check_confirmed": N_("The login is confirmed."),
    "check_not_confirmed": N_("The login is not confirmed. Tick 'confirmed' and save."),
    "check_window": N_("Today is inside the validity window %(start)s to %(end)s."),
    "check_valid_from": N_("The login is valid from %(start)s on."),
    "check_valid_until": N_("The login is valid until %(end)s."),
    "check_no_limits": N_("The login has no validity limits."),
    "check_account_active": N_("The user account is active."),
    "check_caldav": N_("The login is set up for appointment sync (CalDAV)."),
    "check_no_caldav": N_(
        "The login is not set up for appointment sync. Add the service class CalDAV."
    ),
    "check_not_locked": N_("The login is not locked out by failed sign-ins."),
    "check_locked": N_(
        "The login is locked out after %(failures)s failed sign-ins until %(time)s UTC "
        "(%(moment)s): a phone that has not signed in before gets 'too many attempts'. "
        "Unlock the login, or wait."
    ),
    "check_no_resource": N_("There is no resource '%(slug)s'. Pick one from the list."),
    "check_resource_exists": N_("The resource %(name)s exists."),
    "check_resource_active": N_("%(name)s is active."),
    "check_resource_inactive": N_("%(name)s is deactivated. Activate it first."),
    "check_sync_on": N_("Sync is switched on for %(name)s."),
    "check_sync_off": N_(
        "Sync is switched off for %(name)s. Switch on 'sync allowed' for this resource."
    ),
    "check_visible": N_("This login may see %(name)s."),
    "check_not_visible": N_(
        "This login may not see %(name)s: %(reason)s A login sees its own employee's "
        "calendar and the rooms."
    ),
    "check_options": N_("The server answers on the calendar URL."),
    "check_options_failed": N_("The server answered OPTIONS with %(status)s."),
    "check_propfind": N_("The phone will find the calendar at this URL."),
    "check_propfind_failed": N_("Reading the calendar failed with status %(status)s."),
    "check_password_correct": N_("The password is correct."),
    "check_password_wrong": N_("The password does not match. Check it or set a new one."),
    # The company directory and the phonebook.
    "unknown_fields": N_("Unknown field(s): %(fields)s."),
    "category_invalid": N_("The category must be customer, supplier, partner or other."),
    "company_needs_name": N_("A company needs a name."),
    "not_an_email": N_("'%(address)s' is not an e-mail address."),
    "control_character": N_("'%(name)s' contains a control character."),
    "text_too_long": N_("'%(name)s' may have at most %(limit)s characters."),
    "no_such_company": N_("There is no such company."),
    "no_such_contact": N_("There is no such contact person."),
    "entry_needs_phone": N_("A phonebook entry needs at least one phone number."),
    "entry_needs_name": N_("A phonebook entry needs a name or a company."),
    "no_such_entry": N_("There is no such phonebook entry."),
    "entry_is_manual": N_(
        "Only synced (S) entries are copied to manual; this one is manual already."
    ),
    "import_needs_source": N_("An import needs the source's name."),
    "import_entry_refused": N_("Entry %(position)s: %(reason)s"),
}


@dataclass(frozen=True)
class Sentence:
    """One catalogue sentence: its code and the values of its placeholders."""

    code: str
    params: Mapping[str, Value] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in MESSAGES:
            raise KeyError(f"no sentence in the catalogue has the code {self.code!r}")

    def render(self, lookup: Callable[[str], str]) -> str:
        """The sentence with `lookup` turning each template into the wanted language
        (nested sentences too); templates without placeholders are used as they are."""
        template = lookup(MESSAGES[self.code])
        if not self.params:
            return template
        values = {
            name: value.render(lookup) if isinstance(value, Sentence) else value
            for name, value in self.params.items()
        }
        return template % values

    @property
    def english(self) -> str:
        return self.render(_as_written)


def _as_written(template: str) -> str:
    return template


def sentence(code: str, **params: Value) -> Sentence:
    return Sentence(code, params)
