"""The domain's sentences (refusals, connection-test checks, access reasons) in the
page's language: fixed sentences are looked up in the catalog as they are; sentences
with names in them are matched by pattern and rebuilt from a translatable template.
A sentence nobody translated yet is shown as the domain wrote it."""

from __future__ import annotations

import re

from davserver.web.admin.i18n import N_, _, current_language, translate

FIXED = (
    N_("'Valid until' must not be before 'valid from'."),
    N_("A branch needs a name of 1 to 200 characters."),
    N_("A colour looks like #RRGGBB."),
    N_("A company needs a name."),
    N_("A display name may have at most 200 characters."),
    N_("A group needs a name of 1 to 200 characters."),
    N_("A login must have 1 to 200 characters and no spaces."),
    N_("A person resource needs an employee."),
    N_("A phonebook entry needs a name or a company."),
    N_("A phonebook entry needs at least one phone number."),
    N_("A resource is either a 'person' or a 'room'."),
    N_("A resource needs a name of 1 to 200 characters."),
    N_("A room resource cannot have an employee."),
    N_(
        "A resource's short name cannot be changed after saving: phones use it in their calendar URL. "
        "Create a new resource instead."
    ),
    N_("A short name uses lower-case letters, digits and inner hyphens only (e.g. raum-1)."),
    N_("A user name may not contain spaces, slashes, '%', '?', '#', quotes or control characters."),
    N_(
        "A user name cannot be changed after saving. Delete this login and create a new one instead."
    ),
    N_("An e-mail address needs an '@'."),
    N_("An employee needs a first or last name."),
    N_("Service classes must be one or both of: caldav, carddav."),
    N_("The category must be customer, supplier, partner or other."),
    N_("The password must have 1 to 1024 characters."),
    N_("The password must have at most 1024 characters."),
    N_("The password must not be empty."),
    N_("The role must be 'admin' or 'user'."),
    N_("The login does not exist; save it first."),
    N_("There is no such branch."),
    N_("There is no such company."),
    N_("There is no such contact person."),
    N_("There is no such employee."),
    N_("There is no such phonebook entry."),
    N_("There is no such user account."),
    N_("There is no such resource."),
    N_("The login is not set up for appointment sync (CalDAV)."),
    N_("The login has not been saved yet. Save it, then test again."),
    N_("A password is set."),
    N_("No password has been set. Set a new password and enter it on the phone."),
    N_("The login is confirmed."),
    N_("The login is not confirmed. Tick 'confirmed' and save."),
    N_("The login has no validity limits."),
    N_("The user account is active."),
    N_("The user account this login belongs to is deactivated."),
    N_("The login is set up for appointment sync (CalDAV)."),
    N_("The login is not set up for appointment sync. Add the service class CalDAV."),
    N_("The server answers on the calendar URL."),
    N_("The phone will find the calendar at this URL."),
    N_("The password is correct."),
    N_("The password does not match. Check it or set a new one."),
)

# Most specific first; named groups fill the template's %(name)s placeholders.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), template)
    for pattern, template in (
        (r"The login '(?P<name>.+)' is taken\.", N_("The login %(name)s is taken.")),
        (r"The short name '(?P<name>.+)' is taken\.", N_("The short name %(name)s is taken.")),
        (
            r"The short name '(?P<name>.+)' is the name of a personal calendar of the login '(?P<login>.+)'; choose another short name\.",
            N_(
                "The short name %(name)s is the name of a personal calendar of the login %(login)s; choose another short name."
            ),
        ),
        (
            r"The user name '(?P<name>.+)' is taken \(user names ignore case\)\.",
            N_("The user name %(name)s is taken (user names ignore case)."),
        ),
        (
            r"There is already a branch named '(?P<name>.+)'\.",
            N_("There is already a branch named %(name)s."),
        ),
        (
            r"There is already a group named '(?P<name>.+)'\.",
            N_("There is already a group named %(name)s."),
        ),
        (
            r"'(?P<name>.+)' is not an IANA time zone such as Europe/Berlin\.",
            N_("%(name)s is not an IANA time zone such as Europe/Berlin."),
        ),
        (
            r"(?P<name>.+) is the last active administrator; make another account admin first\.",
            N_("%(name)s is the last active administrator; make another account admin first."),
        ),
        (
            r"The user account (?P<name>.+) still has (?P<count>\d+) logins?\. Delete those first\.",
            N_("The user account %(name)s still has %(count)s login(s). Delete those first."),
        ),
        (
            r"(?P<name>.+) is still used by (?P<users>.+)\. Change or delete those first\.",
            N_("%(name)s is still used by %(users)s. Change or delete those first."),
        ),
        (
            r"A user name must have 1 to (?P<count>\d+) characters\.",
            N_("A user name must have 1 to %(count)s characters."),
        ),
        (r"The login (?P<name>.+) is saved\.", N_("The login %(name)s is saved.")),
        (
            r"Today is inside the validity window (?P<start>\S+) to (?P<end>\S+)\.",
            N_("Today is inside the validity window %(start)s to %(end)s."),
        ),
        (
            r"The login is valid from (?P<start>\S+) on\.",
            N_("The login is valid from %(start)s on."),
        ),
        (r"The login is valid until (?P<end>\S+)\.", N_("The login is valid until %(end)s.")),
        (
            r"The login is valid only from (?P<start>\S+) on\.",
            N_("The login is valid only from %(start)s on."),
        ),
        (
            r"The login was valid only until (?P<end>\S+)\.",
            N_("The login was valid only until %(end)s."),
        ),
        (
            r"There is no resource '(?P<name>.+)'\. Pick one from the list\.",
            N_("There is no resource %(name)s. Pick one from the list."),
        ),
        (r"There is no resource '(?P<name>.+)'\.", N_("There is no resource %(name)s.")),
        (r"The resource (?P<name>.+) exists\.", N_("The resource %(name)s exists.")),
        (r"Sync is switched on for (?P<name>.+)\.", N_("Sync is switched on for %(name)s.")),
        (
            r"Sync is switched off for (?P<name>.+)\. Switch on 'sync allowed' for this resource\.",
            N_("Sync is switched off for %(name)s. Switch on 'sync allowed' for this resource."),
        ),
        (
            r"Sync is not switched on for the resource (?P<name>.+)\.",
            N_("Sync is not switched on for the resource %(name)s."),
        ),
        (
            r"The resource (?P<name>.+) is deactivated\.",
            N_("The resource %(name)s is deactivated."),
        ),
        (r"This login may see (?P<name>.+)\.", N_("This login may see %(name)s.")),
        (
            r"This login may not see (?P<name>.+?): (?P<sentence>.+\.) A login sees its own employee's calendar and the rooms\.",
            N_(
                "This login may not see %(name)s: %(sentence)s A login sees its own employee's calendar and the rooms."
            ),
        ),
        (
            r"(?P<name>.+) is another person's calendar\.",
            N_("%(name)s is another person's calendar."),
        ),
        (
            r"(?P<name>.+) is deactivated\. Activate it first\.",
            N_("%(name)s is deactivated. Activate it first."),
        ),
        (r"(?P<name>.+) is active\.", N_("%(name)s is active.")),
        (
            r"The server answered OPTIONS with (?P<status>\d+)\.",
            N_("The server answered OPTIONS with %(status)s."),
        ),
        (
            r"Reading the calendar failed with status (?P<status>\d+)\.",
            N_("Reading the calendar failed with status %(status)s."),
        ),
        (
            r"The phone will find the address book (?P<name>.+) at this URL\.",
            N_("The phone will find the address book %(name)s at this URL."),
        ),
        (
            r"Reading the address book (?P<name>.+) failed with status (?P<status>\d+)\.",
            N_("Reading the address book %(name)s failed with status %(status)s."),
        ),
        (
            r"Reading the company address book failed with status (?P<status>\d+)\.",
            N_("Reading the company address book failed with status %(status)s."),
        ),
    )
)


def translated(message: str) -> str:
    """The domain's sentence in the page's language (as written when unknown)."""
    if current_language() == "en":
        return message
    looked_up = translate(message)
    if looked_up != message:
        return looked_up
    for pattern, template in PATTERNS:
        match = pattern.fullmatch(message)
        if match:
            values = match.groupdict()
            if "sentence" in values:
                values["sentence"] = translated(values["sentence"])
            return _(template, **values)
    return message
