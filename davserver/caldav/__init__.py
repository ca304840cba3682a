"""CalDAV REPORTs (RFC 4791 §7): one module per REPORT, their request parsing, the
calendar-data renderer, and reports.py, the table the app builder gives the DAV app."""
