"""Schema upgrade 7 as an operator meets it: a database written before contacts
remembered the admin's export choice keeps its contacts, none of them counted as
chosen, so switching the company book on still applies the category's default."""

from __future__ import annotations

from resources.store.schema import SCHEMA_VERSION
from tests.server_harness import FreshDatabase
from tests.test_cli import davserver
from tests.test_schema_upgrade import run_sql


def test_version_6_contacts_get_the_export_choice_column(tmp_path):
    database = FreshDatabase(str(tmp_path))
    try:
        assert davserver("credential", "list", "--database", database.url).returncode == 0
        run_sql(
            database.url,
            """
            db.execute_sql('ALTER TABLE contact_person DROP COLUMN export_chosen')
            db.execute_sql('UPDATE schema_version SET version = 6')
            db.execute_sql("INSERT INTO company (name, category, street, postal_code, city, "
                "country, phone, website, active, created, modified) VALUES "
                "('Alt GmbH', 'customer', '', '', '', '', '', '', TRUE, 0, 0)")
            db.execute_sql("INSERT INTO contact_person (company_id, uid, salutation, title, "
                "first_name, last_name, position, department, emails, phone_work, phone_mobile, "
                "phone_fax, active, export_carddav, modified, created) SELECT id, 'old-1', '', "
                "'', 'Ole', 'Alt', '', '', '', '', '', '', TRUE, FALSE, 0, 0 FROM company")
        """,
        )
        assert davserver("credential", "list", "--database", database.url).returncode == 0
        listed = run_sql(
            database.url,
            """
            rows = db.execute_sql('SELECT last_name, export_carddav, export_chosen FROM contact_person').fetchall()
            version = db.execute_sql('SELECT version FROM schema_version').fetchall()
            print([(name, bool(on), bool(chosen)) for name, on, chosen in rows], version)
        """,
        )
        assert listed == f"[('Alt', False, False)] [({SCHEMA_VERSION},)]"
    finally:
        database.drop()
