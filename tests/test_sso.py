"""Sign-in through the government's identity system: LDAP against a real OpenLDAP
``slapd``, OpenID Connect and CAS against a provider on loopback; each places the user in
the unit and role the directory gives (one shared mapping)."""

from __future__ import annotations

import urllib.parse

import ldap3
import pytest
import requests
from django.contrib.auth import authenticate
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory

from gongjian.kit.scope import SYSTEM
from gongjian.sso import conf, mapping
from gongjian.sso.models import DirectoryAccount
from gongjian.units.models import LoginEvent, Membership, Role, Unit, User
from gongjian.units.services import membership_grant, office_group
from tests.factories import UnitFactory
from tests.sso_servers import (
    ROOT_DN,
    ROOT_PASSWORD,
    SUFFIX,
    Provider,
    Slapd,
    free_port,
    slapd_available,
)

PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
DEPARTMENT = "昌吉测试发改委"
BASE_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]


def person(uid: str, name: str, password: str, **extra: str) -> tuple[str, list]:
    attributes = [
        ("objectClass", "inetOrgPerson"),
        ("uid", uid),
        ("cn", name),
        ("sn", name[0]),
        ("displayName", name),
        ("mail", f"{uid}@example.gov.cn"),
        ("userPassword", password),
        *extra.items(),
    ]
    return f"uid={uid},{PEOPLE}", attributes


DIRECTORY = [
    (
        SUFFIX,
        [
            ("objectClass", "dcObject"),
            ("objectClass", "organization"),
            ("dc", "example"),
            ("o", "测试政务"),
        ],
    ),
    (PEOPLE, [("objectClass", "organizationalUnit"), ("ou", "people")]),
    (GROUPS, [("objectClass", "organizationalUnit"), ("ou", "groups")]),
    person(
        "zhangsan",
        "张三",
        "zs-secret",
        departmentNumber="652301",
        employeeType="operator",
        title="科员",
    ),
    person("lisi", "李四", "ls-secret", departmentNumber="652300", employeeType="攻坚办管理员"),
    person("wangwu", "王五", "ww-secret"),
    person("zhaoliu", "赵六", "zl-secret"),
    (
        f"cn=gongjian_{DEPARTMENT}_leader,{GROUPS}",
        [
            ("objectClass", "groupOfNames"),
            ("cn", f"gongjian_{DEPARTMENT}_leader"),
            ("member", f"uid=wangwu,{PEOPLE}"),
        ],
    ),
    (
        f"cn=staff,{GROUPS}",
        [("objectClass", "groupOfNames"), ("cn", "staff"), ("member", f"uid=zhangsan,{PEOPLE}")],
    ),
]


@pytest.fixture(scope="module")
def slapd(tmp_path_factory):
    if not slapd_available():
        pytest.skip("OpenLDAP slapd is not installed (Debian: apt-get install slapd ldap-utils)")
    server = Slapd(folder=tmp_path_factory.mktemp("slapd"), port=free_port())
    server.start(DIRECTORY)
    yield server
    server.stop()


@pytest.fixture
def units(db):
    city = UnitFactory(name="昌吉测试州", kind=Unit.Kind.CITY, code="652300")
    return {
        "city": city,
        "one": UnitFactory(name="昌吉测试一区", parent=city, code="652301"),
        "two": UnitFactory(name="昌吉测试二区", parent=city, code="652302"),
        "department": UnitFactory(name=DEPARTMENT, parent=city, kind=Unit.Kind.DEPARTMENT),
    }


def configure(settings, environ: dict[str, str]) -> None:
    """What ``gongjian/settings.py`` does with these variables."""
    values = conf.sso_settings(environ)
    settings.AUTHENTICATION_BACKENDS = BASE_BACKENDS + values.pop("SSO_BACKENDS")
    for name, value in values.items():
        setattr(settings, name, value)


@pytest.fixture
def ldap_on(settings, slapd, units):
    configure(
        settings,
        {
            "GONGJIAN_LDAP_URI": slapd.uri,
            "GONGJIAN_LDAP_SEARCH_BASE": PEOPLE,
            "GONGJIAN_LDAP_BIND_DN": ROOT_DN,
            "GONGJIAN_LDAP_BIND_PASSWORD": ROOT_PASSWORD,
            "GONGJIAN_LDAP_GROUP_SEARCH_BASE": GROUPS,
        },
    )
    return units


def request():
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.1.2.3")


def roles_of(user: User) -> set[tuple[str, str]]:
    return {
        (m.unit.name, m.role) for m in Membership.objects.filter(user=user).select_related("unit")
    }


def test_ldap_sign_in_lands_in_unit_and_role(ldap_on):
    user = authenticate(request(), username="zhangsan", password="zs-secret")
    assert user is not None and user.username == "zhangsan"
    assert roles_of(user) == {("昌吉测试一区", Role.OPERATOR)}
    assert (user.full_name, user.email, user.title) == ("张三", "zhangsan@example.gov.cn", "科员")
    assert not user.has_usable_password()  # the directory holds the password
    account = DirectoryAccount.objects.get(user=user)
    assert (account.source, account.external_id) == ("ldap", f"uid=zhangsan,{PEOPLE}")
    assert account.managed == [[ldap_on["one"].pk, "operator"]]
    assert "userPassword" not in account.attributes
    # the grant is in the membership's history, by the system, with its reason
    record = Membership.history.get(user=user, history_type="+")
    assert record.history_user is None and record.history_change_reason == "统一身份认证(LDAP)"


def test_ldap_wrong_password_or_unknown_user(ldap_on):
    assert authenticate(request(), username="zhangsan", password="wrong") is None
    assert authenticate(request(), username="nobody", password="zs-secret") is None
    assert authenticate(request(), username="zhangsan", password="") is None
    assert not User.objects.filter(username__in=["zhangsan", "nobody"]).exists()


def test_ldap_office_role_by_chinese_name(ldap_on):
    user = authenticate(request(), username="lisi", password="ls-secret")
    assert roles_of(user) == {("昌吉测试州", Role.OFFICE)}
    user.refresh_from_db()
    assert user.is_staff and user.groups.filter(pk=office_group().pk).exists()


def test_ldap_group_gives_unit_by_name_and_role(ldap_on):
    user = authenticate(request(), username="wangwu", password="ww-secret")
    assert roles_of(user) == {(DEPARTMENT, Role.LEADER)}
    assert DirectoryAccount.objects.get(user=user).attributes["groups"] == [
        f"gongjian_{DEPARTMENT}_leader"
    ]


def test_ldap_user_without_unit_is_refused(ldap_on):
    assert authenticate(request(), username="zhaoliu", password="zl-secret") is None
    user = User.objects.get(username="zhaoliu")
    assert not Membership.objects.filter(user=user).exists()
    page = Client().post("/accounts/login/", {"username": "zhaoliu", "password": "zl-secret"})
    assert page.status_code == 200 and "_auth_user_id" not in page.client.session


def test_ldap_sign_in_through_the_login_page(ldap_on):
    client = Client()
    assert "统一身份认证登录" not in client.get("/accounts/login/").content.decode()  # no CAS/OIDC
    response = client.post("/accounts/login/", {"username": "zhangsan", "password": "zs-secret"})
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="zhangsan")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session["_auth_user_backend"] == conf.LDAP_BACKEND
    assert roles_of(user) == {("昌吉测试一区", Role.OPERATOR)}
    assert LoginEvent.objects.filter(user=user, kind=LoginEvent.Kind.SUCCESS).exists()
    assert client.get("/").status_code == 200


def test_ldap_changes_follow_at_next_sign_in(ldap_on, slapd):
    user = authenticate(request(), username="zhangsan", password="zs-secret")
    # the office grants a role by hand: the directory never takes it away
    membership_grant(actor=SYSTEM, user=user, unit=ldap_on["department"], role=Role.VIEWER)
    with ldap3.Connection(slapd.uri, ROOT_DN, ROOT_PASSWORD, auto_bind=True) as c:
        dn = f"uid=zhangsan,{PEOPLE}"
        c.modify(dn, {"departmentNumber": [(ldap3.MODIFY_REPLACE, ["652302"])]})
        assert c.result["result"] == 0
    try:
        again = authenticate(request(), username="zhangsan", password="zs-secret")
        assert again.pk == user.pk
        assert roles_of(user) == {("昌吉测试二区", Role.OPERATOR), (DEPARTMENT, Role.VIEWER)}
        revoked = Membership.history.get(user=user, history_type="-")
        assert revoked.unit_id == ldap_on["one"].pk
        assert revoked.history_change_reason == "统一身份认证(LDAP)"
    finally:
        with ldap3.Connection(slapd.uri, ROOT_DN, ROOT_PASSWORD, auto_bind=True) as c:
            c.modify(dn, {"departmentNumber": [(ldap3.MODIFY_REPLACE, ["652301"])]})


def test_local_passwords_still_work(ldap_on):
    local = User.objects.create_user(username="local", password="local-pass-1")
    membership_grant(actor=SYSTEM, user=local, unit=ldap_on["city"], role=Role.VIEWER)
    assert authenticate(request(), username="local", password="local-pass-1") == local


def test_mapping_config_from_environment():
    config = conf.mapping_config(
        {"GONGJIAN_SSO_ROLE_MAP": "admin=office, staff=单位填报员", "GONGJIAN_SSO_DEFAULT_ROLE": ""}
    )
    assert config["roles"]["admin"] == "office" and config["roles"]["staff"] == "operator"
    assert config["default_role"] == ""
    with pytest.raises(ImproperlyConfigured, match="GONGJIAN_SSO_ROLE_MAP"):
        conf.mapping_config({"GONGJIAN_SSO_ROLE_MAP": "admin=boss"})
    with pytest.raises(ImproperlyConfigured, match="named groups"):
        conf.mapping_config({"GONGJIAN_SSO_GROUP_PATTERN": "^gj_(.+)$"})
    with pytest.raises(ImproperlyConfigured, match="GONGJIAN_LDAP_SEARCH_BASE"):
        conf.sso_settings({"GONGJIAN_LDAP_URI": "ldap://127.0.0.1"})
    assert conf.sso_settings({})["SSO_BACKENDS"] == []


def test_mapping_reports_what_it_cannot_place(units):
    config = conf.mapping_config({"GONGJIAN_SSO_ROLE_MAP": "staff=operator"})
    attributes = mapping.normalise(
        {
            "departmentNumber": ["652301", "659999"],
            "employeeType": "staff",
            "groups": ["gongjian_652302_boss"],
        }
    )
    given = mapping.grants(attributes, config)
    assert given.pairs == [(units["one"], "operator")]
    assert given.unmatched == ["departmentNumber=659999", "groups=gongjian_652302_boss"]
    # a unit without a role attribute gets the default role (viewer)
    default = mapping.grants({"departmentNumber": ["652302"]}, config)
    assert default.pairs == [(units["two"], "viewer")]


# ------------------------------------------------------------- OpenID Connect and CAS


@pytest.fixture(scope="module")
def provider():
    server = Provider()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def providers_on(settings, provider, units):
    configure(settings, provider.environ())
    provider.subject = {
        "sub": "a1b2c3",
        "preferred_username": "sunqi",
        "name": "孙七",
        "email": "sunqi@example.gov.cn",
        "departmentNumber": "652302",
        "employeeType": "operator",
        "groups": [f"gongjian_{DEPARTMENT}_viewer", "unrelated"],
    }
    return units


def test_login_page_shows_single_sign_on_buttons(providers_on):
    page = Client().get("/accounts/login/?next=/projects/").content.decode()
    assert "统一身份认证登录(CAS)" in page and "统一身份认证登录(OpenID)" in page
    assert 'href="/accounts/sso/oidc/login/?next=/projects/"' in page
    assert 'href="/accounts/sso/cas/login/?next=/projects/"' in page


def test_oidc_code_flow(providers_on, provider):
    client = Client()
    start = client.get("/accounts/sso/oidc/login/", {"next": "/projects/"})
    assert start.status_code == 302 and start["Location"].startswith(
        f"{provider.base}/oidc/authorize?"
    )
    # the browser at the provider: it signs the user in and sends them back with a code
    back = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302
    callback = urllib.parse.urlsplit(back.headers["Location"])
    assert callback.path == "/accounts/sso/oidc/callback/"
    done = client.get(callback.path + "?" + callback.query)
    assert done.status_code == 302 and done["Location"] == "/projects/"
    user = User.objects.get(username="sunqi")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.full_name == "孙七" and user.email == "sunqi@example.gov.cn"
    assert roles_of(user) == {("昌吉测试二区", Role.OPERATOR), (DEPARTMENT, Role.VIEWER)}
    account = DirectoryAccount.objects.get(user=user)
    assert (account.source, account.external_id) == ("oidc", "a1b2c3")
    assert provider.token_requests[-1]["grant_type"] == "authorization_code"

    # the same person again, renamed at the provider: found by ``sub``, same user
    provider.subject = {
        **provider.subject,
        "preferred_username": "sunqi2",
        "departmentNumber": "652301",
    }
    client = Client()
    start = client.get("/accounts/sso/oidc/login/")
    back = requests.get(start["Location"], allow_redirects=False, timeout=10)
    callback = urllib.parse.urlsplit(back.headers["Location"])
    assert client.get(callback.path + "?" + callback.query).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert roles_of(user) == {("昌吉测试一区", Role.OPERATOR), (DEPARTMENT, Role.VIEWER)}


def test_oidc_forged_state_is_refused(providers_on, provider):
    client = Client()
    start = client.get("/accounts/sso/oidc/login/")
    back = requests.get(start["Location"], allow_redirects=False, timeout=10)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back.headers["Location"]).query))
    response = client.get(
        "/accounts/sso/oidc/callback/", {"code": query["code"], "state": "forged"}
    )
    assert response.status_code == 302 and "_auth_user_id" not in client.session
    assert not User.objects.filter(username="sunqi").exists()


def test_oidc_user_without_unit_goes_back_with_a_message(providers_on, provider):
    provider.subject = {"sub": "x9", "preferred_username": "nobody", "groups": ["unrelated"]}
    client = Client()
    start = client.get("/accounts/sso/oidc/login/")
    back = requests.get(start["Location"], allow_redirects=False, timeout=10)
    callback = urllib.parse.urlsplit(back.headers["Location"])
    done = client.get(callback.path + "?" + callback.query)
    assert done.status_code == 302 and done["Location"] == "/accounts/login/?sso=failed"
    assert "_auth_user_id" not in client.session
    assert "目录中没有可对应的单位和角色" in client.get(done["Location"]).content.decode()


def test_cas_sign_in(providers_on, provider):
    client = Client()
    start = client.get("/accounts/sso/cas/login/", {"next": "/projects/"})
    assert start.status_code == 302 and start["Location"].startswith(f"{provider.base}/cas/login?")
    back = requests.get(start["Location"], allow_redirects=False, timeout=10)
    service = urllib.parse.urlsplit(back.headers["Location"])
    assert service.path == "/accounts/sso/cas/login/"
    done = client.get(service.path + "?" + service.query)
    assert done.status_code == 302 and done["Location"] == "/projects/"
    user = User.objects.get(username="sunqi")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert roles_of(user) == {("昌吉测试二区", Role.OPERATOR), (DEPARTMENT, Role.VIEWER)}
    assert DirectoryAccount.objects.get(user=user).source == "cas"


def test_cas_bad_ticket_goes_back_to_login(providers_on):
    client = Client()
    done = client.get("/accounts/sso/cas/login/", {"ticket": "ST-forged"})
    assert done.status_code == 302 and done["Location"] == "/accounts/login/?sso=failed"
    assert "_auth_user_id" not in client.session


def test_unconfigured_ways_answer_404(db, settings):
    settings.AUTHENTICATION_BACKENDS = BASE_BACKENDS
    client = Client()
    for path in (
        "/accounts/sso/oidc/login/",
        "/accounts/sso/oidc/callback/",
        "/accounts/sso/cas/login/",
    ):
        assert client.get(path).status_code == 404
