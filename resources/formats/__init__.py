"""Pure formats: iCalendar and vCard as text.

Validation and indexing, syntax, time zones, recurrence, occurrence lists, the
calendar-query and addressbook-query engines, and the upgrade step that fills occurrence
lists. Layer 2 of resources/, bottom up: imports only errors and store
(tests/test_architecture.py).
"""
