"""Consent in standard forms: the CAWG training-and-data-mining assertion, an XMP sidecar
with the PLUS `DataMining` property, and a TDMRep file with the ODRL policy it links.

Every export is built from the effective decision (`services.effective`: R10, made
`not_allowed` for a work outside the licensable set), the one the consent check, the
registry and the manifests answer; nothing here decides anything itself. The mapping is
written down in docs/CONSENT_STANDARDS.md.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crm.creators.models import Creator
from crm.licensing import services
from crm.licensing.models import USES, Work
from crm.licensing.services import Effective, Verdict
from crm.licensing.services.rights import RIGHTS_COLUMNS

CAWG_LABEL = "cawg.training-mining"
CAWG_USE = {"allowed": "allowed", "not_allowed": "notAllowed", "constrained": "constrained"}

PLUS_NS = "http://ns.useplus.org/ldf/xmp/1.0/"
PLUS_VOCAB = "http://ns.useplus.org/ldf/vocab/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
X_NS = "adobe:ns:meta/"
XML_NS = "http://www.w3.org/XML/1998/namespace"

DMI_ALLOWED = PLUS_VOCAB + "DMI-ALLOWED"
DMI_PROHIBITED = PLUS_VOCAB + "DMI-PROHIBITED"
DMI_PROHIBITED_AIML = PLUS_VOCAB + "DMI-PROHIBITED-AIMLTRAINING"
DMI_PROHIBITED_GENAIML = PLUS_VOCAB + "DMI-PROHIBITED-GENAIMLTRAINING"
DMI_SEE_CONSTRAINT = PLUS_VOCAB + "DMI-PROHIBITED-SEECONSTRAINT"

ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
TDMREP_PROFILE = "http://www.w3.org/ns/tdmrep"
# ODRL actions for our four uses: TDMRep's `tdm:mine` for data mining, the CAWG entry
# names for the others.
ODRL_ACTIONS = {
    "data_mining": "tdm:mine",
    "ai_inference": "cawg:ai_inference",
    "ai_training": "cawg:ai_training",
    "ai_generative_training": "cawg:ai_generative_training",
}
CAWG_VOCAB = "https://cawg.io/training-mining/"


@dataclass(frozen=True)
class _CreatorScope:
    """A work of no kind and no id: R10 then answers with the creator's all-works records."""

    id: int
    creator_id: int
    kind: str | None = None


def work_decisions(session: Session, work: Work, day: date) -> dict[str, Effective]:
    """The work's effective decision per use (worldwide; no person named: exports are
    published with the work)."""
    decided = services.effective(session, [work], USES, day, named=False)
    return {use: decided[(work.id, use)] for use in USES}


def creator_decisions(
    session: Session, creator: Creator, day: date, *, licensable: bool = True
) -> dict[str, Effective]:
    """The decisions a site of the creator publishes: the all-works consent records (kind
    or work records cannot be expressed per site), each use refused while any of the
    creator's works is outside the licensable set for it — the site serves that work too.
    `licensable=False`: the consent records alone (the verdicts are not read)."""
    scope = _CreatorScope(id=-1, creator_id=creator.id)
    decided = services.resolve(session, [scope], USES, day)
    if not licensable:
        return {use: Effective(decided[(scope.id, use)], Verdict(())) for use in USES}
    # Only works that are not the creator's own, or that show people or property, can fail.
    rows = list(
        session.execute(
            select(*RIGHTS_COLUMNS)
            .where(
                Work.creator_id == creator.id,
                or_(Work.rights != "creator", Work.people_present, Work.property_present),
            )
            .order_by(Work.id)
        )
    )
    judged = services.verdicts_per_use(session, rows, USES, day) if rows else {}
    out: dict[str, Effective] = {}
    for use in USES:
        failing = [r.id for r in rows if not judged[(r.id, use)].licensable]
        verdict = Verdict(())
        if failing:
            listed = ", ".join(f"#{i}" for i in failing[:5]) + (" …" if len(failing) > 5 else "")
            verdict = Verdict((f"{len(failing)} works not licensable for {use} ({listed})",))
        out[use] = Effective(decided[(scope.id, use)], verdict)
    return out


# --- CAWG ----------------------------------------------------------------------------------


def cawg_assertion(decisions: Mapping[str, Effective]) -> dict[str, Any]:
    """A use the work is not licensable for is `notAllowed`, not `constrained`: CAWG's
    `constrained` invites asking the rights holder, and the creator cannot grant it."""
    entries: dict[str, dict[str, str]] = {}
    for use in USES:
        res = decisions[use]
        entry = {"use": CAWG_USE[res.decision]}
        if res.decision == "constrained":
            entry["constraint_info"] = res.constraint
        entries[f"cawg.{use}"] = entry
    return {"label": CAWG_LABEL, "data": {"entries": entries}}


# --- XMP (PLUS) ----------------------------------------------------------------------------


def plus_data_mining(decisions: Mapping[str, Effective]) -> str:
    """One PLUS DataMining value for our four decisions, the most restrictive first."""
    decided = {use: decisions[use].decision for use in USES}
    if decided["data_mining"] == "not_allowed":
        return DMI_PROHIBITED
    if decided["ai_training"] == "not_allowed":
        return DMI_PROHIBITED_AIML
    if decided["ai_generative_training"] == "not_allowed":
        return DMI_PROHIBITED_GENAIML
    if any(d != "allowed" for d in decided.values()):
        return DMI_SEE_CONSTRAINT
    return DMI_ALLOWED


def other_constraints(decisions: Mapping[str, Effective]) -> list[str]:
    lines = []
    for use in USES:
        res = decisions[use]
        if res.decision == "constrained":
            lines.append(f"{use}: constrained: {res.constraint}")
        elif (
            use == "ai_inference"
            and res.decision == "not_allowed"
            and decisions["data_mining"].decision != "not_allowed"
        ):
            # PLUS has no value for inference; DMI-PROHIBITED already covers it.
            lines.append(f"{use}: not allowed")
    return lines


def xmp_sidecar(work: Work, decisions: Mapping[str, Effective]) -> bytes:
    ET.register_namespace("x", X_NS)
    ET.register_namespace("rdf", RDF_NS)
    ET.register_namespace("plus", PLUS_NS)
    meta = ET.Element(f"{{{X_NS}}}xmpmeta")
    rdf = ET.SubElement(meta, f"{{{RDF_NS}}}RDF")
    desc = ET.SubElement(rdf, f"{{{RDF_NS}}}Description", {f"{{{RDF_NS}}}about": work.url})
    ET.SubElement(desc, f"{{{PLUS_NS}}}DataMining").text = plus_data_mining(decisions)
    lines = other_constraints(decisions)
    if lines:
        holder = ET.SubElement(desc, f"{{{PLUS_NS}}}OtherConstraints")
        alt = ET.SubElement(holder, f"{{{RDF_NS}}}Alt")
        li = ET.SubElement(alt, f"{{{RDF_NS}}}li", {f"{{{XML_NS}}}lang": "x-default"})
        li.text = "\n".join(lines)
    return ET.tostring(meta, encoding="utf-8", xml_declaration=True)


# --- TDMRep and ODRL -----------------------------------------------------------------------


def tdm_reservation(decisions: Mapping[str, Effective]) -> int:
    """0 only when every use is allowed without constraint; otherwise rights are reserved
    and the policy says what is offered."""
    return 0 if all(decisions[u].decision == "allowed" for u in USES) else 1


def site_location(site: str) -> str:
    """A TDMRep location (a path pattern on the site's origin) for a declared site."""
    path = urlsplit(site).path or "/"
    return path.rstrip("/") + "/*"


def tdmrep(
    sites: Sequence[str], decisions: Mapping[str, Effective], policy_url: str
) -> list[dict[str, Any]]:
    reservation = tdm_reservation(decisions)
    out = []
    for site in sites:
        entry: dict[str, Any] = {"location": site_location(site), "tdm-reservation": reservation}
        if reservation:
            entry["tdm-policy"] = policy_url
        out.append(entry)
    return out


def odrl_policy(
    creator: Creator, decisions: Mapping[str, Effective], policy_url: str
) -> dict[str, Any]:
    permissions: list[dict[str, Any]] = []
    prohibitions: list[dict[str, Any]] = []
    for use in USES:
        res = decisions[use]
        rule: dict[str, Any] = {"target": policy_url + "#works", "action": ODRL_ACTIONS[use]}
        if res.decision == "not_allowed":
            prohibitions.append(rule)
            continue
        if res.decision == "constrained":
            rule["duty"] = [{"action": "tdm:comply", "comment": res.constraint}]
        permissions.append(rule)
    policy: dict[str, Any] = {
        "@context": [ODRL_CONTEXT, {"tdm": TDMREP_PROFILE + "#", "cawg": CAWG_VOCAB}],
        "@type": "Offer",
        "uid": policy_url,
        "profile": TDMREP_PROFILE,
        "assigner": {"uid": policy_url + "#assigner", "name": creator.display_name},
    }
    if permissions:
        policy["permission"] = permissions
    if prohibitions:
        policy["prohibition"] = prohibitions
    return policy
