"""Errors the domain raises; each carries the data a protocol layer needs to answer.

The DAV layer maps these to a status and a precondition element in one place
(davserver/dav/errors.py); nothing here knows about HTTP. Every refusal raised in
resources/ carries a `Sentence` of the catalogue (resources/error_codes.py): its stable
code and the values of its placeholders, and, where it concerns one, the field. Code
outside resources/ (the DAV layer's request parsing) may still raise one with a plain
English sentence; its `code` is then None.
"""

from __future__ import annotations

from resources.error_codes import Sentence, Value


class DomainError(Exception):
    """Base for every refusal the domain explains in a sentence.

    Either `DomainError(code="branch_name_length", field="name", **params)`, or a catalogue
    `Sentence` as the first argument, or a plain sentence (then `code` and `sentence` are
    None). `message` is always the English text."""

    def __init__(
        self,
        message: str | Sentence = "",
        *,
        code: str | None = None,
        field: str | None = None,
        **params: Value,
    ) -> None:
        if code is not None:
            message = Sentence(code, params)
        self.sentence: Sentence | None = message if isinstance(message, Sentence) else None
        self.code: str | None = self.sentence.code if self.sentence else None
        self.field = field
        self.message: str = self.sentence.english if self.sentence else str(message)
        super().__init__(self.message)


class NotFound(DomainError):
    """The named thing does not exist (or must look as if it did not)."""


class AlreadyExists(DomainError):
    """Something already exists where a new thing was to be created."""


class ParentMissing(DomainError):
    """The collection a new member was to be created in does not exist."""


class PreconditionFailed(DomainError):
    """An If-Match / If-None-Match condition did not hold at write time."""


class InvalidCalendarData(DomainError):
    """The body is not parseable iCalendar (RFC 4791 CALDAV:valid-calendar-data)."""


class InvalidCalendarObject(DomainError):
    """Parseable iCalendar that breaks the object-resource rules of RFC 4791 §4.1
    (CALDAV:valid-calendar-object-resource)."""


class UnsupportedComponent(DomainError):
    """A component type the calendar does not accept (CALDAV:supported-calendar-component)."""

    def __init__(self, message: str | Sentence, component: str) -> None:
        super().__init__(message)
        self.component = component


class ResourceTooLarge(DomainError):
    """The object is larger than max-resource-size (CALDAV:max-resource-size)."""

    def __init__(self, message: str | Sentence, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class UidConflict(DomainError):
    """Another object of the calendar already has this UID (CALDAV:no-uid-conflict)."""

    def __init__(self, message: str | Sentence, holder_name: str) -> None:
        super().__init__(message)
        self.holder_name = holder_name


class InvalidProperty(DomainError):
    """A property value that cannot be stored as given."""


class ProtectedProperty(DomainError):
    """A live property that clients may not change (DAV:cannot-modify-protected-property)."""


class InvalidLocation(DomainError):
    """A collection of this kind cannot be created here (e.g. a calendar in a calendar)."""


class CredentialRefused(DomainError):
    """A login that must not be let in; `reason_code` is for the administrator only."""

    def __init__(self, message: str | Sentence, reason_code: str) -> None:
        super().__init__(message)
        self.reason_code = reason_code


class InvalidAddressData(DomainError):
    """The body is not one valid vCard 3.0 or 4.0 (RFC 6352 CARDDAV:valid-address-data)."""


class AddressUidConflict(UidConflict):
    """Another vCard of the address book has this UID (CARDDAV:no-uid-conflict)."""


class AddressResourceTooLarge(ResourceTooLarge):
    """The vCard is larger than the address book accepts (CARDDAV:max-resource-size)."""


class ReadOnlyCollection(DomainError):
    """The collection is maintained by the server; clients cannot change it (DAV:need-privileges)."""


class ReservedName(DomainError):
    """A personal collection name that a resource's calendar uses: resource slugs and the
    top-level names of calendar homes share one namespace (CALDAV:calendar-collection-location-ok)."""

    def __init__(self, message: str | Sentence, name: str) -> None:
        super().__init__(message)
        self.name = name


class TooManyInstances(DomainError):
    """A recurrence set with more instances than the server expands or stores
    (RFC 4791 §5.2.8 CALDAV:max-instances); `limit` is the number allowed."""

    def __init__(self, message: str | Sentence, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class RequestTimeExhausted(DomainError):
    """One request used up its time budget while expanding recurrences; it is
    answered at once so that it cannot starve the others (503)."""

    def __init__(self, message: str | Sentence, seconds: float) -> None:
        super().__init__(message)
        self.seconds = seconds


class AnswerTooLarge(TooManyInstances):
    """One answer would expand more than max-instances instances in all (C:expand over
    many objects): the answer is cut there (507 for the request-URI in a multistatus)."""
