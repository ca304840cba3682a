"""POST of a free-busy request to a scheduling outbox (RFC 6638 §5, §10.1): the iTIP
VFREEBUSY REQUEST in the body is answered with a CALDAV:schedule-response holding one
CALDAV:response per recipient (its address, request status and VFREEBUSY REPLY)."""

from __future__ import annotations

from lxml import etree

from davserver.dav import urls
from davserver.dav.body import media_type
from davserver.dav.errors import DavError
from davserver.dav.nodes.scheduling_mailbox import OutboxNode
from davserver.dav.post_registry import PostHandler
from davserver.dav.responses import send_bytes
from davserver.dav.xml import CALDAV, DAV, PREFIXES, qname, sub, to_bytes
from resources.scheduling.calendar_users import login_addresses
from resources.scheduling.free_busy import (
    Asker,
    RecipientAnswer,
    answer_freebusy,
    parse_freebusy_request,
)

CALENDAR_TYPES = {"text/calendar"}
PRINCIPAL_PREFIX = f"{urls.MOUNT}/{urls.PRINCIPALS}/"


def handle_outbox_post(node, environ: dict, start_response) -> list[bytes]:
    """Answer a free-busy request POSTed to the login's own outbox."""
    if media_type(environ) not in CALENDAR_TYPES:
        raise DavError(
            415,
            "A scheduling outbox takes iCalendar (text/calendar) free-busy requests.",
            qname(CALDAV, "supported-calendar-data"),
        )
    body = environ["wsgi.input"].read()
    request = parse_freebusy_request(body)
    login = node.login
    asker = Asker(
        login.credential_id,
        login.employee_id,
        tuple(
            login_addresses(
                login.username,
                login.employee_id,
                urls.href(urls.principal_path(login.username)),
            )
        ),
    )
    answers = answer_freebusy(
        request,
        asker,
        mail_domain=node.settings.scheduling_mail_domain,
        principal_prefix=PRINCIPAL_PREFIX,
    )
    return send_bytes(
        start_response, "200 OK", schedule_response(answers), "application/xml; charset=utf-8"
    )


def schedule_response(answers: list[RecipientAnswer]) -> bytes:
    """The CALDAV:schedule-response document (RFC 6638 §10.1)."""
    root = etree.Element(qname(CALDAV, "schedule-response"), nsmap=dict(PREFIXES))
    for answer in answers:
        response = sub(root, qname(CALDAV, "response"))
        recipient = sub(response, qname(CALDAV, "recipient"))
        sub(recipient, qname(DAV, "href"), answer.address)
        sub(response, qname(CALDAV, "request-status"), answer.status)
        if answer.reply is not None:
            sub(response, qname(CALDAV, "calendar-data"), answer.reply)
        # No DAV:responsedescription, though §10.2 allows one: the caldav library refuses
        # the whole answer for it. The status text says enough ("3.8;No authority").
    return to_bytes(root)


POSTS = (PostHandler(lambda node: isinstance(node, OutboxNode), handle_outbox_post),)
