"""Who logs in and what they may see.

Service credentials, password hashing, access rules, the login throttle, shared secrets
and the audit log of access changes. Layer 3 of resources/, bottom up: imports only
errors and store, formats (tests/test_architecture.py).
"""
