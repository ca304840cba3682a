"""The domain's sentences (refusals, connection-test checks, access reasons) in the
page's language: each is a catalogue code with its values (resources/error_codes.py),
and its template is looked up through gettext by that code's English template."""

from __future__ import annotations

from davserver.web.admin.i18n import translate
from resources.error_codes import Sentence
from resources.errors import DomainError


def translated(sentence: Sentence) -> str:
    """The sentence in the page's language (nested sentences too)."""
    return sentence.render(translate)


def refusal(error: DomainError) -> str:
    """A domain refusal in the page's language; one told without a code (the protocol
    layers' detailed sentences) is shown as written."""
    return translated(error.sentence) if error.sentence else error.message
