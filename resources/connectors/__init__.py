"""Connectors: data sources that feed the phonebook and the company directory (DESIGN §6)."""
