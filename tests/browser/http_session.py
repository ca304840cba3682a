"""A requests session signed in to the admin UI, posting forms with the CSRF token
the way the pages do (and without it, to see the refusal)."""

from __future__ import annotations

import re

import requests

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class AdminSession:
    def __init__(self, base_url: str, **headers: str) -> None:
        self.base = base_url + "/admin"
        self.http = requests.Session()
        self.http.headers.update(headers)
        self.token = ""

    def get(self, path: str, **options) -> requests.Response:
        response = self.http.get(self.base + path, timeout=30, **options)
        found = TOKEN.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def post(
        self, path: str, data: dict | None = None, *, with_token: bool = True, **options
    ) -> requests.Response:
        form = dict(data or {})
        if with_token:
            form.setdefault("csrf_token", self.token)
        response = self.http.post(self.base + path, data=form, timeout=30, **options)
        found = TOKEN.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def sign_in(self, login: str, password: str) -> requests.Response:
        self.get("/login")
        return self.post("/login", {"login": login, "password": password})
