"""Schema step 14 as an operator meets it: cards stored before the search fields existed
get them when the upgrade runs, so addressbook-query finds them by their stored fields."""

from __future__ import annotations

from resources.store.schema import SCHEMA_VERSION
from tests.server_harness import FreshDatabase
from tests.test_cli import davserver
from tests.test_schema_upgrade import run_sql

CARD = "BEGIN:VCARD\\r\\nVERSION:3.0\\r\\nUID:old-card\\r\\nFN:Olga Altbestand\\r\\nTEL:+49 30 555\\r\\nEND:VCARD\\r\\n"


def test_version_13_cards_get_their_search_fields(tmp_path):
    database = FreshDatabase(str(tmp_path))
    try:
        assert davserver("credential", "list", "--database", database.url).returncode == 0
        run_sql(
            database.url,
            f"""
            sqlite = 'sqlite' in {database.url!r}
            if sqlite:  # the FTS5 table (on PostgreSQL an index, dropped with its table)
                db.execute_sql('DROP TABLE search_card_field')
            db.execute_sql('DROP TABLE card_field')
            db.execute_sql('UPDATE schema_version SET version = 13')
            book = db.execute_sql("SELECT id FROM collection WHERE kind = 'company'").fetchone()[0]
            body = "{CARD}".encode()
            mark = '?' if sqlite else '%s'
            db.execute_sql("INSERT INTO stored_object (collection_id, name, content_type, body, "
                "etag, size, uid, component, summary, first_start, last_end, revision, created, "
                "modified) VALUES (" + ", ".join([mark] * 14) + ")",
                (book, 'old.vcf', 'text/vcard', body, 'e1', len(body), 'old-card', 'VCARD',
                 'Olga Altbestand', 0, 0, 0, 0, 0))
        """,
        )
        assert davserver("credential", "list", "--database", database.url).returncode == 0
        listed = run_sql(
            database.url,
            """
            rows = db.execute_sql('SELECT prop, value FROM card_field ORDER BY id').fetchall()
            version = db.execute_sql('SELECT version FROM schema_version').fetchall()
            print([tuple(row) for row in rows], version)
        """,
        )
        assert listed == (
            f"[('BEGIN', ''), ('FN', 'Olga Altbestand'), ('TEL', '+49 30 555')] "
            f"[({SCHEMA_VERSION},)]"
        )
    finally:
        database.drop()
