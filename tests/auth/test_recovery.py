"""Account recovery and invitations: single-use, expiring links sent through the outbox.

The emails are read back from the outbox table and their links followed, as the person
receiving them would.
"""

from __future__ import annotations

import re
import secrets
import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from crm.audit.models import AuditEvent
from crm.auth import links
from crm.auth.models import ApiToken, AuthLink, LoginAttempt, User
from crm.auth.recovery import SENT_MESSAGE
from crm.auth.services import create_token
from crm.common.actor import system_actor
from crm.common.timeutil import utcnow
from crm.db import make_engine
from crm.mail.models import OutboxMessage
from tests.conftest import CSRF_RE, log_in, post_form
from tests.factories import DEFAULT_PASSWORD, UserFactory

NEW_PASSWORD = "a brand new passphrase for me"
OPERATOR = system_actor("test")
LINK_RE = re.compile(r"http://crm\.test(/account/(?:invite|reset)/([A-Za-z0-9_-]+))")


def _emails(db, to: str, kind: str) -> list[OutboxMessage]:
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to == to, OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        )
    )


def _link_of(message: OutboxMessage) -> str:
    """The path of the link in an email (the same in its text and HTML parts)."""
    match = LINK_RE.search(message.text)
    assert match, message.text
    assert match.group(0) in (message.html or "")
    return match.group(1)


def _set_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    page = client.get(path)
    token = CSRF_RE.search(page.get_data(as_text=True))
    assert token, page.get_data(as_text=True)[:500]
    return client.post(
        path,
        data={
            "password": password,
            "confirm": password if confirm is None else confirm,
            "csrf_token": token.group(1),
        },
    )


def _request_reset(client, email: str):
    return post_form(client, "/forgot-password", {"email": email})


def _reset_rows(db) -> int:
    rows = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.kind == "reset")
    return db.scalar(rows)


def _settings(app) -> links.LinkSettings:
    return links.settings_from(app.config)


# --- invitations -------------------------------------------------------------------------


def test_invitation_end_to_end_through_the_outbox(app, client, login, db):
    admin = login("admin")
    form = {"email": "New.Hire@Example.test", "name": "New Hire", "role": "legal"}
    asked = post_form(client, "/admin/users/invite", form)
    assert asked.status_code == 200 and "Give" in asked.get_data(as_text=True)
    assert db.scalar(select(User).where(User.email == "new.hire@example.test")) is None
    response = post_form(client, "/admin/users/invite", {**form, "confirm_role": "yes"})
    assert response.status_code == 302, response.get_data(as_text=True)
    user = db.scalar(select(User).where(User.email == "new.hire@example.test"))
    assert (user.role, user.name, user.active) == ("legal", "New Hire", True)
    page = client.get("/admin/users/").get_data(as_text=True)
    assert "invitation pending" in page

    # No password was typed by anybody: the account cannot log in before the link is used.
    invitee = app.test_client()
    assert log_in(invitee, user, NEW_PASSWORD).status_code == 401
    [email] = _emails(db, "new.hire@example.test", "account_invite")
    assert email.idempotency_key.startswith("auth-link:")
    assert admin.name in email.text and "legal" in email.text
    path = _link_of(email)
    form_page = invitee.get(path)
    assert form_page.status_code == 200
    assert "new.hire@example.test" in form_page.get_data(as_text=True)

    done = _set_password(invitee, path)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "Your password is set" in invitee.get("/login").get_data(as_text=True)
    assert log_in(invitee, user, NEW_PASSWORD).status_code == 302
    assert invitee.get("/profile").status_code == 200
    assert "invitation pending" not in client.get("/admin/users/").get_data(as_text=True)
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(user.id))))
    assert {"user.create", "user.invite", "user.invite_accept"} <= actions


def test_new_user_form_defaults_to_viewer_and_viewer_needs_no_confirmation(client, login, db):
    login("admin")
    page = client.get("/admin/users/").get_data(as_text=True)
    new_user_form = page[page.index('action="/admin/users/invite"') :].split("</form>")[0]
    assert re.search(r'<option selected value="viewer">', new_user_form)
    assert 'name="password"' not in new_user_form
    response = post_form(client, "/admin/users/invite", {"email": "reader@example.test"})
    assert response.status_code == 302
    user = db.scalar(select(User).where(User.email == "reader@example.test"))
    assert (user.role, user.name) == ("viewer", "reader")


def test_inviting_an_existing_address_is_refused(client, login, make_user, db):
    make_user("viewer", email="taken@example.test")
    login("admin")
    response = post_form(client, "/admin/users/invite", {"email": "TAKEN@example.test"})
    assert response.status_code == 422
    assert "already used" in response.get_data(as_text=True)
    assert _emails(db, "taken@example.test", "account_invite") == []


def test_resending_an_invitation_replaces_the_old_link(app, client, login, db):
    login("admin")
    post_form(client, "/admin/users/invite", {"email": "slow@example.test"})
    user = db.scalar(select(User).where(User.email == "slow@example.test"))
    response = post_form(client, f"/admin/users/{user.id}/invite")
    assert response.status_code == 302
    first, second = _emails(db, "slow@example.test", "account_invite")
    invitee = app.test_client()
    old = invitee.get(_link_of(first))
    assert old.status_code == 410 and "already used" in old.get_data(as_text=True)
    assert _set_password(invitee, _link_of(second)).status_code == 302
    # Accepted: nothing is pending any more, so there is nothing to resend.
    again = post_form(client, f"/admin/users/{user.id}/invite")
    assert again.status_code == 302
    assert "no pending invitation" in client.get("/admin/users/").get_data(as_text=True)


def test_accepting_an_invitation_keeps_tokens_minted_for_the_account(app, db):
    invitation = links.invite_user(
        db, OPERATOR, email="bot@example.test", name=None, role="viewer", settings=_settings(app)
    )
    _token, raw = create_token(db, invitation.user, invitation.user, "operator minted")
    db.flush()
    client = app.test_client()
    assert _set_password(client, invitation.url.removeprefix("http://crm.test")).status_code == 302
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200


def test_invite_user_cli_emails_and_prints_the_link(app, db, runner):
    result = runner.invoke(
        args=["crm", "invite-user", "Ops@Example.test", "--role", "manager", "--print-link"]
    )
    assert result.exit_code == 0, result.output
    printed = LINK_RE.search(result.output)
    assert printed and "ops@example.test (manager)" in result.output
    [email] = _emails(db, "ops@example.test", "account_invite")
    assert _link_of(email) == printed.group(1)
    assert "An administrator" in email.text
    quiet = runner.invoke(args=["crm", "invite-user", "q@example.test", "--role", "viewer"])
    assert quiet.exit_code == 0 and LINK_RE.search(quiet.output) is None
    refused = runner.invoke(args=["crm", "invite-user", "OPS@example.test", "--role", "viewer"])
    assert refused.exit_code != 0 and "already used" in refused.output


# --- password reset ----------------------------------------------------------------------


def test_reset_flow_sets_a_new_password(app, client, make_user, db):
    user = make_user("manager", email="forgetful@example.test")
    assert 'href="/forgot-password"' in client.get("/login").get_data(as_text=True)
    assert client.get("/forgot-password").status_code == 200
    response = _request_reset(client, "Forgetful@Example.test ")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    [email] = _emails(db, "forgetful@example.test", "account_reset")
    path = _link_of(email)
    assert _set_password(client, path, "short").status_code == 422  # the policy holds
    assert _set_password(client, path, NEW_PASSWORD, "something else").status_code == 422
    done = _set_password(client, path)  # a refused password did not use the link up
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "Log in with the new password" in client.get("/login").get_data(as_text=True)
    assert log_in(client, user, DEFAULT_PASSWORD).status_code == 401
    assert log_in(client, user, NEW_PASSWORD).status_code == 302


def test_reset_answers_the_same_whether_or_not_the_address_exists(client, make_user, db):
    make_user("viewer", email="here@example.test")
    make_user("viewer", email="gone@example.test", active=False)
    answers = []
    for address in ("here@example.test", "nobody@example.test", "gone@example.test"):
        response = _request_reset(client, address)
        follow = client.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.status_code, response.headers["Location"], SENT_MESSAGE in follow))
    assert answers == [(302, "/login", True)] * 3
    assert len(_emails(db, "here@example.test", "account_reset")) == 1
    assert _emails(db, "nobody@example.test", "account_reset") == []
    assert _emails(db, "gone@example.test", "account_reset") == []


def test_expired_link_shows_a_clear_page_and_a_way_to_ask_again(client, make_user, db):
    user = make_user("viewer", email="late@example.test")
    with time_machine.travel(utcnow(), tick=False) as clock:
        _request_reset(client, "late@example.test")
        path = _link_of(_emails(db, "late@example.test", "account_reset")[0])
        token = CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)
        clock.shift(timedelta(minutes=61))
        page = client.get(path)
        assert page.status_code == 410
        text = page.get_data(as_text=True)
        assert "expired" in text and 'href="/forgot-password"' in text
        data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token}
        assert client.post(path, data=data).status_code == 410
    db.refresh(user)
    assert log_in(client, user, DEFAULT_PASSWORD).status_code == 302


def test_invitation_lasts_seven_days(app, client, login, db):
    with time_machine.travel(utcnow(), tick=False) as clock:
        login("admin")
        post_form(client, "/admin/users/invite", {"email": "week@example.test"})
        path = _link_of(_emails(db, "week@example.test", "account_invite")[0])
        invitee = app.test_client()
        clock.shift(timedelta(days=6, hours=23))
        assert invitee.get(path).status_code == 200
        clock.shift(timedelta(hours=2))
        assert invitee.get(path).status_code == 410


def test_a_used_link_is_refused_the_second_time(client, make_user, db):
    user = make_user("viewer", email="twice@example.test")
    _request_reset(client, "twice@example.test")
    path = _link_of(_emails(db, "twice@example.test", "account_reset")[0])
    assert _set_password(client, path).status_code == 302
    again = client.get(path)
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    other = "another passphrase again here"
    refused = post_form(client, path, {"password": other, "confirm": other})
    assert refused.status_code == 410
    db.refresh(user)
    assert log_in(client, user, NEW_PASSWORD).status_code == 302


def test_a_newer_reset_link_replaces_the_older_one(client, make_user, db):
    make_user("viewer", email="again@example.test")
    _request_reset(client, "again@example.test")
    _request_reset(client, "again@example.test")
    first, second = _emails(db, "again@example.test", "account_reset")
    assert "newer link" in client.get(_link_of(first)).get_data(as_text=True)
    assert client.get(_link_of(second)).status_code == 200


def test_deactivation_or_a_password_change_closes_open_links(app, client, login, make_user, db):
    gone = make_user("viewer", email="leaving@example.test")
    stays = make_user("viewer", email="staying@example.test")
    for address in ("leaving@example.test", "staying@example.test"):
        _request_reset(client, address)
    login("admin")
    post_form(client, f"/admin/users/{gone.id}/deactivate")
    db.refresh(gone)
    assert not gone.active
    page = app.test_client().get(_link_of(_emails(db, "leaving@example.test", "account_reset")[0]))
    assert page.status_code == 410 and "deactivated" in page.get_data(as_text=True)
    owner = app.test_client()
    assert log_in(owner, stays).status_code == 302
    changed = post_form(
        owner,
        "/profile/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    page = app.test_client().get(_link_of(_emails(db, "staying@example.test", "account_reset")[0]))
    assert page.status_code == 410 and "replaced" in page.get_data(as_text=True)


def test_unknown_or_malformed_tokens_get_the_same_clear_page(client):
    for token in (secrets.token_urlsafe(32), "x", "%00", "a" * 300):
        for kind in ("reset", "invite"):
            page = client.get(f"/account/{kind}/{token}")
            assert page.status_code == 404, (kind, token)
            assert "does not work" in page.get_data(as_text=True)


def test_a_reset_ends_every_session_and_token_of_the_user(app, make_user, db):
    user = make_user("manager", email="stolen@example.test")
    elsewhere = app.test_client()
    assert log_in(elsewhere, user).status_code == 302
    _token, raw = create_token(db, user, user, "laptop")
    db.flush()
    bearer = {"Authorization": f"Bearer {raw}"}
    assert elsewhere.get("/api/v1/me", headers=bearer).status_code == 200
    owner = app.test_client()
    _request_reset(owner, "stolen@example.test")
    path = _link_of(_emails(db, "stolen@example.test", "account_reset")[0])
    assert _set_password(owner, path).status_code == 302
    after = elsewhere.get("/profile")
    assert after.status_code == 302 and "/login" in after.headers["Location"]
    assert elsewhere.get("/api/v1/me", headers=bearer).status_code == 401
    assert db.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == user.id))


def test_using_a_link_while_logged_in_logs_this_browser_out(app, client, make_user, db):
    user = make_user("viewer", email="both@example.test")
    assert log_in(client, user).status_code == 302
    _request_reset(client, "both@example.test")
    path = _link_of(_emails(db, "both@example.test", "account_reset")[0])
    assert _set_password(client, path).status_code == 302
    assert client.get("/profile").status_code == 302


def test_reset_requests_are_throttled_per_address_and_per_account(app, client, make_user, db):
    make_user("viewer", email="flooded@example.test")
    per_account = app.config["PASSWORD_RESET_MAX_PER_ACCOUNT"]
    for _ in range(per_account + 2):
        assert _request_reset(client, "flooded@example.test").status_code == 302
    # The same answer, but no more email than the limit: nobody can flood an inbox.
    assert len(_emails(db, "flooded@example.test", "account_reset")) == per_account
    per_address = app.config["PASSWORD_RESET_MAX_PER_ADDRESS"]
    for i in range(per_address - per_account - 2):
        assert _request_reset(client, f"someone{i}@example.test").status_code == 302
    refused = _request_reset(client, "one-more@example.test")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # Reset requests are not failed logins: the account can still log in.
    assert _reset_rows(db) == per_address
    user = db.scalar(select(User).where(User.email == "flooded@example.test"))
    assert log_in(client, user).status_code == 302


@pytest.mark.parametrize(
    "email",
    [
        "victim@example.test\r\nBcc: everyone@evil.test",
        "victim@example.test\n",
        "\r\nvictim@example.test",
        "vic\x00tim@example.test",
        "victim\u2028@example.test",
        "vic\u200btim@example.test",
        "\u202evictim@example.test",
        "ｖｉｃｔｉｍ@example.test",
        "victim@exam\ufeffple.test",
        "not-an-address",
    ],
)
def test_odd_addresses_give_a_form_error_never_a_500(client, login, make_user, db, email):
    make_user("viewer", email="victim@example.test")
    response = _request_reset(client, email)
    assert response.status_code == 422, response.status_code
    assert "invalid-feedback" in response.get_data(as_text=True)
    login("admin")
    invited = post_form(client, "/admin/users/invite", {"email": email, "role": "viewer"})
    assert invited.status_code == 422
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert _reset_rows(db) == 0


# --- two redemptions at once -------------------------------------------------------------


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_two_redemptions_at_once_succeed_once(app, engine):
    settings = _settings(app)
    rounds = 3
    outcomes_per_round = []
    user_ids: list[int] = []
    try:
        for n in range(rounds):
            with Session(engine, expire_on_commit=False) as s:
                admin = UserFactory.build(role="admin", email=f"race-admin{n}@example.test")
                s.add(admin)
                s.flush()
                user_ids.append(admin.id)
                invitation = links.invite_user(
                    s,
                    admin,
                    email=f"race{n}@example.test",
                    name=None,
                    role="viewer",
                    settings=settings,
                )
                user_ids.append(invitation.user.id)
                s.commit()
            raw = invitation.url.rsplit("/", 1)[1]
            barrier = threading.Barrier(2)
            outcomes: list = [None, None]

            def work(i, raw=raw, barrier=barrier, outcomes=outcomes):
                with Session(engine) as s:
                    try:
                        barrier.wait(timeout=10)
                        links.redeem_link(s, links.INVITE, raw, f"racing passphrase number {i}")
                        s.commit()
                        outcomes[i] = "won"
                    except links.LinkUnusable as exc:
                        s.rollback()
                        outcomes[i] = exc.reason
                    except Exception as exc:  # reported below rather than lost in the thread
                        s.rollback()
                        outcomes[i] = repr(exc)

            threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            outcomes_per_round.append(sorted(outcomes))
            with Session(engine) as s:
                used = s.scalars(
                    select(AuthLink.used_at).where(AuthLink.user_id == invitation.user.id)
                ).all()
                accepted = s.scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(
                        AuditEvent.action == "user.invite_accept",
                        AuditEvent.entity_id == str(invitation.user.id),
                    )
                )
            assert [u is not None for u in used] == [True] and accepted == 1
        assert outcomes_per_round == [["used", "won"]] * rounds
    finally:
        with Session(engine) as s:
            emails = [f"race{n}@example.test" for n in range(rounds)]
            s.execute(delete(OutboxMessage).where(OutboxMessage.to.in_(emails)))
            s.execute(delete(AuditEvent).where(AuditEvent.actor_id.in_(user_ids)))
            s.execute(
                delete(AuditEvent).where(
                    AuditEvent.entity == "user",
                    AuditEvent.entity_id.in_([str(i) for i in user_ids]),
                )
            )
            s.execute(delete(AuthLink).where(AuthLink.user_id.in_(user_ids)))
            s.execute(delete(User).where(User.id.in_(user_ids)))
            s.commit()


# --- a more powerful role asks to confirm ------------------------------------------------


def test_raising_a_role_needs_confirmation(client, login, make_user, db):
    login("admin")
    target = make_user("viewer")
    asked = post_form(client, f"/admin/users/{target.id}/role", {"role": "admin"})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert f"Give {target.email} the role Admin?" in page
    assert 'name="confirm_role" value="yes"' in page
    db.refresh(target)
    assert target.role == "viewer"
    done = post_form(
        client, f"/admin/users/{target.id}/role", {"role": "admin", "confirm_role": "yes"}
    )
    assert done.status_code == 302
    db.refresh(target)
    assert target.role == "admin"


def test_sideways_moves_confirm_and_lowering_does_not(client, login, make_user, db):
    login("admin")
    legal = make_user("legal")
    sideways = post_form(client, f"/admin/users/{legal.id}/role", {"role": "manager"})
    assert sideways.status_code == 200 and "confirm_role" in sideways.get_data(as_text=True)
    db.refresh(legal)
    assert legal.role == "legal"
    lowered = post_form(client, f"/admin/users/{legal.id}/role", {"role": "viewer"})
    assert lowered.status_code == 302
    db.refresh(legal)
    assert legal.role == "viewer"


def test_inviting_with_a_powerful_role_needs_confirmation(client, login, db):
    login("admin")
    asked = post_form(
        client, "/admin/users/invite", {"email": "boss@example.test", "role": "admin"}
    )
    assert asked.status_code == 200 and "the role Admin?" in asked.get_data(as_text=True)
    assert db.scalar(select(User).where(User.email == "boss@example.test")) is None
    assert _emails(db, "boss@example.test", "account_invite") == []


# --- recent login on every privileged act ------------------------------------------------


def _old_login(client, login, traveller):
    admin = login("admin")
    traveller.shift(timedelta(minutes=16))
    client.get("/")  # the session stays alive (the idle timeout is 30 minutes)
    return admin


def _acts(app, db, admin, make_user):
    """(url, form, still_unchanged) for each act; still_unchanged() checks nothing happened."""
    active = make_user("viewer")
    inactive = make_user("viewer", active=False)
    pending = links.invite_user(
        db, admin, email="pending@example.test", name=None, role="viewer", settings=_settings(app)
    ).user
    token, _raw = create_token(db, admin, admin, "mine")
    db.flush()

    def no_user(email):
        return lambda: db.scalar(select(User).where(User.email == email)) is None

    def unchanged(row, attr, value):
        def check():
            db.refresh(row)
            return getattr(row, attr) == value

        return check

    def one_invitation():
        return len(_emails(db, "pending@example.test", "account_invite")) == 1

    def one_token():
        tokens = select(func.count()).select_from(ApiToken).where(ApiToken.user_id == admin.id)
        return db.scalar(tokens) == 1

    return {
        "create": (
            "/admin/users/",
            {"email": "p@example.test", "name": "P", "role": "viewer", "password": NEW_PASSWORD},
            no_user("p@example.test"),
        ),
        "invite": ("/admin/users/invite", {"email": "i@example.test"}, no_user("i@example.test")),
        "resend_invite": (f"/admin/users/{pending.id}/invite", {}, one_invitation),
        "activate": (
            f"/admin/users/{inactive.id}/activate",
            {},
            unchanged(inactive, "active", False),
        ),
        "deactivate": (
            f"/admin/users/{active.id}/deactivate",
            {},
            unchanged(active, "active", True),
        ),
        "mint_token": ("/profile/tokens", {"name": "new"}, one_token),
        "revoke_token": (
            f"/profile/tokens/{token.id}/revoke",
            {},
            unchanged(token, "revoked_at", None),
        ),
    }


ACTS = ["create", "invite", "resend_invite", "activate", "deactivate", "mint_token", "revoke_token"]


@pytest.mark.parametrize("act", ACTS)
def test_privileged_acts_need_a_recent_login(app, client, login, make_user, db, act):
    with time_machine.travel(utcnow(), tick=False) as traveller:
        admin = _old_login(client, login, traveller)
        url, data, still_unchanged = _acts(app, db, admin, make_user)[act]
        response = post_form(
            client, url, data, headers={"Referer": "http://localhost/admin/users/"}
        )
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/reauth")
        assert still_unchanged()
        reauth = post_form(client, "/reauth?next=/admin/users/", {"password": DEFAULT_PASSWORD})
        assert reauth.headers["Location"] == "/admin/users/"
        again = post_form(client, url, data)
        assert not again.headers.get("Location", "").startswith("/reauth")
        assert not still_unchanged()


def test_the_daily_purge_drops_links_long_expired(app, db):
    from crm.auth.tasks import purge_links

    settings = _settings(app)
    with time_machine.travel(utcnow() - timedelta(days=40), tick=False):
        links.invite_user(
            db, OPERATOR, email="old@example.test", name=None, role="viewer", settings=settings
        )
    links.invite_user(
        db, OPERATOR, email="new@example.test", name=None, role="viewer", settings=settings
    )
    assert purge_links(db) == 1
    left = db.scalars(select(AuthLink.user_id).join(User, User.id == AuthLink.user_id)).all()
    emails = {db.get(User, user_id).email for user_id in left}
    assert "new@example.test" in emails and "old@example.test" not in emails
