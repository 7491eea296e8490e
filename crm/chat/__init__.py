"""Notifications in chat: an admin connects an incoming-webhook URL per event kind (a
decision recorded, critical feedback, a grant suspended, a consent conflict); messages go
through an outbox with retries. A top domain: it listens to the others' signals."""

from flask import Flask

from crm.common.permissions import ADMINS
from crm.common.registry import ADMIN_MENU, Job, NavItem, registry


def register(app: Flask) -> None:
    from crm.agreements.signals import nda_ended
    from crm.approvals.signals import decision_recorded
    from crm.chat import demo, receivers, tasks, views
    from crm.feedback.signals import feedback_recorded

    app.register_blueprint(views.bp)
    reg = registry(app)
    reg.nav.append(NavItem("chat.index", "Chat", ADMINS, order=93, group=ADMIN_MENU))
    reg.demo_loaders.append(demo.LOADER)
    reg.jobs.append(Job("chat.deliver", tasks.deliver_due, "interval", {"minutes": 1}))
    reg.jobs.append(
        Job("chat.consent_conflicts", tasks.consent_conflicts, "interval", {"hours": 1})
    )
    decision_recorded.connect(receivers.on_decision)
    feedback_recorded.connect(receivers.on_feedback)
    nda_ended.connect(receivers.on_nda_ended)
