"""Disclosure rules per jurisdiction: the engine behind the disclosure and AI-label checks.

* ``text`` — Unicode folding with offsets back into the original, whole-token phrases,
  labels, and the denial (negation) rule.
* ``rules`` — a rule set as data (``rule_sets.json`` holds the five defaults: US, UK, FR,
  DE, EU), its validation, and which rule sets apply to a creator and an audience.
* ``engine`` — what one rule set checks on a caption: disclosure, AI-content labels, and
  deal terms that tie payment to an opinion.

Everything here is pure: no Flask, no database. ``crm.approvals.checks.run_checks`` runs it
with the other content checks; ``crm.approvals.rulesets`` stores the admins' edits.
"""

from crm.approvals.disclosure.results import CheckResult
from crm.approvals.disclosure.rules import JURISDICTIONS, RuleSet, defaults, select

__all__ = ["JURISDICTIONS", "CheckResult", "RuleSet", "defaults", "select"]
