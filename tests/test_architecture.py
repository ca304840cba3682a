"""The layering of DESIGN §3: `resources` (domain and storage) imports nothing of HTTP,
XML or the DAV layer; every module says in its docstring what lives there."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_DOMAIN = ("davserver", "wsgidav", "lxml", "flask", "cheroot", "werkzeug", "requests")


def modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_imports_no_http_xml_or_dav_code():
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_names(path) & set(FORBIDDEN_IN_DOMAIN))
        for path in modules("resources")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_every_module_has_a_docstring():
    missing = [
        str(path.relative_to(ROOT))
        for package in ("resources", "davserver")
        for path in modules(package)
        if path.stat().st_size and ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []
