"""Two-way sync with external CalDAV calendars (issue 15, seed 001): accounts and their
discovery, sync pairs, pulls, and pushes through the outbox."""
