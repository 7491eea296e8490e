from __future__ import annotations

import factory

from crm.feedback.models import Feedback
from tests.factories import BaseFactory


class FeedbackFactory(BaseFactory):
    class Meta:
        model = Feedback

    category = "limitation"
    severity = "medium"
    title = factory.Sequence(lambda n: f"Observation number {n}")
    body = ""
    reproduction = ""
    status = "new"
