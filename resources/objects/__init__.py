"""Collections and what clients store in them.

Calendar collections, stored objects, change log, dead properties, address books, search
by index, .ics import. Layer 4 of resources/, bottom up: imports only errors and store,
formats, auth (tests/test_architecture.py).
"""
