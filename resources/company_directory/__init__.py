"""The company directory and its address book.

Companies and contacts, the phonebook, the company book's vCards and the CardDAV
integration. Layer 6 of resources/, bottom up: imports only errors and store, formats,
auth, objects, organisation (tests/test_architecture.py).
"""
