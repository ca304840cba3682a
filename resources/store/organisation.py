"""The business's organisation as tables: branches, employees, user accounts, groups,
resources (people and rooms), service credentials and the audit log (DESIGN §2, seed 003)."""

from __future__ import annotations

import peewee

from resources.store.models_base import BaseModel


class Branch(BaseModel):
    name = peewee.CharField(max_length=200, unique=True)
    address = peewee.TextField(default="")
    timezone = peewee.CharField(max_length=64, default="Europe/Berlin")
    # "Mo-Fr 08:00-18:00; Sa 09:00-13:00" in the branch's zone; "" is always open.
    opening_hours = peewee.TextField(default="")
    created = peewee.DoubleField()


class Employee(BaseModel):
    first_name = peewee.CharField(max_length=200)
    last_name = peewee.CharField(max_length=200)
    email = peewee.CharField(max_length=320, default="")
    home_branch = peewee.ForeignKeyField(Branch, null=True, on_delete="SET NULL")
    home_branch_id: peewee.ForeignKeyField[int | None]  # the key column peewee adds
    active = peewee.BooleanField(default=True)
    created = peewee.DoubleField()


class UserAccount(BaseModel):
    login = peewee.CharField(max_length=200, unique=True)
    login_key = peewee.CharField(max_length=200, unique=True)  # casefolded
    display_name = peewee.CharField(max_length=200, default="")
    employee = peewee.ForeignKeyField(Employee, null=True, on_delete="SET NULL")
    employee_id: peewee.ForeignKeyField[int | None]  # the key column peewee adds
    role = peewee.CharField(max_length=10, default="user")  # "admin" or "user"
    password_hash = peewee.CharField(max_length=300, null=True)  # for the web UI and the API
    active = peewee.BooleanField(default=True)
    auth_version = peewee.IntegerField(default=1)
    created = peewee.DoubleField()


class AccountGroup(BaseModel):
    name = peewee.CharField(max_length=200, unique=True)
    created = peewee.DoubleField()


class GroupMembership(BaseModel):
    group = peewee.ForeignKeyField(AccountGroup, on_delete="CASCADE")
    group_id: peewee.ForeignKeyField[int]  # the key column peewee adds
    account = peewee.ForeignKeyField(UserAccount, on_delete="CASCADE")
    account_id: peewee.ForeignKeyField[int]  # the key column peewee adds

    class Meta:
        indexes = ((("group", "account"), True),)


class Resource(BaseModel):
    """A person (has an employee) or a room; each has exactly one calendar."""

    kind = peewee.CharField(max_length=10)  # "person" or "room"
    name = peewee.CharField(max_length=200)
    slug = peewee.CharField(max_length=100, unique=True)
    employee = peewee.ForeignKeyField(Employee, null=True, on_delete="RESTRICT")
    employee_id: peewee.ForeignKeyField[int | None]  # the key column peewee adds
    branch = peewee.ForeignKeyField(Branch, null=True, on_delete="SET NULL")
    branch_id: peewee.ForeignKeyField[int | None]  # the key column peewee adds
    colour = peewee.CharField(max_length=9, default="#3A7BD5")
    sync_allowed = peewee.BooleanField(default=False)
    active = peewee.BooleanField(default=True)
    created = peewee.DoubleField()


class ServiceCredential(BaseModel):
    """A login a device uses; the username never changes after creation."""

    username = peewee.CharField(max_length=200, unique=True)
    username_key = peewee.CharField(
        max_length=200, unique=True
    )  # casefolded, for uniqueness and lookup
    kind = peewee.CharField(max_length=40, default="individual")  # "individual user/password"
    account = peewee.ForeignKeyField(UserAccount, null=True, on_delete="CASCADE")
    account_id: peewee.ForeignKeyField[int | None]  # the key column peewee adds
    branch = peewee.ForeignKeyField(Branch, null=True, on_delete="SET NULL")
    branch_id: peewee.ForeignKeyField[int | None]  # the key column peewee adds
    service_classes = peewee.CharField(
        max_length=40, default="caldav"
    )  # "caldav", "carddav" or both
    valid_from = peewee.DateField(null=True)
    valid_until = peewee.DateField(null=True)
    confirmed = peewee.BooleanField(default=False)
    integration = peewee.BooleanField(
        default=False
    )  # a CardDAV integration credential (company book only)
    password_hash = peewee.CharField(max_length=300, null=True)
    display_name = peewee.CharField(max_length=200, default="")
    auth_version = peewee.IntegerField(default=1)  # bumped on any change that affects login
    last_used = peewee.DoubleField(null=True)
    last_refusal = peewee.CharField(max_length=40, null=True)
    last_refusal_at = peewee.DoubleField(null=True)
    created = peewee.DoubleField()


class AuditEntry(BaseModel):
    """Who changed access to what, and when."""

    at = peewee.DoubleField(index=True)
    actor = peewee.CharField(max_length=200)
    action = peewee.CharField(max_length=60)
    target = peewee.CharField(max_length=300)
    details = peewee.TextField(default="")


ORGANISATION_MODELS = [
    Branch,
    Employee,
    UserAccount,
    AccountGroup,
    GroupMembership,
    Resource,
    ServiceCredential,
    AuditEntry,
]
