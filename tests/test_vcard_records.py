"""The vCard reader of the vCard connectors on real exports from the corpus (copied to
tests/data/vcard/, provenance in its PROVENANCE.md): vCard 2.1 quoted-printable
with soft line breaks and charsets, Windows-1252 bytes, a byte-order mark, 3.0 and 4.0,
several cards a file, read in chunks of any size."""

from __future__ import annotations

from pathlib import Path

import pytest

from resources.formats.vcard_records import (
    Card,
    CardProblem,
    VCardUnreadable,
    card_key,
    card_values,
    read_cards,
)

CORPUS = Path(__file__).parent / "data" / "vcard"


def cards_of(data: bytes, chunk: int = 7) -> list[dict[str, str] | str]:
    found: list[dict[str, str] | str] = []
    for item in read_cards(data[i : i + chunk] for i in range(0, len(data), chunk)):
        if isinstance(item, Card):
            found.append({k: v for k, v in card_values(item).items() if v})
        else:
            found.append(item.message)
    return found


@pytest.mark.parametrize("chunk", [1, 7, 65536])
def test_android_21_quoted_printable_with_soft_line_breaks(chunk):
    cards = cards_of((CORPUS / "android_21_multi_contact_qp_utf8_photo.vcf").read_bytes(), chunk)
    assert len(cards) == 6
    assert cards[0] == {"email": "john.doe@company.com"}
    long_name = cards[3]
    assert long_name["last_name"] == " ".join(["\u00d1"] * 11)  # joined over the soft break
    assert (long_name["phone_mobile"], long_name["phone_home"]) == ("123456", "234567")
    bob = cards[4]
    assert (bob["last_name"], bob["first_name"]) == ("\u00d1 \u00d1", "\u00d1 \u00d1 \u00d1")
    assert bob["company"] == "\u00d1" * 12
    assert (bob["phone_work"], bob["phone_fax"]) == ("123456", "123456")
    assert bob["email"] == "bob@company.com"  # the first preferred one


def test_outlook_21_bare_types_and_windows_1252_bytes():
    outlook = cards_of((CORPUS / "outlook2007_21_qp_note_label_photo_ms_props.vcf").read_bytes())
    assert outlook == [
        {
            "last_name": "Angstadt",
            "first_name": "Michael",
            "company": "TheCompany",
            "department": "TheDepartment",
            "full_name": "Mr. Michael Angstadt Jr.",
            "title": "TheJobTitle",
            "phone_work": "(111) 555-1111",
            "phone_home": "(111) 555-2222",
            "phone_mobile": "(111) 555-4444",
            "phone_fax": "(111) 555-3333",
            "email": "mike.angstadt@gmail.com",
        }
    ]
    german = cards_of((CORPUS / "windows1252_21_qp_umlauts_charset.vcf").read_bytes())
    assert german[0]["last_name"] == "N\u00fc\u00dflebaum"
    assert german[0]["first_name"] == "S\u00f6ren"


def test_explicit_charset_and_quoted_printable_as_phones_write_it():
    data = (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\n"
        b"N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=F6rg\r\n"
        b"ORG;CHARSET=ISO-8859-1:B\xe4ckerei\r\n"
        b"TEL;WORK;VOICE:+49 30 1\r\nTEL;PREF;CELL:+49 170 2\r\nEND:VCARD\r\n"
    )
    assert cards_of(data) == [
        {
            "last_name": "M\u00fcller",
            "first_name": "J\u00f6rg",
            "company": "B\u00e4ckerei",
            "phone_work": "+49 30 1",
            "phone_mobile": "+49 170 2",
        }
    ]


def test_versions_30_and_40_a_bom_lf_and_several_cards():
    nextcloud = cards_of((CORPUS / "nextcloud_sabre_30_bom_photo_encoding_b.vcf").read_bytes())
    assert nextcloud[0]["company"] == "xxx" and "last_name" not in nextcloud[0]  # a company card
    cardbook = cards_of(
        (CORPUS / "thunderbird_cardbook_40_umlauts_multi_tel_email.vcf").read_bytes()
    )
    assert [card["last_name"] for card in cardbook] == ["M\u00f6hrke", "Mustermann"]
    assert cardbook[0]["company"] == "KiTa \u00d6hrdingen"
    rfc = cards_of((CORPUS / "rfc6350_40_bday_without_year_tel_uri.vcf").read_bytes())
    assert rfc[0]["phone_mobile"] == "+1-418-262-6501"  # tel: URI, TYPE="cell,voice"
    lf = b"BEGIN:VCARD\nVERSION:4.0\nFN:Eva\n  Maier\nTEL:+49 40 5\nEND:VCARD\n"
    assert cards_of(lf) == [
        {
            "last_name": "Eva Maier",
            "full_name": "Eva Maier",
            "phone_work": "+49 40 5",
            "phone_other": "+49 40 5",
        }
    ]


def test_keys_and_broken_files():
    google = list(
        read_cards([(CORPUS / "google_contacts_30_multiple_cards_one_file.vcf").read_bytes()])
    )
    keys = [card_key(card_values(card)) for card in google if isinstance(card, Card)]
    assert len(set(keys)) == 3 and all(key.startswith("h:") for key in keys)
    with pytest.raises(VCardUnreadable):
        list(read_cards([(CORPUS / "broken_vcard_garbage_prefixed_lines.vcf").read_bytes()]))
    with pytest.raises(VCardUnreadable):
        list(read_cards([b"id,last_name\n1,Weber\n"]))
    cut = list(read_cards([b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\n"]))
    assert isinstance(cut[0], CardProblem) and "END:VCARD" in cut[0].message
