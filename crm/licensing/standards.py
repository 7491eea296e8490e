"""Consent in standard forms: the CAWG training-and-data-mining assertion, an XMP sidecar
with the PLUS `DataMining` property, and a TDMRep file with the ODRL policy it links.

Every export is built from R10's effective decisions (`services.resolve`); nothing here
decides anything itself. The mapping is written down in docs/CONSENT_STANDARDS.md.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from crm.creators.models import Creator
from crm.licensing import services
from crm.licensing.models import USES, Work
from crm.licensing.services import Resolution

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


def work_decisions(session: Session, work: Work, day: date) -> dict[str, Resolution]:
    return services.grid(session, [work], day)[work.id]


def creator_decisions(session: Session, creator: Creator, day: date) -> dict[str, Resolution]:
    """The decisions every work of the creator gets unless a kind or work record says
    otherwise (the all-works scope)."""
    scope = _CreatorScope(id=-1, creator_id=creator.id)
    decided = services.resolve(session, [scope], USES, day)
    return {use: decided[(scope.id, use)] for use in USES}


def _constraint(res: Resolution) -> str:
    return (res.consent.constraint if res.consent is not None else "") or ""


# --- CAWG ----------------------------------------------------------------------------------


def cawg_assertion(decisions: Mapping[str, Resolution]) -> dict[str, Any]:
    entries: dict[str, dict[str, str]] = {}
    for use in USES:
        res = decisions[use]
        entry = {"use": CAWG_USE[res.decision]}
        if res.decision == "constrained":
            entry["constraint_info"] = _constraint(res)
        entries[f"cawg.{use}"] = entry
    return {"label": CAWG_LABEL, "data": {"entries": entries}}


# --- XMP (PLUS) ----------------------------------------------------------------------------


def plus_data_mining(decisions: Mapping[str, Resolution]) -> str:
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


def other_constraints(decisions: Mapping[str, Resolution]) -> list[str]:
    lines = []
    for use in USES:
        res = decisions[use]
        if res.decision == "constrained":
            lines.append(f"{use}: constrained: {_constraint(res)}")
        elif (
            use == "ai_inference"
            and res.decision == "not_allowed"
            and decisions["data_mining"].decision != "not_allowed"
        ):
            # PLUS has no value for inference; DMI-PROHIBITED already covers it.
            lines.append(f"{use}: not allowed")
    return lines


def xmp_sidecar(work: Work, decisions: Mapping[str, Resolution]) -> bytes:
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


def tdm_reservation(decisions: Mapping[str, Resolution]) -> int:
    """0 only when every use is allowed without constraint; otherwise rights are reserved
    and the policy says what is offered."""
    return 0 if all(decisions[u].decision == "allowed" for u in USES) else 1


def site_location(site: str) -> str:
    """A TDMRep location (a path pattern on the site's origin) for a declared site."""
    path = urlsplit(site).path or "/"
    return path.rstrip("/") + "/*"


def tdmrep(
    sites: Sequence[str], decisions: Mapping[str, Resolution], policy_url: str
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
    creator: Creator, decisions: Mapping[str, Resolution], policy_url: str
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
            rule["duty"] = [{"action": "tdm:comply", "comment": _constraint(res)}]
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
