"""How the digest's sections are written, and the helpers they share.

Sections are contributions: each domain adds `DigestSection(name, build, html_template,
text_template, roles, order)` (crm/common/registry.py) to `registry(app).digest_sections`
in its own `register(app)`; the digest engine only reads them (`sections_for`).

- `build(session, user, week_start, week_end) -> dict | None`: the data for one user.
  `week_start`/`week_end` are the Monday and Sunday of the digest's ISO week (the week it
  is sent in, on its Monday morning). Look back over the previous week with
  `looking_back(week_start)` and ahead with `looking_ahead(week_start, days)`. Return None
  (or an empty dict) to leave the section out; a digest with no section at all is not
  sent. Use a bounded number of queries (it runs once per user) and respect the user's
  role: a viewer never sees money (check `crm.common.permissions.can_see_money(user)`
  and leave amounts out of the dict; do not rely on the template to hide them).
- `html_template` / `text_template`: paths under templates/ (by convention
  `email/digest/<name>.html` and `.txt`). They get `data` (the dict), `user`, `link`
  (`link("creators.detail", creator_id=3)` → absolute URL or None when that page does not
  exist) and `base_url`. HTML is autoescaped; inline styles only, no scripts.
- `roles`: who gets it; `order`: position (lower first).

For example, in a domain's `register(app)`:

    registry(app).digest_sections.append(DigestSection("review_queue", build_review_queue,
        "email/digest/review_queue.html", "email/digest/review_queue.txt",
        roles=REVIEWERS, order=20))

The sections that exist:

| order | name                  | roles     | defined in (registered by)                       |
|------:|-----------------------|-----------|--------------------------------------------------|
|    10 | reminders             | all       | crm/reminders/digest.py (crm.reminders.register) |
|    20 | review_queue          | legal     | crm/approvals/digest.py (crm.approvals.register) |
|    30 | expiring_agreements   | all       | crm/agreements/digest.py (crm.agreements.register) |
|    40 | new_feedback          | all       | crm/feedback/digest.py (crm.feedback.register)   |
|    50 | audience_movers       | all       | crm/metrics/digest.py (crm.metrics.register)     |
|    60 | published_submissions | all       | crm/approvals/digest.py (crm.approvals.register) |

Scope: reminders are the user's own; the review queue is the whole queue; the other
sections follow `crm.creators.scope.creator_scope` (a manager hears about the creators they
own, everyone else about all; archived creators are left out). "The previous week" in a
section means `looking_back(week_start)`; timestamps are compared with
`looking_back_instants`, i.e. whole days in the organisation's time zone (`CRM_TIMEZONE`),
the zone the digest's week is taken in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Flask

from crm.common.registry import DigestSection, registry
from crm.common.timeutil import org_zone


def looking_back(week_start: date) -> tuple[date, date]:
    """The seven days before the digest's week (Monday to Sunday, inclusive)."""
    return week_start - timedelta(days=7), week_start - timedelta(days=1)


def looking_ahead(week_start: date, days: int = 14) -> tuple[date, date]:
    """From the digest's Monday for `days` days, inclusive of the Monday."""
    return week_start, week_start + timedelta(days=days - 1)


def org_date(moment: datetime) -> date:
    """The organisation's calendar day of a stored (UTC) timestamp."""
    return moment.astimezone(org_zone()).date()


def looking_back_instants(week_start: date) -> tuple[datetime, datetime]:
    """`looking_back(week_start)` as UTC instants [start, end): from the Monday 00:00 before
    to the digest's Monday 00:00, in the organisation's time zone (`CRM_TIMEZONE`)."""
    tz = org_zone()
    first, _last = looking_back(week_start)
    start = datetime.combine(first, time(), tz).astimezone(UTC)
    end = datetime.combine(week_start, time(), tz).astimezone(UTC)
    return start, end


def sections_for(user, app: Flask | None = None) -> list[DigestSection]:
    """The sections this user's role gets, in order (the app's registry; default: current)."""
    return [s for s in registry(app).sorted_digest_sections() if user.role in s.roles]
