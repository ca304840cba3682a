"""What the DAV layer hands to implicit scheduling (RFC 6638 §3, §8.3): the signed-in
login as a Scheduler and the If-Schedule-Tag-Match header."""

from __future__ import annotations

from davserver.dav import urls
from resources.scheduling.scheduler import Scheduler

PRINCIPAL_PREFIX = f"{urls.MOUNT}/{urls.PRINCIPALS}/"


def scheduler_for(environ: dict, settings) -> Scheduler:
    login = environ["davserver.login"]
    return Scheduler(
        credential_id=login.credential_id,
        username=login.username,
        account_id=login.account_id,
        employee_id=login.employee_id,
        branch_id=login.branch_id,
        principal_url=urls.href(urls.principal_path(login.username)),
        principal_prefix=PRINCIPAL_PREFIX,
        mail_domain=settings.scheduling_mail_domain,
        max_size=settings.max_resource_size,
    )


def schedule_tag_match(environ: dict) -> str | None:
    """The entity tag of If-Schedule-Tag-Match (§8.3), without its quotes."""
    header = environ.get("HTTP_IF_SCHEDULE_TAG_MATCH")
    if header is None:
        return None
    header = header.strip()
    return header[1:-1] if len(header) >= 2 and header[0] == header[-1] == '"' else header
