"""The davserver domain and its storage: no HTTP, no XML, no WsgiDAV here.

Sub-packages in layers, bottom up; each imports only the ones below it (never upward,
not even inside a function; tests/test_architecture.py checks it): `store` (tables,
connection, schema upgrades), `formats` (iCalendar and vCard: validate, index, query),
`auth` (credentials, passwords, access rules, throttle, secrets), `objects` (collections
and what clients store in them), `organisation` (branches, employees, accounts, groups,
resources and their calendars), `company_directory` (companies, contacts, phonebook,
the company book). `errors` sits under all of them.
"""
