"""Signed consent receipts: one per change, verifiable, and any flipped byte breaks them."""

from __future__ import annotations

import base64
import json
from datetime import date

from crm.licensing import receipts, services
from crm.licensing.models import ConsentReceipt

PAST = date(2020, 1, 1)


def _claims(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_create_and_revoke_each_produce_a_signed_receipt(client, api, db, make_creator):
    _user, headers = api("manager")
    creator = make_creator(display_name="Ada Example", country="FR")
    res = client.post(
        "/api/v1/consents",
        json={
            "creator_id": creator.id,
            "use": "ai_training",
            "decision": "allowed",
            "source": "contract",
            "evidence": "contract 42, clause 3",
            "effective_on": "2024-01-01",
        },
        headers=headers,
    )
    assert res.status_code == 201, res.json
    consent_id = res.json["id"]
    res = client.get(f"/api/v1/consents/{consent_id}/receipt", headers=headers)
    assert res.status_code == 200
    token = res.json["receipt"]
    claims = _claims(token)
    assert claims["event"] == "create"
    assert claims["piiPrincipalId"] == f"creator:{creator.id}"
    assert claims["piiPrincipalName"] == "Ada Example"
    assert claims["jurisdiction"] == "FR"
    assert claims["collectionMethod"] == "contract"
    assert claims["evidence"] == "contract 42, clause 3"
    assert claims["services"][0]["purposes"][0]["purpose"] == "ai_training"
    assert claims["services"][0]["purposes"][0]["decision"] == "allowed"

    verified = client.post("/api/v1/receipts/verify", json={"receipt": token}, headers=headers)
    assert verified.status_code == 200 and verified.json == {"valid": True}

    res = client.post(
        f"/api/v1/consents/{consent_id}/revoke", json={"revoked_on": "2025-01-01"}, headers=headers
    )
    assert res.status_code == 200, res.json
    res = client.get(f"/api/v1/consents/{consent_id}/receipt", headers=headers)
    assert [r["event"] for r in res.json["receipts"]] == ["create", "revoke"]
    revoke = _claims(res.json["receipt"])
    assert revoke["services"][0]["purposes"][0]["revokedOn"] == "2025-01-01"
    assert receipts.verify(db, res.json["receipt"])


def test_flipping_any_byte_makes_the_receipt_invalid(db, make_creator, make_consent):
    creator = make_creator()
    consent = make_consent(creator, effective_on=PAST)
    db.flush()
    token = db.query(ConsentReceipt).filter_by(consent_id=consent.id).one().jws
    assert receipts.verify(db, token)
    for i in range(len(token)):
        flipped = token[:i] + chr(ord(token[i]) ^ 1) + token[i + 1 :]
        assert not receipts.verify(db, flipped), i
    assert not receipts.verify(db, "not.a.jws")
    assert not receipts.verify(db, 42)


def test_jwks_publishes_only_the_public_key(client, db, make_creator, make_consent):
    make_consent(make_creator(), effective_on=PAST)
    db.flush()
    res = client.get("/.well-known/jwks.json")
    assert res.status_code == 200
    keys = res.json["keys"]
    assert keys and all("d" not in k and k["alg"] == "ES256" and k["kty"] == "EC" for k in keys)


def test_configured_key_signs(app, db, make_creator):
    from joserfc.jwk import ECKey

    key = ECKey.generate_key("P-256", private=True)
    app.config["CRM_RECEIPT_KEY"] = json.dumps(key.as_dict(private=True))
    try:
        with app.app_context():
            consent = services.create_consent(
                db,
                None,
                creator_id=make_creator().id,
                use="data_mining",
                decision="not_allowed",
                source="creator_request",
                effective_on=PAST,
            )
            token = receipts.receipts_of(db, consent.id)[0].jws
            assert (
                json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]
                == key.thumbprint()
            )
            assert receipts.verify(db, token)
    finally:
        app.config["CRM_RECEIPT_KEY"] = ""


def test_receipts_verify_cli(app, db, runner, make_creator, make_consent, tmp_path):
    consent = make_consent(make_creator(), effective_on=PAST)
    db.flush()
    token = receipts.receipts_of(db, consent.id)[0].jws
    db.commit()
    good = tmp_path / "good.jws"
    good.write_text(token)
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"receipt": token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]})
    )
    result = runner.invoke(args=["crm", "receipts", "verify", str(good)])
    assert result.exit_code == 0 and "valid" in result.output
    result = runner.invoke(args=["crm", "receipts", "verify", str(bad)])
    assert result.exit_code == 1 and "invalid" in result.output
