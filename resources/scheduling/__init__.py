"""Scheduling (RFC 6638): calendar users and their addresses, inboxes and outboxes,
implicit scheduling of organizers' objects and the booking decisions of resources."""
