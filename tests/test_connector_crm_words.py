"""The CRM connector types' own words (type names, setting labels and help) have a German
translation in the admin UI's catalogue, so the schema-driven form shows them in both
languages; the translations keep their placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from resources.connectors.salesforce import SALESFORCE
from resources.connectors.sugarcrm import SUGARCRM

CATALOGUE = (
    Path(__file__).resolve().parents[1] / "davserver/web/translations/de/LC_MESSAGES/messages.po"
)


def german() -> dict[str, str]:
    with CATALOGUE.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and not m.fuzzy}


@pytest.mark.parametrize("kind", [SALESFORCE, SUGARCRM], ids=lambda kind: kind.key)
def test_every_label_and_help_has_a_german_translation(kind):
    translations = german()
    words = [kind.label] + [w for spec in kind.settings for w in (spec.label, spec.help) if w]
    missing = [word for word in words if not translations.get(word)]
    assert not missing, missing
