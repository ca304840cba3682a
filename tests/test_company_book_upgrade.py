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


def test_version_7_copies_are_linked_and_the_phones_keep_one_card(tmp_path):
    database = FreshDatabase(str(tmp_path))
    try:
        run_sql(
            database.url,
            """
            import davserver.app  # registers the upgrade steps
            from resources.store.database import bind
            from resources.store.schema import upgrade
            from resources.company_directory import phonebook
            bind(db)
            upgrade()
            sam = {"first_name": "Sam", "last_name": "Alt", "phone_work": "+49 1"}
            phonebook.import_source("crm", [dict(sam, external_id="x-1")])
            phonebook.create_manual(sam)  # what copy to manual made before version 8
            phonebook.create_manual(sam)  # copied twice
            phonebook.create_manual(dict(sam, phone_work="+49 2"))  # not a copy
            db.execute_sql('UPDATE schema_version SET version = 7')
        """,
        )
        assert davserver("credential", "list", "--database", database.url).returncode == 0
        listed = run_sql(
            database.url,
            """
            entries = db.execute_sql("SELECT source, origin, external_id, phone_work FROM "
                "phonebook_entry ORDER BY id").fetchall()
            cards = db.execute_sql("SELECT count(*) FROM stored_object WHERE summary = 'Sam Alt'"
                " AND substr(name, 1, 10) = 'phonebook-'").fetchall()
            print(entries, cards)
        """,
        )
        assert listed == (
            "[('S', 'crm', 'x-1', '+49 1'), ('M', 'crm', 'x-1', '+49 1'), ('M', '', '', '+49 1'), "
            "('M', '', '', '+49 2')] [(3,)]"
        )  # the synced card left; the second copy and the other entry keep theirs
    finally:
        database.drop()


def test_version_11_book_becomes_the_base_audience_with_its_cards_and_tokens(tmp_path):
    database = FreshDatabase(str(tmp_path))
    try:
        run_sql(
            database.url,
            """
            import davserver.app  # registers the upgrade steps
            from resources.store.database import bind
            from resources.store.schema import upgrade
            from resources.company_directory import phonebook
            bind(db)
            upgrade()
            phonebook.import_source("crm", [{"last_name": "Alt", "phone_work": "030 1234567"}])
            db.execute_sql('DROP TABLE company_audience')
            for column in ("match_email", "match_work", "match_mobile", "match_home"):
                db.execute_sql(f'DROP INDEX "phonebookentry_{column}_match"')
                db.execute_sql(f'ALTER TABLE phonebook_entry DROP COLUMN "{column}"')
            db.execute_sql('ALTER TABLE "change" DROP COLUMN previous_etag')
            db.execute_sql('UPDATE schema_version SET version = 11')
        """,
        )
        assert davserver("credential", "list", "--database", database.url).returncode == 0
        listed = run_sql(
            database.url,
            """
            books = db.execute_sql("SELECT c.id, c.sync_revision, a.key, a.active FROM collection c "
                "JOIN company_audience a ON a.collection_id = c.id").fetchall()
            every = db.execute_sql("SELECT count(*) FROM collection WHERE kind = 'company'").fetchall()
            cards = db.execute_sql("SELECT count(*) FROM stored_object o JOIN collection c ON "
                "c.id = o.collection_id WHERE c.kind = 'company'").fetchall()
            keys = db.execute_sql("SELECT match_email FROM phonebook_entry").fetchall()
            print([(revision, key, bool(active)) for _id, revision, key, active in books], every,
                cards, keys)
        """,
        )
        # the one book, its revision unmoved (the refill found nothing to change)
        assert listed == "[(1, '', True)] [(1,)] [(1,)] [(None,)]"
    finally:
        database.drop()
