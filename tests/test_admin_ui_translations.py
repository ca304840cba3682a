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


def test_the_sentences_of_connectors_are_translated_by_their_code():
    """A connector's sentence is a catalogue code with values; its German comes from the
    code's template (every code has one: tests/test_error_codes.py), never from its
    English words."""
    from davserver.web.admin.connector_words import row_error
    from davserver.web.admin.i18n import catalog
    from resources.connectors.source_http import status_sentence
    from resources.error_codes import sentence

    german = catalog("de").gettext
    refused = status_sentence(401)
    assert refused.code == "source_login_refused"
    assert refused.english == "The server refused the user name or password (HTTP 401)."
    assert "401" in refused.render(german) and refused.render(german) != refused.english
    assert status_sentence(404).code == "source_no_file"
    assert status_sentence(500).english == "The server answered HTTP 500 instead of the file."
    found = sentence("csv_file_ok", columns=6, rows=2)
    assert found.english == "The file is CSV with 6 columns and 2 rows."
    assert found.render(german) == german(
        "The file is CSV with %(columns)s columns and %(rows)s rows."
    ) % {"columns": 6, "rows": 2}
    # a row error of a run before the upgrade has only its English, shown as written
    assert row_error({"line": 3, "message": "Something a run wrote once."}) == (
        "Something a run wrote once."
    )
