"""Storage: peewee models, the database connection and versioned schema upgrades."""
