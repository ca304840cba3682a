"""The layering of DESIGN §3: `resources` (domain and storage) imports nothing of HTTP,
XML or the DAV layer, its sub-packages import only the layers below them, and every
module says in its docstring what lives there."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_DOMAIN = (
    "davserver",
    "wsgidav",
    "lxml",
    "flask",
    "cheroot",
    "werkzeug",
    "requests",
    "http",
    "xml",
    "urllib.request",
    "defusedxml",
)
# resources/ bottom up: a package imports itself and the lines above this one's, never a
# line below, nor a peer on its own line. `errors` is every layer's vocabulary.
LAYERS = (
    ("connector_codes", "scheduling_codes"),  # parts of the catalogue (they import nothing)
    ("free_busy_codes",),  # free-busy's and room lookup's part of the catalogue (likewise)
    ("backup_codes",),  # the backups' part of the catalogue (it imports nothing)
    (
        "external_calendar_codes",
    ),  # the external calendars' part of the catalogue (it imports nothing)
    ("error_codes",),  # the catalogue of sentences for people, by code
    ("errors",),
    ("store",),  # tables, the connection, versioned schema upgrades
    ("formats",),  # iCalendar and vCard as text: validate, index, query; no tables of their own
    ("auth",),  # who logs in and what they may see
    ("objects",),  # collections and the objects clients store in them
    ("organisation",),  # branches, employees, accounts, groups, resources and their calendars
    ("company_directory",),  # companies, contacts, phonebook, the company book
    ("connectors", "external_calendars", "scheduling"),  # room left: peers, none imports another
)
LEVEL = {package: level for level, names in enumerate(LAYERS) for package in names}


def modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Every absolute module an import anywhere in the file names (inside functions too);
    `from a import b` names both `a` and `a.b`, since b may be a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN_IN_DOMAIN)


def test_domain_imports_no_http_xml_or_dav_code():
    offenders = {
        str(path.relative_to(ROOT)): sorted(filter(forbidden, imported_modules(path)))
        for path in modules("resources")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def layer_of(path: Path) -> str | None:
    """The layer package a file of resources/ belongs to (None for resources/__init__.py)."""
    parts = path.relative_to(ROOT / "resources").with_suffix("").parts
    return None if parts == ("__init__",) else parts[0]


def test_every_part_of_resources_has_a_layer():
    unplaced = sorted(
        entry.name
        for entry in (ROOT / "resources").iterdir()
        if (entry.suffix == ".py" and entry.name != "__init__.py" and entry.stem not in LEVEL)
        or (entry.is_dir() and (entry / "__init__.py").exists() and entry.name not in LEVEL)
    )
    assert unplaced == [], "place these in a layer (a sub-package named in LAYERS)"


def test_layers_import_only_downward_even_inside_functions():
    upward = {}
    for path in modules("resources"):
        source = layer_of(path)
        if source not in LEVEL:
            continue
        for name in imported_modules(path):
            parts = name.split(".")
            if parts[0] != "resources" or len(parts) < 2 or parts[1] == source:
                continue
            target = parts[1]
            if target in LEVEL and LEVEL[target] >= LEVEL[source]:
                upward.setdefault(str(path.relative_to(ROOT)), []).append(name)
    assert upward == {}


def test_every_module_has_a_docstring():
    missing = [
        str(path.relative_to(ROOT))
        for package in ("resources", "davserver")
        for path in modules(package)
        if path.stat().st_size
        and ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []


# davserver's DAV packages: dav/ is generic WebDAV, and caldav/ and carddav/ build on it
# without leaning on each other: what both need lives in dav/.
DAV_PACKAGES_NEVER_IMPORTED = {
    "davserver/dav": ("davserver.caldav", "davserver.carddav"),
    "davserver/caldav": ("davserver.carddav",),
    "davserver/carddav": ("davserver.caldav",),
}


def test_dav_imports_neither_caldav_nor_carddav_and_they_not_each_other():
    crossing = {}
    for package, never in DAV_PACKAGES_NEVER_IMPORTED.items():
        for path in modules(package):
            names = sorted(
                name
                for name in imported_modules(path)
                if any(name == n or name.startswith(n + ".") for n in never)
            )
            if names:
                crossing[str(path.relative_to(ROOT))] = names
    assert crossing == {}
