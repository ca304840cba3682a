"""davserver: a CalDAV/CardDAV groupware server for businesses."""

__version__ = "0.1.0"
