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

from resources.backup_codes import BACKUP_MESSAGES
from resources.connector_codes import CONNECTOR_MESSAGES
from resources.external_calendar_codes import EXTERNAL_CALENDAR_MESSAGES
from resources.free_busy_codes import FREE_BUSY_MESSAGES
from resources.scheduling_codes import SCHEDULING_MESSAGES


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
        "A short name uses lower-case letters, digits and inner hyphens only (e.g. raum-1)."
    ),
    "person_needs_employee": N_("A person resource needs an employee."),
    "room_has_no_employee": N_("A room resource cannot have an employee."),
    "no_such_employee": N_("There is no such employee."),
    "colour_invalid": N_("A colour looks like #RRGGBB."),
    "resource_name_length": N_("A resource needs a name of 1 to 200 characters."),
    "slug_is_personal_calendar": N_(
        "The short name '%(slug)s' is the name of a personal calendar of the login "
        "'%(login)s'; choose another short name."
    ),
    "slug_taken": N_("The short name '%(slug)s' is taken."),
    "no_resource_named": N_("There is no resource '%(slug)s'."),
    "slug_is_stable": N_(
        "A resource's short name cannot be changed after saving: phones use it in their "
        "calendar URL. Create a new resource instead."
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
    # The connection test for contacts (CardDAV).
    "service_to_test_invalid": N_("The service to test is either 'caldav' or 'carddav'."),
    "check_carddav": N_("The login is set up for contacts (CardDAV)."),
    "check_no_carddav": N_("The login is not set up for contacts. Add the service class CardDAV."),
    "check_book_options": N_("The server answers on the address book URL."),
    "check_no_address_books": N_("The server does not offer address books (CardDAV) at this URL."),
    "check_personal_book_later": N_("The personal address book is made on the phone's first sync."),
    "check_company_book": N_("The phone will find the company address book at this URL."),
    "check_company_book_failed": N_(
        "Reading the company address book failed with status %(status)s."
    ),
    "check_book": N_("The phone will find the address book %(name)s at this URL."),
    "check_book_failed": N_("Reading the address book %(name)s failed with status %(status)s."),
    "no_such_address_book": N_("There is no such address book for this login."),
    "no_such_carddav_integration": N_("There is no such CardDAV integration."),
    "no_such_calendar_for_login": N_("There is no such calendar for this login."),
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
    # Refusals for DAV clients: collections and the objects stored in them.
    "segment_length": N_("A name must have 1 to %(max)s bytes and may not be '.' or '..'."),
    "segment_characters": N_("A name may not contain slashes or control characters."),
    "name_reserved_for_resource": N_(
        "The name %(name)s is reserved for a resource calendar (a room or a person); "
        "choose another name."
    ),
    "calendar_colour_invalid": N_("A calendar colour must look like #RRGGBB or #RRGGBBAA."),
    "components_unsupported": N_("Unsupported calendar component(s): %(components)s."),
    "calendar_name_too_long": N_("A display name may have at most 500 characters."),
    "collection_exists": N_("A collection already exists at this URL."),
    "parent_missing": N_("The parent collection does not exist."),
    "collection_in_calendar": N_("Collections cannot be created inside a calendar."),
    "resource_exists_here": N_("A resource already exists at this URL."),
    "destination_parent_missing": N_("The destination's parent collection does not exist."),
    "if_match_missing": N_("If-Match was given but the resource does not exist."),
    "if_match_failed": N_("The resource has changed since it was read (If-Match failed)."),
    "if_none_match_failed": N_("The resource already exists (If-None-Match failed)."),
    "collection_at_url": N_("A collection exists at this URL."),
    "vcard_uid_taken": N_("Another vCard of this address book already has the UID %(uid)s."),
    "calendar_uid_taken": N_("Another object of this calendar already has the UID %(uid)s."),
    "object_missing": N_("The resource does not exist."),
    "only_vcards": N_("Only vCards can be stored in an address book."),
    "collection_read_only": N_("This collection is maintained by the server."),
    "target_refuses_component": N_("The target calendar does not accept %(kind)s components."),
    # Refusals for DAV clients: vCards and address-book queries.
    "vcard_too_large": N_("The vCard is %(size)s bytes; at most %(max)s bytes are accepted."),
    "vcard_not_utf8": N_("The vCard is not UTF-8 text."),
    "vcard_control_character": N_(
        "Line %(line)s contains the control character %(character)s, which a vCard may not "
        "hold (RFC 6350 §3.3); write line breaks in values as \\n."
    ),
    "vcard_unreadable": N_("The vCard cannot be read: %(reason)s"),
    "one_vcard": N_("An address object must hold exactly one vCard."),
    "vcard_version": N_("Only vCard 3.0 and 4.0 are supported."),
    "vcard_needs_fn": N_("A vCard needs an FN (formatted name)."),
    "vcard_one_uid": N_("A vCard may have only one UID."),
    "card_collation_unsupported": N_("The collation %(collation)s is not supported."),
    "match_type_unsupported": N_("The match-type %(match_type)s is not supported."),
    # Refusals for DAV clients: recurrence limits and calendar queries.
    "answer_too_many_instances": N_(
        "The answer would hold more than %(max)s recurrence instances (CALDAV:max-instances); "
        "ask for a shorter time range."
    ),
    "expansion_time_used_up": N_(
        "The request used up its %(seconds)s s for expanding recurrences; ask for a shorter "
        "time range or fewer objects."
    ),
    "object_too_many_instances": N_(
        "A calendar object has more than %(max)s recurrence instances in the requested time "
        "range (CALDAV:max-instances); ask for a shorter time range."
    ),
    "recurrence_too_many_instances": N_(
        "The recurrence makes more than %(max)s instances (a series without end counts those "
        "until %(horizon)s); this server accepts at most %(max)s (CALDAV:max-instances). Use a "
        "coarser frequency, a COUNT or an UNTIL."
    ),
    "rule_walk_too_long": N_(
        "A recurrence rule (%(rule)s) would have to be followed for more than %(steps)s steps "
        "to reach the requested time range (CALDAV:max-instances)."
    ),
    "collation_unsupported": N_(
        "The collation %(collation)s is not supported; use one of %(supported)s."
    ),
    "filter_root_not_vcalendar": N_("The outermost comp-filter must name VCALENDAR."),
    "time_range_on_vcalendar": N_("A time-range on VCALENDAR is not supported."),
    "comp_filter_misplaced": N_("A %(name)s comp-filter cannot be nested in %(parent)s."),
    "comp_filter_mixed": N_("The %(name)s comp-filter mixes is-not-defined with tests."),
    "time_range_on_component": N_("A time-range on %(name)s is not supported."),
    "prop_filter_mixed": N_("The %(name)s prop-filter mixes is-not-defined with tests."),
    "prop_filter_two_tests": N_("The %(name)s prop-filter has both time-range and text-match."),
    "text_match_unsupported": N_("A text-match on %(name)s is not supported."),
    "param_filter_mixed": N_("The %(name)s param-filter mixes is-not-defined with text-match."),
    "time_range_on_non_date": N_("%(name)s has no date value, so it cannot take a time-range."),
    "time_range_on_property": N_("A time-range on the %(name)s property is not supported."),
    "property_time_range_inside": N_("A property time-range inside %(name)s is not supported."),
    # Refusals for DAV clients: iCalendar data.
    "calendar_not_utf8": N_(
        "The calendar data is not UTF-8 text: byte %(byte)s on line %(line)s is not valid "
        "UTF-8 (CalDAV stores iCalendar as UTF-8; convert the file first)."
    ),
    "calendar_control_character": N_(
        "Line %(line)s contains the control character %(character)s, which iCalendar does not "
        "allow."
    ),
    "fold_without_line": N_(
        "Line %(line)s is indented, but there is no line before it to continue."
    ),
    "not_a_content_line": N_("Line %(line)s is not an iCalendar content line: %(reason)s"),
    "line_without_colon": N_("%(text)s has no ':' between the property name and its value."),
    "line_without_name": N_("%(text)s does not start with a property name followed by ';' or ':'."),
    "line_bad_parameters": N_(
        "%(text)s has a malformed parameter list (each parameter must be NAME=value)."
    ),
    "calendar_body_empty": N_(
        "The body is empty; expected an iCalendar object (BEGIN:VCALENDAR ... END:VCALENDAR)."
    ),
    "calendar_bad_start": N_(
        "The body must start with BEGIN:VCALENDAR, but line %(line)s is %(found)s."
    ),
    "line_after_vcalendar": N_(
        "Line %(line)s follows END:VCALENDAR; a calendar object holds exactly one VCALENDAR."
    ),
    "nested_too_deeply": N_("Line %(line)s: components are nested too deeply."),
    "vtimezone_misplaced": N_("Line %(line)s: a VTIMEZONE must be a direct part of the VCALENDAR."),
    "unexpected_end": N_("Line %(line)s has END:%(kind)s where %(expected)s was expected."),
    "component_not_closed": N_(
        "BEGIN:%(kind)s on line %(line)s is never closed (the body ends before END:%(kind)s)."
    ),
    "not_a_component_name": N_("Line %(line)s: %(name)s is not a component name."),
    "calendar_object_too_large": N_(
        "The calendar object is %(size)s bytes; this calendar accepts at most %(max)s bytes."
    ),
    "calendar_refuses_component": N_("This calendar does not accept %(kind)s components."),
    "unparsable_line": N_("Cannot parse line %(line)s: %(reason)s"),
    "unparsable_calendar": N_("Cannot parse the calendar data: %(reason)s"),
    "component_line_unreadable": N_("The a line of the %(component)s cannot be read: %(reason)s"),
    "property_unreadable_at_line": N_(
        "Line %(line)s: the %(name)s of the %(component)s cannot be read: %(reason)s"
    ),
    "property_unreadable": N_("The %(name)s of the %(component)s cannot be read: %(reason)s"),
    "repeated_property_at_line": N_(
        "The %(component)s (line %(line)s) has more than one %(name)s property."
    ),
    "repeated_property": N_("The %(component)s has more than one %(name)s property."),
    "event_without_start_uid": N_(
        "A VEVENT (uid %(uid)s) has no DTSTART; every event needs a start."
    ),
    "event_without_start": N_("A VEVENT has no DTSTART; every event needs a start."),
    "no_component": N_(
        "The VCALENDAR holds no calendar component (VEVENT, VTODO, VJOURNAL, VFREEBUSY or "
        "VAVAILABILITY)."
    ),
    "mixed_components": N_(
        "A calendar object resource holds one kind of component, but this one has %(kinds)s "
        "(RFC 4791 §4.1)."
    ),
    "itip_method": N_(
        "The VCALENDAR has METHOD:%(method)s; an iTIP method is not allowed in a calendar "
        "object resource (RFC 4791 §4.1). Remove the METHOD line."
    ),
    "component_without_uid_at_line": N_(
        "The %(kind)s starting on line %(line)s has no UID; every component needs one "
        "(RFC 4791 §4.1)."
    ),
    "component_without_uid": N_(
        "The %(kind)s has no UID; every component needs one (RFC 4791 §4.1)."
    ),
    "several_uids": N_(
        "All components of a calendar object resource share one UID, but this one has "
        "%(count)s (%(uids)s); store each UID as its own resource (RFC 4791 §4.1)."
    ),
    "several_masters": N_(
        "The object has %(count)s %(kind)s components without RECURRENCE-ID; at most one may "
        "be the master, the others must be overrides with a RECURRENCE-ID (RFC 4791 §4.1)."
    ),
    "repeated_override": N_("Two overrides have the same RECURRENCE-ID (%(value)s)."),
    "end_and_duration_at_line": N_(
        "The %(name)s starting on line %(line)s has both DTEND and DURATION; RFC 5545 allows "
        "only one of them."
    ),
    "end_and_duration": N_(
        "The %(name)s has both DTEND and DURATION; RFC 5545 allows only one of them."
    ),
    "rule_not_expandable": N_("The recurrence rule %(rule)s cannot be expanded: %(reason)s."),
    # Refusals for DAV clients: time zones in iCalendar data.
    "tz_rule_without_start": N_("The %(rule)s rule starting on line %(begin)s has no DTSTART."),
    "tz_offset_too_large": N_(
        "Line %(line)s: %(value)s is not a UTC offset any time zone has (at most ±16:00)."
    ),
    "tz_rule_unreal": N_("Line %(line)s: the RRULE of a %(rule)s time zone rule %(problem)s."),
    "tz_too_many_onsets": N_(
        "The VTIMEZONE starting on line %(line)s defines about %(count)s offset changes; real "
        "time zones have a few hundred at most (limit %(max)s)."
    ),
    "tz_rule_not_yearly": N_(
        "repeats %(frequency)s (interval %(interval)s) where time zone rules repeat YEARLY"
    ),
    "tz_rule_needless_part": N_("uses %(part)s, which time zone rules do not need"),
    "tz_rule_too_many_values": N_(
        "lists %(count)s %(part)s values where time zone rules have at most %(max)s"
    ),
    "tz_rule_weekly": N_("fires every week where time zone rules fire once a year"),
    "tz_value_unreadable_at": N_(
        "Line %(line)s: the %(name)s of a %(rule)s rule starting on line %(begin)s cannot be "
        "read: %(reason)s."
    ),
    "tz_value_unreadable": N_(
        "Line %(line)s: the %(name)s of a %(rule)s rule cannot be read: %(reason)s."
    ),
    # Lists of the API and the admin UI.
    "list_sort_invalid": N_("'sort' must be one of %(columns)s (or -name)."),
    "list_query_too_long": N_("'q' may have at most %(max)s characters."),
    "list_limit_invalid": N_("'limit' must be a whole number from 1 to %(max)s."),
    # The installation.
    "language_invalid": N_("The language must be one of: %(languages)s."),
    "address_too_long": N_("An address may have at most %(max)s characters."),
    # The phonebook's manual entries.
    "synced_entry_read_only": N_(
        "A synced (S) entry is changed at its source; copy it to manual to edit it here."
    ),
    # The directory's records a connection feeds.
    "synced_contact_read_only": N_(
        "This contact person comes from the connection %(connection)s and is changed at its "
        "source; here only its export via CardDAV can be switched."
    ),
    "synced_company_read_only": N_(
        "This company was made by the connection %(connection)s and is changed at its source."
    ),
    # Connections to data sources.
    "no_such_connection": N_("There is no such connection."),
    "connection_name_length": N_("A connection needs a name of 1 to 200 characters."),
    "connection_name_taken": N_("A connection with this name exists already."),
    "connection_target_invalid": N_("The target must be one of: %(targets)s."),
    "connection_interval_invalid": N_(
        "The interval must be off, 5, 15, 60 minutes or daily (1440)."
    ),
    "connector_type_unknown": N_(
        "There is no connector type '%(type)s'; the types are: %(types)s."
    ),
    "connection_test_failed": N_("The connection was not saved: %(reason)s"),
    "no_such_run": N_("There is no such connector run."),
    "connection_description_invalid": N_("A description is text of at most %(max)s characters."),
    "connection_priority_invalid": N_(
        "The priority must be a whole number from %(min)s to %(max)s."
    ),
    "connection_enabled_invalid": N_("'enabled' must be true or false."),
    "connection_object_invalid": N_("'%(name)s' must be an object whose values are texts."),
    "connection_field_unknown": N_(
        "%(names)s: not a field of the %(target)s; its fields are: %(fields)s."
    ),
    "connection_source_field_unknown": N_(
        "The source has no field %(names)s; its fields are: %(fields)s."
    ),
    "connection_scope_invalid": N_(
        "The scope is an object with 'everyone' (true or false), 'users' (account ids) and 'groups' (group ids)."
    ),
    "connection_scope_unknown_users": N_("There is no user account with id %(ids)s."),
    "connection_scope_unknown_groups": N_("There is no group with id %(ids)s."),
    "connection_setting_not_bool": N_("The setting '%(name)s' must be true or false."),
    "connection_setting_not_text": N_("The setting '%(name)s' must be text."),
    "connection_setting_too_long": N_(
        "The setting '%(name)s' may have at most %(max)s characters."
    ),
    "connection_setting_choice": N_("The setting '%(name)s' must be one of: %(choices)s."),
    "connection_setting_unknown": N_("The connector type %(type)s has no setting %(names)s."),
    "connection_setting_required": N_("The setting '%(name)s' is required."),
    "connection_type_fixed": N_(
        "The type of a connection cannot be changed; make a new connection instead."
    ),
    "connection_target_fixed": N_(
        "The target of a connection cannot be changed; make a new connection instead."
    ),
    "connection_change_unknown": N_("A connection has no part %(names)s that could be changed."),
    "connection_run_active": N_("The connection has a run queued or running already."),
    "connection_other_type": N_(
        "The connection '%(name)s' is a %(type)s connection; this import needs one of type %(wanted)s."
    ),
    # Imports of .ics and .vcf files (lines are the file's).
    "import_outside_calendar": N_("Line %(line)s is outside BEGIN:VCALENDAR."),
    "import_end_without_begin": N_("Line %(line)s: END:%(kind)s has no BEGIN."),
    "import_not_closed": N_("BEGIN:%(kind)s on line %(line)s is not closed."),
    "import_no_calendar": N_("The file holds no BEGIN:VCALENDAR."),
    "import_outside_vcard": N_("Line %(line)s is outside a vCard."),
    "import_uid_twice": N_("The file holds this UID twice."),
    "vcard_import_personal_only": N_("vCards can be imported into a personal address book only."),
    "vcard_without_company": N_(
        "The vCard names no company (ORG); every contact of the directory belongs to one."
    ),
    # External CalDAV calendars (issue 15).
    "no_such_external_account": N_("There is no such external account."),
    "no_such_external_sync": N_("There is no such external calendar sync."),
    "external_text_invalid": N_("'%(name)s' must be text of at most %(max)s characters."),
    "external_url_invalid": N_(
        "The CalDAV URL must start with http:// or https:// and name a host."
    ),
    "external_unreachable": N_("The CalDAV server did not answer: %(reason)s"),
    "external_login_refused": N_(
        "The CalDAV server refused the user name or password (HTTP %(status)s)."
    ),
    "external_no_calendars": N_("No calendar was found at or below this URL (tried %(tried)s)."),
    "external_remote_calendar_unknown": N_(
        "The account lists no calendar %(url)s; pick one of those it found."
    ),
    "external_local_calendar_unknown": N_("There is no calendar %(name)s on this server."),
    "external_local_calendar_choice": N_(
        "Name the local calendar either by 'local_calendar' (its /dav/ path) or by 'resource' (a slug)."
    ),
    "external_local_calendar_paired": N_(
        "This calendar is synced with an external calendar already."
    ),
    "external_conflict_invalid": N_("The conflict policy must be one of: %(choices)s."),
    "external_interval_invalid": N_("The interval must be a whole number of minutes from 1 to 60."),
    "external_flag_invalid": N_("'%(name)s' must be true or false."),
    "external_sync_change_unknown": N_("A sync has no part %(names)s that could be changed."),
    "external_sync_busy": N_("This sync is running in another process; try again in a moment."),
    # Connectors: their checks, failures and skipped rows (kept in a module of their own).
    **CONNECTOR_MESSAGES,
    **SCHEDULING_MESSAGES,
    **FREE_BUSY_MESSAGES,  # free-busy and opening hours
    **BACKUP_MESSAGES,  # backups and restores (kept in a module of their own)
    **EXTERNAL_CALENDAR_MESSAGES,
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

    def as_json(self) -> dict[str, object]:
        """{"code", "values"} for storing, nested sentences in the same shape."""
        values = {
            name: value.as_json() if isinstance(value, Sentence) else value
            for name, value in self.params.items()
        }
        return {"code": self.code, "values": values}


def sentence_from_json(stored: object) -> Sentence | None:
    """The sentence `Sentence.as_json` stored; None for anything else (a row written
    before sentences were stored, or a code this server does not know)."""
    if not isinstance(stored, dict) or not isinstance(stored.get("code"), str):
        return None
    values: dict[str, Value] = {}
    for name, value in (stored.get("values") or {}).items():
        if isinstance(value, dict):
            nested = sentence_from_json(value)
            if nested is None:
                return None
            values[str(name)] = nested
        else:
            values[str(name)] = value if isinstance(value, int) else str(value)
    if stored["code"] not in MESSAGES:
        return None
    return Sentence(stored["code"], values)


def _as_written(template: str) -> str:
    return template


def sentence(code: str, **params: Value) -> Sentence:
    return Sentence(code, params)
