"""Phone numbers compared as E.164, whatever way a source writes them."""

from __future__ import annotations

import pytest

from resources.formats.phone_numbers import e164


@pytest.mark.parametrize(
    "written",
    [
        "030 1234-5678",
        "+49 (30) 12345678",
        "0049 30 12345678",
        "+49 30 1234 5678",
        "(030) 12345678",
    ],
)
def test_one_berlin_number_written_five_ways(written):
    assert e164(written) == "+493012345678"


def test_a_number_without_country_code_is_read_in_the_region():
    assert e164("01 23 45 67 89", "FR") == "+33123456789"
    assert e164("020 7946 0958", "gb") == "+442079460958"


@pytest.mark.parametrize("written", ["", "   ", "n/a", "12", "+49"])
def test_what_is_no_phone_number_gives_none(written):
    assert e164(written) is None
