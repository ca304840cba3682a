"""The field schema of service credentials (the logins phones use), declared once: the
API, the admin form and the admin list are computed from it."""

from __future__ import annotations

from resources.auth.access import CALDAV, SERVICE_CLASSES
from resources.auth.credentials import CREDENTIAL_KINDS, USERNAME_MAX
from resources.auth.passwords import PASSWORD_MAX
from resources.store.field_schema import (
    BOOL,
    CHOICE,
    CHOICES,
    DATE,
    N_,
    REF,
    SECRET,
    TEXT,
    EntitySchema,
    FieldSpec,
)
from resources.store.organisation import Branch, ServiceCredential, UserAccount

CREDENTIAL = EntitySchema(
    "login",
    ServiceCredential,
    (
        FieldSpec(
            "username",
            TEXT,
            N_("User name"),
            required=True,
            max_length=USERNAME_MAX,
            fixed_once_saved=True,
            help=N_(
                "Unique. It cannot be changed after saving: to rename, delete the login and "
                "create it anew."
            ),
            searchable=True,
        ),
        FieldSpec(
            "display_name", TEXT, N_("Display name"), max_length=200, searchable=True, sortable=True
        ),
        FieldSpec(
            "kind",
            CHOICE,
            N_("Kind"),
            required=True,
            choices=CREDENTIAL_KINDS,
            default="individual",
            max_length=40,
        ),
        FieldSpec(
            "account",
            REF,
            N_("User account"),
            required=True,
            refers_to=UserAccount,
            refers_to_label="user account",
            api_name="user",
            help=N_(
                "The person this login acts for; a person resource of their employee is theirs."
            ),
        ),
        FieldSpec(
            "branch",
            REF,
            N_("Branch for new appointments"),
            required=True,
            refers_to=Branch,
            refers_to_label="branch",
        ),
        FieldSpec(
            "service_classes",
            CHOICES,
            N_("Service class"),
            required=True,
            choices=SERVICE_CLASSES,
            default=(CALDAV,),
        ),
        FieldSpec("valid_from", DATE, N_("Valid from"), nullable=True),
        FieldSpec("valid_until", DATE, N_("Valid until"), nullable=True),
        FieldSpec(
            "confirmed",
            BOOL,
            N_("Confirmed"),
            help=N_("Without this tick the login cannot be used."),
            sortable=True,
        ),
        # Set apart from the form (generated or typed twice); write-only.
        FieldSpec(
            "password",
            SECRET,
            N_("Password"),
            max_length=PASSWORD_MAX,
            in_form=False,
            updatable=False,
        ),
    ),
    extra_sorts={"username": "username_key"},
)
