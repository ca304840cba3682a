"""The business's organisation.

Branches, employees, accounts, groups, resources with their calendar and events, the
resource URL, the connection test, demo data. Layer 5 of resources/, bottom up: imports
only errors and store, formats, auth, objects (tests/test_architecture.py).
"""
