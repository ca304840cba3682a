"""The web layer: the admin UI under /admin and the JSON API under /api/v1."""
