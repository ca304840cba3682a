"""Helpers for the admin UI tests: headless Debian Chromium through Playwright, and a
requests session that signs in to /admin and posts forms with the CSRF token."""
