"""Handles are compared after Unicode normalisation, and look-alikes are refused."""

from __future__ import annotations

import pytest

from crm.common.errors import Conflict
from crm.creators import identity, services


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("ＭａｙａＣｈｅｎ", "mayachen"),  # fullwidth
        ("𝐌𝐚𝐲𝐚𝐂𝐡𝐞𝐧", "mayachen"),  # mathematical bold
        ("@Straße", "strasse"),
        ("＠maya", "maya"),  # fullwidth at sign
        (" @MAYA ", "maya"),
    ],
)
def test_the_key_is_nfkc_and_case_folded(written, key):
    assert identity.handle_key(written) == key


def test_look_alikes_share_a_skeleton():
    latin, cyrillic = "paypal", "p\u0430ypal"
    assert identity.handle_key(latin) != identity.handle_key(cyrillic)
    assert identity.handle_skeleton(latin) == identity.handle_skeleton(cyrillic)
    assert identity.handle_skeleton("luke") == identity.handle_skeleton("1uke")
    assert identity.handle_skeleton("maya") != identity.handle_skeleton("mina")


@pytest.mark.parametrize("handle", ["ＭａｙａＣｈｅｎ", "𝐌𝐚𝐲𝐚𝐂𝐡𝐞𝐧", "MAYACHEN"])
def test_a_normalised_duplicate_is_refused_naming_the_holder(db, make_user, handle):
    admin = make_user("admin")
    maya = services.create_creator(db, admin, {"display_name": "Maya Chen"})
    other = services.create_creator(db, admin, {"display_name": "Someone Else"})
    services.add_account(db, admin, maya, {"platform": "youtube", "handle": "mayachen"})
    with pytest.raises(Conflict, match="Maya Chen"):
        services.add_account(db, admin, other, {"platform": "youtube", "handle": handle})


def test_sharp_s_is_the_same_handle_as_ss(db, make_user):
    admin = make_user("admin")
    first = services.create_creator(db, admin, {"display_name": "Die Straße"})
    other = services.create_creator(db, admin, {"display_name": "Someone Else"})
    services.add_account(db, admin, first, {"platform": "tiktok", "handle": "strasse"})
    with pytest.raises(Conflict, match="Die Straße"):
        services.add_account(db, admin, other, {"platform": "tiktok", "handle": "straße"})


def test_a_confusable_handle_is_refused_naming_the_holder(db, make_user):
    admin = make_user("admin")
    maya = services.create_creator(db, admin, {"display_name": "Maya Chen"})
    other = services.create_creator(db, admin, {"display_name": "Someone Else"})
    services.add_account(db, admin, maya, {"platform": "youtube", "handle": "paypal"})
    with pytest.raises(Conflict, match="Maya Chen"):
        services.add_account(db, admin, other, {"platform": "youtube", "handle": "p\u0430ypal"})
    # Another platform is another namespace.
    services.add_account(db, admin, other, {"platform": "x", "handle": "p\u0430ypal"})
    # Renaming onto a look-alike is refused too; renaming an account to itself is not.
    mine = services.add_account(db, admin, other, {"platform": "youtube", "handle": "else"})
    with pytest.raises(Conflict, match="Maya Chen"):
        services.update_account(db, admin, mine, {"handle": "PAYPA1"})
    maya_account = services.account_holder(db, "youtube", "paypal")
    assert maya_account is not None
    services.update_account(db, admin, maya_account, {"handle": "PayPal"})


def test_the_api_answers_409_naming_the_holder(client, api, db, make_user):
    _user, headers = api("manager")
    admin = make_user("admin")
    maya = services.create_creator(db, admin, {"display_name": "Maya Chen"})
    other = services.create_creator(db, admin, {"display_name": "Someone Else"})
    services.add_account(db, admin, maya, {"platform": "youtube", "handle": "paypal"})
    db.flush()
    response = client.post(
        f"/api/v1/creators/{other.id}/accounts",
        json={"platform": "youtube", "handle": "𝐩𝐚𝐲𝐩𝐚𝐥"},
        headers=headers,
    )
    assert response.status_code == 409
    assert "Maya Chen" in response.get_json()["detail"]
    response = client.post(
        f"/api/v1/creators/{other.id}/accounts",
        json={"platform": "youtube", "handle": "p\u0430ypal"},
        headers=headers,
    )
    assert response.status_code == 409
    assert "Maya Chen" in response.get_json()["detail"]
