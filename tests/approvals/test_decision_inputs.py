"""The review decision's revision number is parsed like every other number (crm.web.fields)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.approvals.models import Decision
from tests.conftest import log_in, post_form


@pytest.mark.parametrize("raw", ["9223372036854775808", "9" * 40, "1_0", "１", "¹", "-1"])
def test_an_odd_revision_number_is_a_field_error(client, world, db, raw):
    submission = world.submission()
    assert log_in(client, world.legal).status_code == 302
    response = post_form(
        client,
        f"/review/{submission.id}/decision",
        {"revision": raw, "decision": "approve", "comment": ""},
    )
    assert response.status_code == 422
    count = db.scalar(select(func.count()).where(Decision.submission_id == submission.id))
    assert count == 0
