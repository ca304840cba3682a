"""CalDAV REPORTs (RFC 4791): one module per REPORT, plus their request parsing."""
