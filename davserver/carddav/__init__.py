"""CardDAV (RFC 6352): address-data, addressbook-query and addressbook-multiget."""
