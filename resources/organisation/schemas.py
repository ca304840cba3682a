"""The field schemas of branches, employees, user accounts, groups and resources: each
field declared once (kind, required, maximum length, choices, help); the API, the admin
forms and the admin lists are computed from these."""

from __future__ import annotations

from resources.auth.passwords import PASSWORD_MAX
from resources.organisation.accounts import ROLES
from resources.organisation.branches import ADDRESS_MAX, DEFAULT_TIMEZONE
from resources.organisation.employees import EMAIL_MAX, NAME_MAX
from resources.organisation.opening_hours import TEXT_MAX as OPENING_HOURS_MAX
from resources.organisation.resource_calendars import KINDS
from resources.store.field_schema import (
    BOOL,
    CHOICE,
    COLOUR,
    EMAIL,
    MULTILINE,
    N_,
    REF,
    REFS,
    SECRET,
    TEXT,
    EntitySchema,
    FieldSpec,
)
from resources.store.organisation import AccountGroup, Branch, Employee, Resource, UserAccount

BRANCH = EntitySchema(
    "branch",
    Branch,
    (
        FieldSpec(
            "name", TEXT, N_("Name"), required=True, max_length=200, searchable=True, sortable=True
        ),
        FieldSpec("address", MULTILINE, N_("Address"), max_length=ADDRESS_MAX, searchable=True),
        FieldSpec(
            "timezone",
            TEXT,
            N_("Time zone"),
            required=True,
            max_length=64,
            default=DEFAULT_TIMEZONE,
            help=N_("Validity dates of logins are read in this zone."),
            sortable=True,
        ),
        FieldSpec(
            "opening_hours",
            TEXT,
            N_("Opening hours"),
            max_length=OPENING_HOURS_MAX,
            default="",
            help=N_(
                "For example Mo-Fr 08:00-12:00,13:00-18:00; Sa 09:00-13:00, in the time zone "
                "above. Outside them the branch's rooms show as unavailable. Empty: always open."
            ),
        ),
    ),
)

EMPLOYEE = EntitySchema(
    "employee",
    Employee,
    (
        FieldSpec(
            "first_name",
            TEXT,
            N_("First name"),
            max_length=NAME_MAX,
            searchable=True,
            sortable=True,
        ),
        FieldSpec(
            "last_name", TEXT, N_("Last name"), max_length=NAME_MAX, searchable=True, sortable=True
        ),
        FieldSpec(
            "email", EMAIL, N_("E-mail"), max_length=EMAIL_MAX, searchable=True, sortable=True
        ),
        FieldSpec(
            "home_branch",
            REF,
            N_("Home branch"),
            nullable=True,
            refers_to=Branch,
            refers_to_label="branch",
        ),
        FieldSpec("active", BOOL, N_("Active"), default=True, sortable=True),
    ),
)

ACCOUNT = EntitySchema(
    "user account",
    UserAccount,
    (
        FieldSpec(
            "login",
            TEXT,
            N_("Login"),
            required=True,
            max_length=200,
            searchable=True,
            sortable=True,
        ),
        FieldSpec(
            "display_name", TEXT, N_("Display name"), max_length=200, searchable=True, sortable=True
        ),
        FieldSpec(
            "employee",
            REF,
            N_("Employee"),
            nullable=True,
            refers_to=Employee,
            refers_to_label="employee",
        ),
        FieldSpec(
            "role",
            CHOICE,
            N_("Role"),
            required=True,
            choices=ROLES,
            default="user",
            max_length=10,
            sortable=True,
        ),
        FieldSpec("active", BOOL, N_("Active"), default=True, sortable=True),
        FieldSpec(
            "password",
            SECRET,
            N_("Password for signing in here"),
            max_length=PASSWORD_MAX,
            help=N_("Leave empty to keep the current password."),
        ),
    ),
)

GROUP = EntitySchema(
    "group",
    AccountGroup,
    (
        FieldSpec(
            "name",
            TEXT,
            N_("Name"),
            required=True,
            max_length=200,
            searchable=True,
            sortable=True,
            help=N_("Say who is in it, e.g. 'Sales North'."),
        ),
        FieldSpec(
            "members",
            REFS,
            N_("Members"),
            refers_to=UserAccount,
            refers_to_label="user account",
            default=(),
            help=N_("User accounts; whatever is granted to the group is granted to each of them."),
        ),
    ),
)

RESOURCE = EntitySchema(
    "resource",
    Resource,
    (
        FieldSpec(
            "kind",
            CHOICE,
            N_("Kind"),
            required=True,
            choices=KINDS,
            suggested="room",
            max_length=10,
            sortable=True,
        ),
        FieldSpec(
            "name", TEXT, N_("Name"), required=True, max_length=200, searchable=True, sortable=True
        ),
        FieldSpec(
            "slug",
            TEXT,
            N_("Short name in the calendar URL"),
            required=True,
            max_length=100,
            fixed_once_saved=True,
            help=N_("Lower-case letters, digits and hyphens. It cannot be changed after saving."),
            searchable=True,
            sortable=True,
        ),
        FieldSpec(
            "employee",
            REF,
            N_("Employee (for a person)"),
            nullable=True,
            refers_to=Employee,
            refers_to_label="employee",
        ),
        FieldSpec(
            "branch", REF, N_("Branch"), nullable=True, refers_to=Branch, refers_to_label="branch"
        ),
        FieldSpec("colour", COLOUR, N_("Colour"), default="#3A7BD5", max_length=9),
        FieldSpec(
            "sync_allowed",
            BOOL,
            N_("Sync allowed"),
            default=False,
            help=N_("Phones may sync this calendar (a person's own, or every room)."),
            sortable=True,
        ),
        FieldSpec("active", BOOL, N_("Active"), default=True, sortable=True),
    ),
)

ORGANISATION_SCHEMAS = (BRANCH, EMPLOYEE, ACCOUNT, GROUP, RESOURCE)
