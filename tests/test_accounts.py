"""Accounts: Argon2 hashes, lock-out after repeated failures (django-axes), session
expiry, and the login audit (``LoginEvent``) with its office page."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from gongjian.units.models import LoginEvent, Role, User

from .factories import CityFactory, UserFactory, member

PASSWORD = "a long test pass 42"
LOGIN = "/accounts/login/"


@pytest.fixture
def city(db):
    return CityFactory()


def _user(username: str, unit=None, role=Role.OPERATOR) -> User:
    user = member(unit, role, username=username) if unit else UserFactory(username=username)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def _post_login(client, username, password, ip="10.1.2.3", agent="pytest-browser/1.0"):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/"},
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT=agent,
    )


# --- password hashing ------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2(db):
    user = _user("argon_user")
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert user.password.startswith("argon2$argon2id$")


def test_an_old_pbkdf2_hash_is_upgraded_to_argon2_on_sign_in(client, db):
    user = UserFactory(username="legacy_user")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    assert user.password.startswith("pbkdf2_sha256$")
    response = _post_login(client, "legacy_user", PASSWORD)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


# --- lock-out --------------------------------------------------------------------------


def test_repeated_wrong_passwords_lock_the_account_even_with_the_right_one(client, city):
    victim = _user("lock_victim", city)
    other = _user("lock_other", city)
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        response = _post_login(client, "lock_victim", "wrong password")
        assert response.status_code == 200  # the form again, with its error
        assert "用户名或密码不正确" in response.content.decode()
    response = _post_login(client, "lock_victim", "wrong password")
    assert response.status_code == 429
    # now even the right password is refused, with the Chinese lock-out page
    response = _post_login(client, "lock_victim", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "账号已暂时锁定" in page and "lock_victim" in page
    assert f"{settings.AXES_COOLOFF_TIME.seconds // 60} 分钟后" in page
    assert "_auth_user_id" not in client.session
    # another user from the same address, and the same user from another address, are not
    response = _post_login(client, "lock_other", PASSWORD)
    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == other.pk
    client.logout()
    response = _post_login(client, "lock_victim", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == victim.pk


def test_the_admin_sign_in_is_locked_too(client, city):
    office = _user("lock_admin", city, Role.OFFICE)
    office.is_staff = True
    office.save(update_fields=["is_staff"])
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "lock_admin", "password": "nope"})
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "lock_admin", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_ends_after_the_cool_off(client, city):
    _user("cool_user", city)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, "cool_user", "wrong")
    assert _post_login(client, "cool_user", PASSWORD).status_code == 429
    # as if the cool-off had passed since the last failure
    AccessAttempt.objects.filter(username="cool_user").update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1)
    )
    assert _post_login(client, "cool_user", PASSWORD).status_code == 302


def test_the_office_unlocks_a_user_in_the_admin(client, city):
    _user("unlock_me", city)
    office = _user("unlock_office", city, Role.OFFICE)
    office.is_staff = True
    office.is_superuser = True
    office.save(update_fields=["is_staff", "is_superuser"])
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, "unlock_me", "wrong")
    assert _post_login(client, "unlock_me", PASSWORD).status_code == 429

    admin = client.__class__()
    admin.force_login(office)
    target = User.objects.get(username="unlock_me")
    response = admin.post(
        "/admin/units/user/",
        {"action": "unlock_sign_in", "_selected_action": [target.pk]},
        follow=True,
    )
    assert response.status_code == 200 and "已解除锁定" in response.content.decode()
    assert not AccessAttempt.objects.filter(username="unlock_me").exists()
    assert _post_login(client, "unlock_me", PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_earlier_failures(client, city):
    _user("reset_user", city)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _post_login(client, "reset_user", "wrong")
    assert _post_login(client, "reset_user", PASSWORD).status_code == 302
    client.logout()
    # a fresh budget of failures: one more wrong password does not lock
    assert _post_login(client, "reset_user", "wrong").status_code == 200
    assert _post_login(client, "reset_user", PASSWORD).status_code == 302


# --- sessions --------------------------------------------------------------------------


def test_session_lifetime_comes_from_the_environment(client, city):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600  # the default: a working day
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_SAVE_EVERY_REQUEST is False  # absolute, not renewed by activity
    _user("session_user", city)
    _post_login(client, "session_user", PASSWORD)
    assert client.session.get_expire_at_browser_close()
    expiry = client.session.get_expiry_date()
    assert abs((expiry - timezone.now()).total_seconds() - 8 * 3600) < 60


def test_an_expired_session_signs_the_user_out(client, city, settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = False
    _user("expired_user", city)
    _post_login(client, "expired_user", PASSWORD)
    assert client.get("/").status_code == 200
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


# --- login audit -----------------------------------------------------------------------


def test_sign_in_failure_sign_out_and_lockout_are_recorded(client, city):
    user = _user("audit_user", city)
    since = LoginEvent.objects.count()
    _post_login(client, "audit_user", "wrong", ip="10.7.7.7", agent="Audit UA")
    _post_login(client, "nobody_here", "wrong", ip="10.7.7.8")
    _post_login(client, "audit_user", PASSWORD, ip="10.7.7.7", agent="Audit UA")
    client.post("/accounts/logout/", REMOTE_ADDR="10.7.7.7")
    events = list(LoginEvent.objects.order_by("pk")[since:])
    assert [(e.kind, e.username) for e in events] == [
        (LoginEvent.Kind.FAILURE, "audit_user"),
        (LoginEvent.Kind.FAILURE, "nobody_here"),
        (LoginEvent.Kind.SUCCESS, "audit_user"),
        (LoginEvent.Kind.LOGOUT, "audit_user"),
    ]
    failure, unknown, success, logout = events
    assert failure.user == user and failure.ip_address == "10.7.7.7"
    assert failure.user_agent == "Audit UA" and failure.path == LOGIN
    assert unknown.user is None and unknown.ip_address == "10.7.7.8"
    assert success.user == user and logout.user == user

    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, "audit_user", "wrong", ip="10.7.7.9")
    _post_login(client, "audit_user", PASSWORD, ip="10.7.7.9")
    lockouts = LoginEvent.objects.filter(
        kind=LoginEvent.Kind.LOCKOUT, username="audit_user", ip_address="10.7.7.9"
    )
    assert lockouts.count() == 2  # the attempt that locked, and the one refused while locked
    assert not LoginEvent.objects.filter(
        kind=LoginEvent.Kind.SUCCESS, ip_address="10.7.7.9"
    ).exists()


def test_proxy_address_is_taken_from_x_forwarded_for_only_when_configured(client, city, settings):
    _user("proxy_user", city)
    since = LoginEvent.objects.count()
    client.post(
        LOGIN,
        {"username": "proxy_user", "password": "wrong"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6",
    )
    settings.GONGJIAN_PROXY_COUNT = 1
    client.post(
        LOGIN,
        {"username": "proxy_user", "password": "wrong"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 172.16.0.9",
    )
    ips = list(LoginEvent.objects.order_by("pk")[since:].values_list("ip_address", flat=True))
    assert ips == ["10.0.0.1", "172.16.0.9"]  # a spoofed left-most entry is never trusted


def test_the_audit_page_is_for_the_office_only(client, city):
    office = member(city, Role.OFFICE, username="audit_office")
    operator = _user("audit_operator", city)
    _post_login(client, "audit_operator", "wrong-1", ip="10.3.3.3")
    client.logout()

    anonymous = client.get("/accounts/audit/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(LOGIN)
    client.force_login(operator)
    assert client.get("/accounts/audit/").status_code == 404
    client.force_login(office)
    page = client.get("/accounts/audit/", {"username": "audit_operator", "kind": "failure"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "登录记录" in html and "10.3.3.3" in html and "登录失败" in html
    other = client.get("/accounts/audit/", {"username": "audit_operator", "kind": "success"})
    assert "10.3.3.3" not in other.content.decode()


def test_login_events_are_read_only_in_the_admin(client, city):
    office = member(city, Role.OFFICE, username="audit_admin")
    office.is_staff = office.is_superuser = True
    office.save(update_fields=["is_staff", "is_superuser"])
    client.post(LOGIN, {"username": "ghost", "password": "x"}, REMOTE_ADDR="10.4.4.4")
    client.force_login(office)
    listing = client.get("/admin/units/loginevent/", {"q": "ghost"})
    assert listing.status_code == 200 and "10.4.4.4" in listing.content.decode()
    event = LoginEvent.objects.get(username="ghost")
    assert client.get("/admin/units/loginevent/add/").status_code == 403
    client.post(f"/admin/units/loginevent/{event.pk}/delete/", {"post": "yes"})
    assert LoginEvent.objects.filter(pk=event.pk).exists()


def test_the_lock_out_page_speaks_english_when_chosen(client, city):
    _user("english_lock", city)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, "english_lock", "wrong")
    response = _post_login(client, "english_lock", PASSWORD)
    assert response.status_code == 429
    assert "locked for now" in response.content.decode()
