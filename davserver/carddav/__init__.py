"""CardDAV (RFC 6352): the addressbook-multiget and addressbook-query REPORTs, address-data,
vCards in the version a GET asks for, and reports.py, the table the app builder gives the
DAV app."""
