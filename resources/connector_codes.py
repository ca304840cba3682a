"""The catalogue's sentences of connectors: the checks of a connection's test, why a
source cannot be read, why a run failed and why a row was skipped.

They are part of resources/error_codes.py's MESSAGES (merged there) and kept here only
so that the catalogue stays readable. Codes are named `<area>_<finding>`: the area is
`source` (reaching a source over HTTP and its answers), `csv`, `vcard`, `carddav` or
`json` (one kind of source), `run` (the run as a whole) or `record` (one skipped row);
a connector type takes its key as area (`m365_`, `salesforce_`, `sugarcrm_`), what both
CRM types say is `crm_`, and the rows only the directory target skips are `directory_`.
This module imports nothing of the catalogue, so either may be imported first.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a template for extraction into the admin UI's translations."""
    return message


CONNECTOR_MESSAGES: dict[str, str] = {
    # The checks of a test that pass.
    "source_url_ok": N_("The URL is an http(s) address."),
    "source_answers": N_("The server answers."),
    "source_sends_file": N_("The server sends the file."),
    "csv_file_ok": N_("The file is CSV with %(columns)s columns and %(rows)s rows."),
    "csv_upload_tested_then": N_("The file comes with each upload and is tested then."),
    "vcard_file_ok": N_("The file holds %(cards)s cards."),
    "vcard_file_ok_some_unreadable": N_(
        "The file holds %(cards)s cards, %(problems)s of them unreadable."
    ),
    "carddav_speaks": N_("The server speaks CardDAV."),
    "carddav_book_is": N_("The address book is %(name)s."),
    "carddav_book_is_one_of": N_("The address book is %(name)s (of %(count)s: %(names)s)."),
    "carddav_sync_collection": N_(
        "The address book offers sync-collection: each run fetches only the changed cards."
    ),
    "carddav_no_sync_collection": N_(
        "The address book has no sync-collection: each run compares its ctag and ETags."
    ),
    "json_entries_with_import": N_("The entries come with each import through the API."),
    # Sources that cannot be reached, and answers that are not what was asked for.
    "source_url_not_http": N_("The URL must start with http:// or https://."),
    "source_url_not_http_address": N_("The URL is not an http:// or https:// address."),
    "source_login_refused": N_("The server refused the user name or password (HTTP %(status)s)."),
    "source_no_file": N_("The server has no file at this URL (HTTP 404)."),
    "source_status_not_file": N_("The server answered HTTP %(status)s instead of the file."),
    "source_status_not_answer": N_("The server answered HTTP %(status)s instead of an answer."),
    "source_status_not_webdav": N_(
        "The server answered HTTP %(status)s instead of a WebDAV answer."
    ),
    "source_status_not_sync": N_(
        "The server answered HTTP %(status)s instead of a sync-collection answer."
    ),
    "source_status_not_multiget": N_(
        "The server answered HTTP %(status)s instead of a multiget answer."
    ),
    "source_tls_invalid": N_("The source's TLS certificate is not valid for its address."),
    "source_unreachable": N_("The source's server cannot be reached (name or connection refused)."),
    "source_connect_timeout": N_("The source's server did not accept the connection in time."),
    "source_cut_short": N_("The source's server ended the answer before it was complete."),
    "source_read_timeout": N_("The source's server stopped sending (timeout)."),
    "source_too_many_redirects": N_("The source redirected more than %(count)s times."),
    "source_too_large": N_("The source sent more than %(size)s MB."),
    "source_unreadable_error": N_("The source cannot be read (%(error)s)."),
    "source_no_webdav_client": N_("This server's HTTP client cannot speak WebDAV."),
    # CardDAV servers that answer, but not as wanted.
    "carddav_multistatus_not_xml": N_("The server's multistatus answer is not XML."),
    "carddav_no_resource": N_("The server's answer names no resource at this URL."),
    "carddav_no_book": N_("The server has no address book at or below this URL."),
    "carddav_book_not_found": N_("No address book is called '%(name)s'; the server has %(names)s."),
    "carddav_books_several": N_(
        "The server has %(count)s address books: %(names)s; name one in the setting 'addressbook'."
    ),
    "carddav_book_gone": N_("%(path)s is no longer an address book."),
    "carddav_sync_never_ended": N_("The server's sync-collection answer never ended."),
    "carddav_card_unreadable": N_("%(href)s: %(reason)s"),
    "carddav_not_one_vcard": N_("%(href)s: the resource is not one vCard."),
    "carddav_card_not_read": N_("%(href)s: unreadable"),
    # CSV files that cannot be read, or rows of them.
    "csv_encoding_choice": N_("The encoding must be one of: %(encodings)s."),
    "csv_delimiter_choice": N_("The delimiter must be a comma, semicolon, tab or pipe."),
    "csv_file_empty": N_("The file is empty: its first row must name the field codes."),
    "csv_code_twice": N_("The header row names the field code '%(code)s' twice."),
    "csv_codes_missing": N_("The header row lacks the mandatory field codes: %(codes)s."),
    "csv_line_encoding": N_(
        "Line %(line)s is not valid %(encoding)s; save the file as UTF-8 or set its encoding."
    ),
    "csv_line_unreadable": N_("Line %(line)s cannot be read as CSV: %(reason)s."),
    "csv_line_too_long": N_(
        "The file has a line of more than %(size)s MiB; it is not a CSV file of records."
    ),
    "csv_row_too_many_fields": N_(
        "Line %(line)s has %(count)s fields; the header row names %(codes)s."
    ),
    "csv_upload_nothing_to_fetch": N_(
        "The file of this connection comes with each upload (the admin UI, or davserver "
        "phonebook import FILE.csv); there is nothing to fetch."
    ),
    # vCard files that cannot be read, or cards of them.
    "vcard_file_line_too_long": N_("A line is longer than %(size)s MB."),
    "vcard_file_numbered_line_too_long": N_("Line %(line)s is longer than %(size)s MB."),
    "vcard_file_line_not_vcard": N_("Line %(line)s is not a vCard line (no BEGIN:VCARD)."),
    "vcard_file_line_before_begin": N_("Line %(line)s comes before any BEGIN:VCARD."),
    "vcard_file_no_card": N_("The file holds no vCard (no BEGIN:VCARD line)."),
    "vcard_file_card_not_closed": N_("The card has no END:VCARD."),
    "vcard_file_card_too_large": N_("The card is larger than %(size)s MB."),
    "vcard_file_version_unread": N_(
        "The card has VERSION %(version)s; only 2.1, 3.0 and 4.0 are read."
    ),
    "vcard_source_no_field": N_("A vCard has no field %(names)s."),
    # Entries sent as JSON.
    "json_nothing_to_fetch": N_(
        "The entries of this connection come with each import through the API "
        "(POST /api/v1/phonebook/import); there is nothing to fetch."
    ),
    # Microsoft 365 (Graph): settings, the sign-in service and Graph's answers.
    "m365_tenant_missing": N_("The tenant ID is missing."),
    "m365_client_id_missing": N_("The client ID is missing."),
    "m365_secret_missing": N_("The client secret is missing."),
    "m365_kind_unknown": N_(
        "'%(kind)s' is not a kind of contacts; choose mailbox or organisation."
    ),
    "m365_mailbox_missing": N_("Name the mailbox whose contacts are read."),
    "m365_mailbox_invalid": N_("The mailbox must be a sign-in address or a user ID."),
    "m365_setting_not_http": N_("The setting %(name)s must start with http:// or https://."),
    "m365_no_folder": N_("The mailbox has no contacts folder '%(folder)s'; it has %(names)s."),
    "m365_no_folder_but_default": N_(
        "The mailbox has no contacts folder '%(folder)s'; it has none besides Contacts."
    ),
    "m365_org_contacts": N_("the organisation's contacts"),
    "m365_folder_of": N_("the folder '%(folder)s' of %(mailbox)s"),
    "m365_contacts_folder_of": N_("the Contacts folder of %(mailbox)s"),
    "m365_no_api_client": N_("This server's HTTP client cannot call web APIs."),
    "m365_delta_without_link": N_("The service's delta round ended without a deltaLink."),
    "m365_signin_unreachable": N_("The sign-in service cannot be reached: %(reason)s"),
    "m365_graph_unreachable": N_("The Microsoft Graph cannot be reached: %(reason)s"),
    "m365_no_contacts": N_(
        "There are no contacts in %(where)s: check the mailbox, the folder and the kind of "
        "contacts."
    ),
    "m365_contacts_listed": N_("Graph lists %(count)s contacts."),
    "m365_contacts_listed_first_page": N_("Graph lists %(count)s contacts (the first page)."),
    "m365_delta_refused": N_("Graph refused to start a delta round."),
    "m365_settings_named": N_("The app registration and the contacts are named."),
    "m365_signin_answers": N_("The sign-in service answers."),
    "m365_client_valid": N_("The tenant, client ID and secret are valid."),
    "m365_token_issued": N_("The sign-in service issued a token for Microsoft Graph."),
    "m365_graph_answers": N_("Microsoft Graph answers."),
    "m365_may_read": N_("The app may read %(where)s."),
    "m365_no_field": N_("Graph's contacts have no field %(names)s."),
    "m365_service_said": N_(" (the service said: %(text)s)"),
    "m365_tenant_unknown": N_("The tenant '%(tenant)s' is not known to the service%(said)s."),
    "m365_client_unknown": N_(
        "The client id is not an application registered in this tenant%(said)s."
    ),
    "m365_secret_wrong": N_("The client secret is wrong or has expired; make a new one%(said)s."),
    "m365_token_refused": N_("The service refused to issue a token (%(what)s)%(said)s."),
    "m365_busy": N_(
        "The service is busy (HTTP %(status)s) and asked to wait longer than the run may; "
        "the next run tries again."
    ),
    "m365_no_access_token": N_("The token endpoint answered without an access token."),
    "m365_next_page_elsewhere": N_("The service sent a next page at another address."),
    "m365_answer_not_object": N_("The service's answer is not a JSON object."),
    "m365_answer_no_list": N_("The service's answer has no list of contacts."),
    "m365_same_page_twice": N_("The service sent the same page twice."),
    "m365_list_never_ended": N_("The service's list of contacts never ended."),
    "m365_token_not_accepted": N_("Graph did not accept the app's token%(said)s."),
    "m365_no_permission": N_(
        "The app may not read these contacts: grant it the application permission "
        "Contacts.Read (mailbox contacts) or OrgContact.Read.All (organisation contacts), "
        "with admin consent%(said)s."
    ),
    "m365_no_mailbox": N_("Graph has no such mailbox or contacts folder (HTTP 404)%(said)s."),
    "m365_status": N_("Graph answered HTTP %(status)s%(error)s%(said)s."),
    # Web services that answer JSON (Salesforce, SugarCRM).
    "json_service_busy": N_(
        "%(service)s asks to wait %(seconds)s s before the next request (HTTP %(status)s); "
        "the run stopped and changed nothing, the next run tries again."
    ),
    # What both CRM types find (one template, one code).
    "crm_user_may_read": N_("The user may read contacts."),
    "crm_contacts_readable": N_("Contacts can be read with %(fields)s fields (%(custom)s custom)."),
    # Salesforce.
    "salesforce_url_not_http": N_("The login URL must start with https:// (or http://)."),
    "salesforce_url_ok": N_("The login URL is an http(s) address."),
    "salesforce_answers": N_("Salesforce answers."),
    "salesforce_knows_app": N_("Salesforce knows the connected app."),
    "salesforce_logged_in": N_("Logged in; the organisation is %(url)s."),
    "salesforce_no_contacts": N_("The user sees no contacts in Salesforce."),
    "salesforce_no_field": N_(
        "Salesforce's Contact has no field %(names)s that this user may read."
    ),
    "salesforce_session_refused": N_(
        "Salesforce ended the session and a new login was refused too%(detail)s."
    ),
    "salesforce_request_limit": N_(
        "The Salesforce organisation has used up its API requests for now%(detail)s; "
        "the next run tries again."
    ),
    "salesforce_api_off_for_org": N_(
        "The REST API is not enabled for this Salesforce organisation%(detail)s."
    ),
    "salesforce_api_off_for_user": N_(
        "The REST API is switched off for this Salesforce user%(detail)s."
    ),
    "salesforce_field_unknown": N_(
        "Salesforce does not know a field the query asks for%(detail)s."
    ),
    "salesforce_query_refused": N_("Salesforce refused the query%(detail)s."),
    "salesforce_deleted_too_old": N_(
        "Salesforce keeps no deleted records that far back%(detail)s."
    ),
    "salesforce_not_found": N_(
        "Salesforce has no such resource (check the API version)%(detail)s."
    ),
    "salesforce_client_unknown": N_(
        "Salesforce does not know this consumer key (client id)%(detail)s."
    ),
    "salesforce_secret_refused": N_(
        "Salesforce refused the consumer secret (client secret)%(detail)s."
    ),
    "salesforce_flow_not_allowed": N_(
        "The connected app does not allow this OAuth flow%(detail)s."
    ),
    "salesforce_org_inactive": N_("The Salesforce organisation is locked or inactive%(detail)s."),
    "salesforce_no_read_access": N_(
        "The Salesforce user may not read contacts%(detail)s; give the user's profile or a "
        "permission set read access to Contact and Account."
    ),
    "salesforce_status": N_("Salesforce answered HTTP %(status)s instead of %(what)s%(detail)s."),
    "salesforce_not_token_endpoint": N_(
        "The login URL answers HTTP %(status)s, but not as Salesforce's token endpoint does "
        "(no JSON at /services/oauth2/token); check the login URL."
    ),
    "salesforce_login_refused": N_(
        "Salesforce refused the login%(detail)s; check the user name, the password and the "
        "security token, or for the client-credentials flow the app's run-as user."
    ),
    "salesforce_token_status": N_(
        "Salesforce's token endpoint answered HTTP %(status)s%(detail)s."
    ),
    "salesforce_answer_not_json": N_("Salesforce's answer to %(what)s is not JSON."),
    "salesforce_query_no_records": N_("Salesforce's query answer has no records list."),
    "salesforce_query_never_ended": N_("Salesforce's query answer never ended."),
    "salesforce_the_query": N_("the query"),
    "salesforce_the_next_page": N_("the next page of the query"),
    "salesforce_the_fields": N_("the Contact fields"),
    "salesforce_the_deleted": N_("the deleted contacts"),
    # SugarCRM.
    "sugarcrm_url_not_http": N_("The address must start with https://."),
    "sugarcrm_url_ok": N_("The address is an http(s) address."),
    "sugarcrm_answers": N_("SugarCRM answers."),
    "sugarcrm_knows_client": N_("SugarCRM knows the OAuth client."),
    "sugarcrm_logged_in": N_("Logged in."),
    "sugarcrm_no_contacts": N_("The user sees no contacts in SugarCRM."),
    "sugarcrm_no_field": N_("SugarCRM's Contacts have no field %(names)s."),
    "sugarcrm_client_unknown": N_(
        "SugarCRM does not know this OAuth client (id or secret)%(detail)s."
    ),
    "sugarcrm_grant_not_allowed": N_(
        "SugarCRM does not allow this OAuth client the password grant%(detail)s."
    ),
    "sugarcrm_no_read_access": N_("The SugarCRM user may not read contacts%(detail)s."),
    "sugarcrm_request_too_large": N_("SugarCRM finds the request too large%(detail)s."),
    "sugarcrm_maintenance": N_(
        "SugarCRM is in maintenance mode%(detail)s; the next run tries again."
    ),
    "sugarcrm_parameter_refused": N_("SugarCRM refused a parameter of the request%(detail)s."),
    "sugarcrm_not_found": N_(
        "SugarCRM has no such resource (is this the instance's address?)%(detail)s."
    ),
    "sugarcrm_session_refused": N_(
        "SugarCRM ended the session and a new login was refused too%(detail)s."
    ),
    "sugarcrm_not_rest_api": N_(
        "The address answers HTTP %(status)s, but not as SugarCRM's REST API does "
        "(no JSON at /rest/v11/oauth2/token); check the address."
    ),
    "sugarcrm_login_refused": N_(
        "SugarCRM refused the login%(detail)s; check the user name and the password, and "
        "that the API platform is allowed (Admin > Configure API Platforms)."
    ),
    "sugarcrm_token_status": N_("SugarCRM's token endpoint answered HTTP %(status)s%(detail)s."),
    "sugarcrm_status": N_("SugarCRM answered HTTP %(status)s instead of %(what)s%(detail)s."),
    "sugarcrm_answer_not_json": N_("SugarCRM's answer to %(what)s is not JSON."),
    "sugarcrm_no_records": N_("SugarCRM's contacts answer has no records list."),
    "sugarcrm_never_ended": N_("SugarCRM's contacts answer never ended."),
    "sugarcrm_the_contacts": N_("the contacts"),
    "sugarcrm_the_metadata": N_("the metadata"),
    # Rows the directory target skips.
    "directory_no_company": N_(
        "The record names no company; the directory keeps contact persons of companies."
    ),
    "directory_no_name": N_("The record has neither a first nor a last name."),
    "directory_category_unknown": N_(
        "The company category '%(category)s' is none of %(categories)s."
    ),
    # Runs as a whole.
    "run_internal_error": N_("The run stopped on an internal error; nothing was applied."),
    "run_lease_expired": N_(
        "The server process running it stopped before it ended (its lease expired); "
        "nothing of it was applied."
    ),
    "run_type_unknown": N_("This server has no connector type '%(type)s' or target '%(target)s'."),
    # Rows a run skipped.
    "record_no_phone": N_("The record has no phone number."),
    "record_no_name": N_("The record has neither a name nor a company."),
    "record_key_repeated": N_(
        "The record has the same key '%(key)s' as line %(line)s; the first one counts."
    ),
}
