"""The web layer: JSON API under /api/v1 (and the admin UI under /admin, later)."""
