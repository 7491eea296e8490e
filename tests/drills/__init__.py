"""Fault drills (issue 12). Each drill runs on SQLite and on PostgreSQL.

- Database unreachable, then back: test_database_outage.py.
- SMTP refusing, timing out, dropping mid-message, through the outbox: test_smtp_faults.py
  (transport-level cases: tests/mail/test_smtp.py; outbox: tests/mail/test_outbox.py).
- Platform APIs answering 500, 429, garbage and hanging, through `crm metrics snapshot`:
  test_platform_faults.py (per client: tests/metrics/test_clients.py and test_run.py).
- A digest run killed after claiming and before sending: tests/digest/test_digest.py
  (test_run_killed_after_claiming_is_finished_once_by_the_next_run and
  test_run_killed_after_enqueueing_does_not_duplicate); two senders at once:
  tests/digest/test_concurrency.py.
- Two scheduler processes at once: test_two_schedulers.py (real subprocesses).
- Two reviewers at once: tests/approvals/test_concurrency.py.
"""
