"""A synthetic phonebook CSV for the connector benchmark: German names, companies,
numbers in the mixed formats real exports hold, e-mails; the same file for the same seed.

`python bench/phonebook_csv.py --rows 100000 --out FILE.csv` writes one.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator
from pathlib import Path

HEADER = ("id", "first_name", "last_name", "company", "phone_work", "phone_mobile", "email")
FIRST = (
    "Anna Ben Clara David Emma Felix Greta Hannah Jonas Julia Karl Lea Lena Lukas Marie Max "
    "Mia Noah Paul Sophie Tim Yusuf Zeynep Jürgen Sören Ömer Änne Björn Katrin Uwe"
).split()
LAST = (
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
    "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann "
    "Lange Schmitt Werner Krause Meier Lehmann Schmid Schulze Maier Köhler Herrmann König Yılmaz"
).split()
COMPANY_WORDS = (
    "Nord Süd Rhein Elbe Alpen Hanse Bavaria Spree Main Isar Weser Ruhr Harz Taunus Eifel"
).split()
COMPANY_KINDS = (
    "Logistik",
    "Bau",
    "Elektro",
    "Software",
    "Metall",
    "Handel",
    "Druck",
    "Energie",
    "Medien",
    "Holz",
)
COMPANY_FORMS = ("GmbH", "GmbH & Co. KG", "AG", "e.K.", "KG", "UG (haftungsbeschränkt)")
AREA_CODES = ("30", "40", "89", "221", "69", "711", "211", "351", "341", "511", "911", "6221")
MOBILE_PREFIXES = ("151", "160", "170", "171", "172", "175", "176", "179")


def _landline(rng: random.Random) -> str:
    area = rng.choice(AREA_CODES)
    number = str(rng.randrange(10**5, 10**8 // 10 ** (len(area) - 2)))
    style = rng.randrange(6)
    if style == 0:
        return f"0{area} {number}"
    if style == 1:
        return f"+49 {area} {number}"
    if style == 2:
        return f"(0{area}) {number[:3]} {number[3:]}"
    if style == 3:
        return f"0049 {area} {number}"
    if style == 4:
        return f"+49 (0){area} {number[:-2]}-{number[-2:]}"
    return f"0{area}/{number}"


def _mobile(rng: random.Random) -> str:
    prefix = rng.choice(MOBILE_PREFIXES)
    number = str(rng.randrange(10**6, 10**8))
    return rng.choice((f"0{prefix} {number}", f"+49 {prefix} {number}", f"0{prefix}/{number}"))


def _ascii(text: str) -> str:
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("ı", "i")):
        text = text.replace(umlaut, plain).replace(umlaut.upper(), plain.capitalize())
    return text.lower()


def rows(count: int, seed: int = 1) -> Iterator[tuple[str, ...]]:
    """`count` rows after the header; row i has the id `P{i:06d}`."""
    rng = random.Random(seed)
    companies = [
        f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} {rng.choice(COMPANY_FORMS)}"
        for _ in range(max(count // 20, 1))
    ]
    for index in range(1, count + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = rng.choice(companies) if rng.random() < 0.8 else ""
        domain = _ascii(company.split(" ")[0]) + ".de" if company else "example.org"
        email = f"{_ascii(first)}.{_ascii(last)}{index}@{domain}" if rng.random() < 0.7 else ""
        mobile = _mobile(rng) if rng.random() < 0.4 else ""
        yield (f"P{index:06d}", first, last, company, _landline(rng), mobile, email)


def write_csv(path: Path, count: int, seed: int = 1, changed: int | None = None) -> None:
    """The file; with `changed`, that row's last name differs from the seed's."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADER)
        for index, row in enumerate(rows(count, seed), start=1):
            if index == changed:
                row = (*row[:2], row[2] + "-Changed", *row[3:])
            writer.writerow(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write_csv(args.out, args.rows, args.seed)


if __name__ == "__main__":
    main()
