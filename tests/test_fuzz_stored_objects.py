"""Fuzzing stored objects: mutated real-world iCalendar and vCard files are PUT (each is
stored or refused, never a 5xx), and afterwards every reader of the collection still answers."""

from __future__ import annotations

import random
from pathlib import Path

from tests.ical import CALENDAR_TYPE
from tests.test_stored_data_robustness import (
    VCARD_TYPE,
    addressbook_answers,
    assert_no_server_error,
    book,
    calendar_answers,
    new_calendar,
)

DATA = Path(__file__).parent / "data"
SEED = 20261202
CONTROLS = [b"\x00", b"\x01", b"\x1b", b"\x7f", b"\x0b", b"\r", b"\n", b"\t", b"\xff", b"\xc3"]


def _flip_byte(body: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(body))
    return body[:at] + bytes([body[at] ^ (1 << rng.randrange(8))]) + body[at + 1 :]


def _insert_control(body: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(body))
    return body[:at] + rng.choice(CONTROLS) + body[at:]


def _line_endings(body: bytes, rng: random.Random) -> bytes:
    return body.replace(b"\r\n", b"\n").replace(
        b"\n", rng.choice([b"\r", b"\n", b"\r\r\n", b"\n\r"])
    )


def _truncate(body: bytes, rng: random.Random) -> bytes:
    return body[: rng.randrange(1, len(body))] if len(body) > 1 else body


def _mangle_folding(body: bytes, rng: random.Random) -> bytes:
    lines = body.split(b"\r\n")
    at = rng.randrange(len(lines))
    line = lines[at]
    cut = rng.randrange(len(line) + 1)
    lines[at] = line[:cut] + rng.choice([b"\r\n ", b"\r\n\t", b"\r\n", b" \r\n  "]) + line[cut:]
    return b"\r\n".join(lines)


MUTATIONS = [_flip_byte, _insert_control, _line_endings, _truncate, _mangle_folding]


def mutants(folder: str, count: int, seed: int) -> list[tuple[str, bytes]]:
    """`count` mutated bodies of the files in tests/data/<folder>, one or two mutations each."""
    rng = random.Random(seed)
    corpus = sorted(
        p
        for p in (DATA / folder).iterdir()
        if p.suffix in (".ics", ".vcf") and p.stat().st_size < 200_000
    )
    found = []
    for number in range(count):
        source = rng.choice(corpus)
        body = source.read_bytes() or b"\r\n"
        for _ in range(rng.randint(1, 2)):
            body = rng.choice(MUTATIONS)(body, rng) or b"x"
        found.append((f"m{number}-{source.stem[:30]}", body))
    return found


def test_mutated_calendar_objects_never_break_the_calendar(login):
    path = new_calendar(login)
    stored = 0
    for name, body in mutants("ical", 240, SEED):
        r = login.request("PUT", f"{path}{name}.ics", body, **CALENDAR_TYPE)
        assert r.status_code < 500, (name, body[:200], r.text[:300])
        stored += r.status_code in (201, 204)
    assert stored >= 15  # enough mutants got in for the readers to have something to read
    assert_no_server_error(calendar_answers(login, path))


def test_mutated_vcards_never_break_the_address_book(login):
    stored = 0
    for name, body in mutants("vcard", 120, SEED + 1):
        r = login.request("PUT", f"{book(login)}{name}.vcf", body, **VCARD_TYPE)
        assert r.status_code < 500, (name, body[:200], r.text[:300])
        stored += r.status_code in (201, 204)
    assert stored > 5
    assert_no_server_error(addressbook_answers(login, book(login)))
