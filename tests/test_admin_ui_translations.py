"""Every string of the admin UI is translatable and translated (issue 6 §4): the
messages extracted from the code and templates all have a German translation with
the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "davserver" / "web" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted_messages() -> set[str]:
    with open(TRANSLATIONS / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _ctx in found
    }


def german() -> dict[str, str]:
    with open(TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and not m.fuzzy}


def test_every_message_has_a_german_translation():
    translations = german()
    extracted = extracted_messages()
    assert len(extracted) > 100, "the extraction found (almost) nothing: check babel.cfg"
    missing = sorted(m for m in extracted if not translations.get(m))
    assert not missing, f"untranslated (run pybabel update, then translate): {missing}"


def test_translations_keep_their_placeholders():
    for message, translation in german().items():
        assert set(PLACEHOLDER.findall(message)) == set(PLACEHOLDER.findall(translation)), message


def test_every_word_a_connector_type_declares_is_translated():
    from davserver.web.admin.connector_words import CHOICE_LABELS
    from resources.connectors.catalogue import connector_types

    translations = german()
    registry = connector_types()
    for key in registry.keys():
        kind = registry.get(key)
        assert kind is not None and translations.get(kind.label), key
        for spec in kind.settings:
            assert translations.get(spec.label), (key, spec.name)
            assert not spec.help or translations.get(spec.help), (key, spec.name)
            assert all(choice in CHOICE_LABELS for choice in spec.choices), (key, spec.name)


def test_the_sentences_of_connectors_are_matched_by_their_templates():
    """The German of a connector's sentence comes from the template it was written from."""
    from davserver.web.admin.connector_words import template_for
    from resources.connectors.source_http import status_sentence

    written = {
        status_sentence(401): (
            "The server refused the user name or password (HTTP %(status)s).",
            {"status": "401"},
        ),
        status_sentence(404): ("The server has no file at this URL (HTTP 404).", {}),
        status_sentence(500): (
            "The server answered HTTP %(status)s instead of the file.",
            {"status": "500"},
        ),
        "The file is CSV with 6 columns and 2 rows.": (
            "The file is CSV with %(columns)s columns and %(rows)s rows.",
            {"columns": "6", "rows": "2"},
        ),
    }
    for english, expected in written.items():
        assert template_for(english) == expected, english
    assert template_for("A sentence no connector writes.") is None
