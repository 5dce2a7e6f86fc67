"""Real identity servers for the sign-in tests: an OpenLDAP ``slapd`` of its own (a
config and a database in a temporary folder, loaded from a test LDIF), and a small
OpenID Connect provider plus CAS server on loopback (``http.server`` in a thread)."""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

SUFFIX = "dc=example,dc=gov,dc=cn"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root-secret"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ldif(entries: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """LDIF text; values that are not plain ASCII are written base64 (``name:: …``)."""
    blocks = []
    for dn, attributes in entries:
        lines = [f"dn: {dn}"]
        for name, value in attributes:
            if value.isascii() and not value.startswith((" ", ":", "<")):
                lines.append(f"{name}: {value}")
            else:
                lines.append(f"{name}:: {base64.b64encode(value.encode()).decode()}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


@dataclass
class Slapd:
    """A running ``slapd`` on loopback."""

    folder: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def start(self, entries: list[tuple[str, list[tuple[str, str]]]]) -> None:
        (self.folder / "db").mkdir(parents=True)
        conf = self.folder / "slapd.conf"
        conf.write_text(
            "\n".join(
                [*(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS)]
                + [
                    f"pidfile {self.folder}/slapd.pid",
                    f"argsfile {self.folder}/slapd.args",
                    "modulepath /usr/lib/ldap",
                    "moduleload back_mdb",
                    "database mdb",
                    "maxsize 16777216",
                    f'suffix "{SUFFIX}"',
                    f'rootdn "{ROOT_DN}"',
                    f"rootpw {ROOT_PASSWORD}",
                    f"directory {self.folder}/db",
                    "access to attrs=userPassword by self write by anonymous auth by * none",
                    "access to * by users read by * none",
                ]
            )
            + "\n"
        )
        data = self.folder / "data.ldif"
        data.write_text(ldif(entries))
        subprocess.run(
            [str(sbin("slapadd")), "-f", str(conf), "-l", str(data)],
            check=True,
            capture_output=True,
        )
        # -d 0: stay in the foreground (the test ends it), log nothing
        self.process = subprocess.Popen(
            [str(sbin("slapd")), "-f", str(conf), "-h", self.uri + "/", "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd stopped: {self.process.stderr.read().decode()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("slapd did not start listening")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()


def sbin(name: str) -> str | None:
    """An OpenLDAP server program (in /usr/sbin, which a user's PATH may lack)."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")


def slapd_available() -> bool:
    return bool(sbin("slapd") and sbin("slapadd"))


@dataclass
class Provider:
    """An OpenID Connect provider (code flow, RS256 ID tokens, JWKS, userinfo) and a CAS
    server (``/cas/login``, ``/cas/p3/serviceValidate``) on one loopback port.

    ``subject`` is who signs in at the next authorization (a dict of claims, which the
    CAS side sends as attributes with ``preferred_username`` as the CAS user).
    """

    client_id: str = "gongjian"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    subject: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict] = field(default_factory=dict)
    tokens: dict[str, dict] = field(default_factory=dict)
    tickets: dict[str, tuple[str, dict]] = field(default_factory=dict)
    token_requests: list[dict] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-1"

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def environ(self) -> dict[str, str]:
        """The GONGJIAN_OIDC_* / GONGJIAN_CAS_* variables an install would set."""
        return {
            "GONGJIAN_OIDC_CLIENT_ID": self.client_id,
            "GONGJIAN_OIDC_CLIENT_SECRET": self.client_secret,
            "GONGJIAN_OIDC_AUTHORIZATION_ENDPOINT": f"{self.base}/oidc/authorize",
            "GONGJIAN_OIDC_TOKEN_ENDPOINT": f"{self.base}/oidc/token",
            "GONGJIAN_OIDC_USERINFO_ENDPOINT": f"{self.base}/oidc/userinfo",
            "GONGJIAN_OIDC_JWKS_ENDPOINT": f"{self.base}/oidc/jwks",
            "GONGJIAN_CAS_URL": f"{self.base}/cas/",
        }

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def start(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def reply(self, status: int, body: bytes = b"", kind="application/json", **headers):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/oidc/authorize":
                    if query.get("client_id") != provider.client_id:
                        return self.reply(400, b'{"error": "unauthorized_client"}')
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = {**query, "claims": dict(provider.subject)}
                    target = (
                        query["redirect_uri"]
                        + "?"
                        + urllib.parse.urlencode({"code": code, "state": query["state"]})
                    )
                    return self.reply(302, Location=target)
                if url.path == "/oidc/jwks":
                    return self.reply(200, json.dumps(provider.jwks()).encode())
                if url.path == "/oidc/userinfo":
                    bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    claims = provider.tokens.get(bearer)
                    if claims is None:
                        return self.reply(401, b'{"error": "invalid_token"}')
                    return self.reply(200, json.dumps(claims).encode())
                if url.path == "/cas/login":
                    ticket = "ST-" + secrets.token_urlsafe(12)
                    provider.tickets[ticket] = (query["service"], dict(provider.subject))
                    sep = "&" if "?" in query["service"] else "?"
                    return self.reply(302, Location=f"{query['service']}{sep}ticket={ticket}")
                if url.path == "/cas/p3/serviceValidate":
                    return self.reply(200, provider.cas_answer(query), kind="text/xml")
                return self.reply(404)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                if self.path != "/oidc/token":
                    return self.reply(404)
                provider.token_requests.append(form)
                grant = provider.codes.pop(form.get("code", ""), None)
                if (
                    grant is None
                    or form.get("client_id") != provider.client_id
                    or form.get("client_secret") != provider.client_secret
                    or form.get("redirect_uri") != grant["redirect_uri"]
                ):
                    return self.reply(400, b'{"error": "invalid_grant"}')
                claims = grant["claims"]
                now = int(time.time())
                id_token = jwt.encode(
                    {
                        "iss": provider.base,
                        "aud": provider.client_id,
                        "sub": claims["sub"],
                        "iat": now,
                        "exp": now + 300,
                        "nonce": grant.get("nonce"),
                    },
                    provider.key,
                    algorithm="RS256",
                    headers={"kid": provider.kid},
                )
                access = secrets.token_urlsafe(16)
                provider.tokens[access] = claims
                body = {"access_token": access, "token_type": "Bearer", "id_token": id_token}
                return self.reply(200, json.dumps(body).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def cas_answer(self, query: dict[str, str]) -> bytes:
        found = self.tickets.pop(query.get("ticket", ""), None)
        if found is None or found[0] != query.get("service"):
            inner = '<cas:authenticationFailure code="INVALID_TICKET">unknown</cas:authenticationFailure>'
        else:
            claims = found[1]
            attrs = "".join(
                f"<cas:{name}>{escape(str(v))}</cas:{name}>"
                for name, value in claims.items()
                if name not in ("sub", "preferred_username")
                for v in (value if isinstance(value, list) else [value])
            )
            inner = (
                "<cas:authenticationSuccess>"
                f"<cas:user>{escape(claims['preferred_username'])}</cas:user>"
                f"<cas:attributes>{attrs}</cas:attributes>"
                "</cas:authenticationSuccess>"
            )
        return (
            f'<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">{inner}</cas:serviceResponse>'
        ).encode()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
