"""Rule sets in the service layer, the settings pages and the API: jurisdictions from the
creator's and the audience's countries, AI labels, review terms, audited admin edits."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.approvals import rulesets, services
from crm.approvals.models import DisclosureRuleSet, Revision, RevisionCheck
from crm.approvals.services import RevisionInput
from crm.audit.models import AuditEvent
from crm.common.errors import Conflict, Forbidden, Invalid
from tests.approvals.conftest import PLANNED, TODAY
from tests.conftest import post_form
from tests.factories import CreatorFactory, DealFactory, GrantFactory


def checks(db, sub) -> list[RevisionCheck]:
    rev = db.scalar(
        select(Revision).where(
            Revision.submission_id == sub.id, Revision.number == sub.latest_revision
        )
    )
    return list(
        db.scalars(select(RevisionCheck).where(RevisionCheck.revision_id == rev.id).order_by("id"))
    )


def flags(db, sub) -> list[tuple[str, str | None]]:
    return [(c.code, c.jurisdiction) for c in checks(db, sub)]


@pytest.fixture
def german(world):
    creator = CreatorFactory.build(country="DE")
    world.db.add(creator)
    world.db.flush()
    world.db.add(DealFactory.build(creator_id=creator.id, status="active"))
    world.db.flush()
    return creator


def test_the_creators_country_chooses_the_rule_set(world, german):
    sub = world.submission(body="Mein neues Setup #ad", creator_id=german.id)
    assert flags(world.db, sub) == [("disclosure_missing", "DE"), ("disclosure_vague", "DE")]
    missing = checks(world.db, sub)[0]
    assert missing.remedy == "Add “Werbung” or “Anzeige” at the start of the caption."
    assert "UWG" in missing.source
    fine = world.submission(body="Werbung | Mein neues Setup", creator_id=german.id)
    assert flags(world.db, fine) == []


def test_audience_countries_add_rule_sets_and_legal_may_set_them(world, german):
    world.db.add(DealFactory.build(creator_id=world.creator.id, status="active"))
    world.db.flush()
    sub = world.submission(body="#ad new desk", audience_countries=["de", "DE"])
    assert sub.audience_countries == ["DE"]
    assert flags(world.db, sub) == [("disclosure_missing", "DE"), ("disclosure_vague", "DE")]
    services.set_audience_countries(world.db, world.legal, sub, ["FR"], today=TODAY)
    assert sub.audience_countries == ["FR"]
    assert flags(world.db, sub) == [("disclosure_missing", "FR"), ("disclosure_vague", "FR")]
    assert sub.failed_checks == 2
    event = world.db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "submission.audience", AuditEvent.entity_id == str(sub.id)
        )
    )
    assert event.changes == {"audience_countries": [["DE"], ["FR"]]}
    with pytest.raises(Invalid) as exc:
        services.set_audience_countries(world.db, world.legal, sub, ["XX"], today=TODAY)
    assert "audience_countries" in exc.value.errors
    viewer = world.manager
    viewer.role = "viewer"
    with pytest.raises(Forbidden):
        services.set_audience_countries(world.db, viewer, sub, ["DE"], today=TODAY)


def test_a_published_submission_keeps_its_audience(world):
    sub = world.submission("published")
    with pytest.raises(Conflict):
        services.set_audience_countries(world.db, world.legal, sub, ["DE"], today=TODAY)


def test_an_active_grant_makes_content_ai_made(world):
    world.db.add(
        GrantFactory.build(creator_id=world.creator.id, product_id=world.nova.id, status="active")
    )
    world.db.flush()
    sub = world.submission(body="#ad My weekend", platform="youtube")
    assert flags(world.db, sub) == [("ai_label_platform", "US")]
    assert "altered or synthetic" in checks(world.db, sub)[0].message
    services.add_revision(
        world.db,
        world.manager,
        sub,
        RevisionInput(body="#ad My weekend", ai_label=True),
        today=TODAY,
    )
    assert flags(world.db, sub) == []


def test_review_terms_flag_every_submission_under_the_deal(world):
    deal = DealFactory.build(
        creator_id=world.creator.id,
        status="active",
        deliverables="Two videos. Bonus of $500 only if the review is positive.",
    )
    world.db.add(deal)
    world.db.flush()
    sub = world.submission(body="#ad My review", deal_id=deal.id)
    assert flags(world.db, sub) == [("review_conditioned", "US")]
    assert "Bonus of $500 only if the review is positive" in checks(world.db, sub)[0].message
    other = world.submission(body="#ad Unrelated post")
    assert flags(world.db, other) == []
    findings = services.deal_conditioned_review_findings(world.db, deal)
    assert [f.rule_set.code for f in findings] == ["US"]


def test_admins_edit_rule_sets_with_an_audited_history(world, german):
    with pytest.raises(Forbidden):
        rulesets.save(world.db, world.legal, "DE", {"start_words": 10})
    with pytest.raises(Invalid) as exc:
        rulesets.save(world.db, world.admin, "DE", {"markers": [], "countries": ["ZZ"]})
    assert "markers" in exc.value.errors
    with pytest.raises(Invalid) as exc:
        rulesets.save(world.db, world.admin, "DE", {"countries": ["ZZ"]})
    assert "countries" in exc.value.errors
    rulesets.save(world.db, world.admin, "DE", {"vague": ["#sp"], "default": True})
    row = world.db.scalar(select(DisclosureRuleSet).where(DisclosureRuleSet.code == "DE"))
    assert row.version == 1 and "default" not in row.document
    edited = rulesets.get(world.db, "DE")
    assert edited.vague == ("#sp",) and edited.default is False
    (event,) = rulesets.history(world.db, "DE")
    assert event.action == "disclosure_rule_set.update" and event.actor_id == world.admin.id
    assert event.changes["vague"][1] == ["#sp"] and "#ad" in event.changes["vague"][0]
    assert event.changes["version"] == [0, 1]
    # The edit applies to revisions checked from now on: #ad is no longer named as vague.
    sub = world.submission(body="Mein neues Setup #ad", creator_id=german.id)
    assert flags(world.db, sub) == [("disclosure_missing", "DE")]
    rulesets.reset(world.db, world.admin, "DE")
    assert rulesets.get(world.db, "DE") == rulesets.merged("DE", None)
    assert [e.action for e in rulesets.history(world.db, "DE")] == [
        "disclosure_rule_set.reset",
        "disclosure_rule_set.update",
    ]


def test_the_settings_page_edits_the_default_rule_set(world):
    services.save_settings(
        world.db,
        world.admin,
        disclosure_markers=["#werbung"],
        vague_tags=["#ad"],
        banned_claims=["best ever"],
    )
    assert rulesets.get(world.db, "US").markers == ("#werbung",)
    assert [e.entity_id for e in rulesets.history(world.db)] == ["US"]


# --------------------------------------------------------------------------- pages


def test_settings_page_lists_rule_sets_sources_and_history(client, login, world):
    admin = login("admin")
    rulesets.save(world.db, admin, "UK", {"start_words": 2})
    page = client.get("/admin/approval-settings").get_data(as_text=True)
    for code in ("US", "UK", "FR", "DE", "EU"):
        assert f'/admin/approval-settings/rules/{code}"' in page
    assert "16 CFR Part 255" in page and "Art. 50" in page and "UWG" in page
    assert "start_words" in page and "(version default → 1)" in page


def test_admin_edits_a_rule_set_on_its_page(client, login, world):
    login("admin")
    page = client.get("/admin/approval-settings/rules/FR")
    assert page.status_code == 200 and "Collaboration commerciale" in page.get_data(as_text=True)
    assert client.get("/admin/approval-settings/rules/XX").status_code == 404
    form = {
        "name": "France",
        "countries": "FR RE",
        "disclosure_required": "y",
        "markers": "Publicité\nCollaboration commerciale",
        "vague": "#pub",
        "position": "visible",
        "start_words": "3",
        "in_video": "y",
        "negations": "pas\nnon",
        "negation_window": "2",
        "ai_caption": "with_connection",
        "ai_markers": "Images virtuelles",
        "remedies": "disclosure_missing: Ajoutez « Publicité ».",
        "sources": "disclosure | Loi n° 2023-451, art. 5 | https://www.legifrance.gouv.fr/",
    }
    bad = post_form(client, "/admin/approval-settings/rules/FR", {**form, "markers": ""})
    assert bad.status_code == 422 and "at least one marker" in bad.get_data(as_text=True)
    ok = post_form(client, "/admin/approval-settings/rules/FR", form)
    assert ok.status_code == 302
    saved = rulesets.get(world.db, "FR")
    assert saved.countries == ("FR", "RE") and saved.vague == ("#pub",)
    assert saved.remedy("disclosure_missing") == "Ajoutez « Publicité »."
    assert saved.sources[0].url == "https://www.legifrance.gouv.fr/"
    reset = post_form(client, "/admin/approval-settings/rules/FR/reset")
    assert reset.status_code == 302
    assert rulesets.get(world.db, "FR").countries == rulesets.merged("FR", None).countries


@pytest.mark.parametrize("role", ["manager", "legal", "viewer"])
def test_only_admins_edit_rule_sets(client, login, role):
    login(role)
    assert client.get("/admin/approval-settings/rules/US").status_code == 403


def test_review_page_shows_jurisdiction_remedy_and_legal_adds_an_audience(client, login, world):
    world.db.add(DealFactory.build(creator_id=world.creator.id, status="active"))
    world.db.flush()
    sub = world.submission(body="#ad new desk")
    login("legal")
    page = client.get(f"/review/{sub.id}").get_data(as_text=True)
    assert "No check flagged anything." in page and "Audience countries" in page
    response = post_form(
        client,
        f"/submissions/{sub.id}/audience",
        {"audience_countries": "DE, FR", "back": "review"},
    )
    assert response.status_code == 302 and f"/review/{sub.id}" in response.headers["Location"]
    page = client.get(f"/review/{sub.id}").get_data(as_text=True)
    assert "Add “Werbung” or “Anzeige” at the start of the caption." in page
    assert ">DE</span>" in page and ">FR</span>" in page and "Source:" in page
    bad = post_form(client, f"/submissions/{sub.id}/audience", {"audience_countries": "Narnia"})
    assert bad.status_code == 422  # the submission page again, the message beside the field
    page = bad.get_data(as_text=True)
    assert 'value="Narnia"' in page and "is not an ISO 3166 alpha-2 country code" in page
    assert 'id="audience_countries-errors"' in page
    world.db.expire_all()
    assert world.db.get(type(sub), sub.id).audience_countries == ["DE", "FR"]


def test_revision_form_asks_for_the_ai_label(client, login, world):
    login("manager")
    sub = world.submission(body="#ad Zephyr!", platform="tiktok")
    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "is the platform&#39;s AI label set?" in page or "AI label set?" in page
    assert ("ai_label_platform", "US") in flags(world.db, sub)
    response = post_form(
        client, f"/submissions/{sub.id}/revisions", {"body": "#ad Zephyr!", "ai_label": "yes"}
    )
    assert response.status_code == 303
    world.db.expire_all()
    sub = world.db.get(type(sub), sub.id)
    assert ("ai_label_platform", "US") not in flags(world.db, sub)


def test_deal_page_warns_about_review_terms(client, login, world):
    deal = DealFactory.build(
        creator_id=world.creator.id,
        deliverables="One video.\nThe creator must post a five-star review on the store.",
    )
    world.db.add(deal)
    world.db.flush()
    login("legal")
    response = client.get(f"/agreements/deals/{deal.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Review terms (US)" in page and "16 CFR Part 465" in page
    assert '<mark class="flag">must</mark>' in page
    assert '<mark class="flag">five-star</mark>' in page


# --------------------------------------------------------------------------- API


def test_api_takes_ai_label_and_audience_and_returns_jurisdictions(client, api, world):
    world.db.add(DealFactory.build(creator_id=world.creator.id, status="active"))
    world.db.flush()
    _manager, headers = api("manager")
    body = {
        "creator_id": world.creator.id,
        "platform": "youtube",
        "title": "API post",
        "planned_for": PLANNED.isoformat(),
        "body": "#ad Zephyr first look",
        "ai_label": False,
        "audience_countries": ["DE"],
    }
    bad = client.post(
        "/api/v1/submissions", json={**body, "audience_countries": ["XX"]}, headers=headers
    )
    assert bad.status_code == 422 and "audience_countries" in bad.get_json()["errors"]
    created = client.post("/api/v1/submissions", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["audience_countries"] == ["DE"]
    revision = data["revisions"][0]
    assert revision["ai_label"] is False
    by_code = {(c["code"], c["jurisdiction"]): c for c in revision["checks"]}
    assert set(by_code) >= {
        ("disclosure_missing", "DE"),
        ("ai_label_platform", "US"),
        ("ai_label_platform", "EU"),
        ("unreleased_product", None),
    }
    assert by_code[("disclosure_missing", "DE")]["remedy"].startswith("Add “Werbung”")
    assert "AI Act" in by_code[("ai_label_platform", "EU")]["source"]
    assert by_code[("unreleased_product", None)]["remedy"] is None

    url = f"/api/v1/submissions/{data['id']}"
    _viewer, vheaders = api("viewer")
    assert client.patch(url, json={"audience_countries": []}, headers=vheaders).status_code == 403
    _legal, lheaders = api("legal")
    patched = client.patch(url, json={"audience_countries": []}, headers=lheaders)
    assert patched.status_code == 200 and patched.get_json()["audience_countries"] == []
    codes = {(c["code"], c["jurisdiction"]) for c in patched.get_json()["revisions"][0]["checks"]}
    assert ("disclosure_missing", "DE") not in codes
    revised = client.post(
        f"{url}/revisions", json={"body": "#ad Zephyr", "ai_label": True}, headers=headers
    )
    assert revised.status_code == 201
    assert revised.get_json()["revisions"][1]["ai_label"] is True


# --- revision facts for the French images rules; EU member states --------------------------


def _creator_in(world, country):
    creator = CreatorFactory.build(country=country)
    world.db.add(creator)
    world.db.flush()
    world.db.add(DealFactory.build(creator_id=creator.id, status="active"))
    world.db.flush()
    return creator


def test_retouched_images_need_the_french_mention_only_when_retouched(world):
    french = _creator_in(world, "FR")
    body = "Publicité | Ma nouvelle crème"
    retouched = world.submission(body=body, creator_id=french.id, images_retouched=True)
    assert flags(world.db, retouched) == [("disclosure_retouched", "FR")]
    check = checks(world.db, retouched)[0]
    assert "Images retouchées" in check.remedy and "2023-451" in check.source
    for answer in (False, None):
        sub = world.submission(body=body, creator_id=french.id, images_retouched=answer)
        assert flags(world.db, sub) == [], answer
    said = world.submission(
        body=body + " · Images retouchées", creator_id=french.id, images_retouched=True
    )
    assert flags(world.db, said) == []
    # Not French: no such rule.
    german = _creator_in(world, "DE")
    sub = world.submission(body="Werbung | Neue Creme", creator_id=german.id, images_retouched=True)
    assert flags(world.db, sub) == []


def test_virtual_images_are_asked_for_only_when_a_face_or_body_is_shown(world, make_grant):
    french = _creator_in(world, "FR")
    make_grant(french, world.nova, starts_on=TODAY.replace(year=2025))
    body = "Publicité | Mon affiche faite avec Nova Pro"
    no_person = world.submission(
        body=body, creator_id=french.id, ai_label=True, shows_person_body=False
    )
    assert flags(world.db, no_person) == []
    person = world.submission(
        body=body, creator_id=french.id, ai_label=True, shows_person_body=True
    )
    assert flags(world.db, person) == [("ai_label_caption", "FR")]
    unknown = world.submission(body=body, creator_id=french.id, ai_label=True)
    assert flags(world.db, unknown) == [("ai_label_caption", "FR")]
    assert "not stated whether the images show a face" in checks(world.db, unknown)[0].message


@pytest.mark.parametrize(
    ("country", "caption"),
    [
        ("AT", "Werbung | Mein neues Setup"),
        ("SE", "Reklam: min nya cykel"),
        ("IT", "Pubblicità | La mia nuova lampada"),
        ("ES", "Publicidad: mi nueva rutina"),
    ],
)
def test_eu_member_states_get_the_eu_rule_set_not_the_us_one(world, country, caption):
    creator = _creator_in(world, country)
    assert flags(world.db, world.submission(body=caption, creator_id=creator.id)) == []
    missing = world.submission(body="Meine neue Lampe", creator_id=creator.id)
    assert flags(world.db, missing) == [("disclosure_missing", "EU")]


def test_the_api_takes_and_returns_the_facts_and_refuses_bad_values(client, api, world):
    french = _creator_in(world, "FR")
    _u, headers = api("manager")
    body = {
        "creator_id": french.id,
        "platform": "instagram",
        "title": "Crème",
        "planned_for": PLANNED.isoformat(),
        "body": "Publicité | Ma nouvelle crème",
        "images_retouched": True,
        "shows_person_body": False,
    }
    res = client.post("/api/v1/submissions", json=body, headers=headers)
    assert res.status_code == 201, res.get_json()
    revision = res.get_json()["revisions"][0]
    assert revision["images_retouched"] is True and revision["shows_person_body"] is False
    assert [(c["code"], c["jurisdiction"]) for c in revision["checks"]] == [
        ("disclosure_retouched", "FR")
    ]
    sid = res.get_json()["id"]
    fixed = client.post(
        f"/api/v1/submissions/{sid}/revisions",
        json={"body": "Publicité | Images retouchées", "images_retouched": True},
        headers=headers,
    )
    assert fixed.status_code == 201
    assert fixed.get_json()["revisions"][-1]["checks"] == []
    for bad in ("maybe", 3, [], {"a": 1}):
        res = client.post(
            "/api/v1/submissions", json=body | {"images_retouched": bad}, headers=headers
        )
        assert res.status_code == 422 and "images_retouched" in res.get_json()["errors"], bad
        res = client.post(
            f"/api/v1/submissions/{sid}/revisions",
            json={"body": "x", "shows_person_body": bad},
            headers=headers,
        )
        assert res.status_code == 422, bad


def test_the_form_takes_the_facts(client, login, world, db):
    french = _creator_in(world, "FR")
    db.commit()
    login("manager")
    page = client.get("/submissions/new").get_data(as_text=True)
    assert 'name="images_retouched"' in page and 'name="shows_person_body"' in page
    data = {
        "creator_id": str(french.id),
        "deal_id": "",
        "title": "Crème du soir",
        "platform": "instagram",
        "planned_for": "2026-03-20T10:00",
        "body": "Publicité | Ma crème",
        "media_url": "",
        "disclosure_in_video": "",
        "images_retouched": "yes",
        "shows_person_body": "no",
        "submit_now": "y",
    }
    res = post_form(client, "/submissions/new", data)
    assert res.status_code == 302, res.get_data(as_text=True)
    rev = db.scalar(select(Revision).order_by(Revision.id.desc()).limit(1))
    assert (rev.images_retouched, rev.shows_person_body) == (True, False)
    page = client.get(res.headers["Location"]).get_data(as_text=True)
    assert "Images retouched: yes" in page
    bad = post_form(client, "/submissions/new", data | {"images_retouched": "perhaps"})
    assert bad.status_code == 422
