"""What the server tells the people running it, and what it refuses before reading:

- every server error (a request answered 500, an error the product's own code logs) is
  written with its traceback to the console and to ``<VAR_DIR>/log/gongjian.log``, with
  debug off as in production; a 404 is not an error and is not logged;
- `gongjian serve` warns on stderr when it runs with the development secret key;
- a request whose body is over the upload limit is answered 413 before it is read.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import django
import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import path

from gongjian import cli
from gongjian.kit.middleware import MB, RequestSizeLimitMiddleware, request_max_bytes
from tests.factories import subprocess_environment

ROOT = Path(__file__).resolve().parent.parent


# --- server errors in the log -----------------------------------------------------------


def boom(request):
    raise RuntimeError("进度汇总失败 boom-7f3a")


# the URLs of the child process below (ROOT_URLCONF=tests.test_logging)
urlpatterns = [path("boom/", boom)]
handler500 = "gongjian.kit.http.server_error"

REQUESTS = r"""
import logging

import django

django.setup()
from django.conf import settings
from django.test import Client, override_settings

assert settings.DEBUG is False
with override_settings(ROOT_URLCONF="tests.test_logging"):
    client = Client(raise_request_exception=False)
    print("boom", client.get("/boom/").status_code)
    print("missing", client.get("/no-such-page/").status_code)
try:
    {}["district"]
except KeyError:
    logging.getLogger("gongjian.reports.imports").exception("导入中断 import-9c1e")
"""


def _environment(tmp_path: Path) -> dict[str, str]:
    return subprocess_environment(tmp_path, "db.sqlite3", GONGJIAN_DEBUG="0")


def test_a_server_error_is_logged_with_its_traceback_to_the_console_and_the_file(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", REQUESTS],
        cwd=ROOT,
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["boom", "500", "missing", "404"]
    log_file = tmp_path / "log" / "gongjian.log"
    assert log_file.exists(), done.stderr[-3000:]
    for output in (log_file.read_text(encoding="utf-8"), done.stderr):
        request_error = output[output.index("ERROR django.request") :]
        assert "Internal Server Error: /boom/" in request_error.splitlines()[0]
        assert "Traceback (most recent call last):" in request_error
        assert 'raise RuntimeError("进度汇总失败 boom-7f3a")' in request_error
        assert "RuntimeError: 进度汇总失败 boom-7f3a" in request_error
        # the product's own loggers, with the traceback too
        ours = output[output.index("ERROR gongjian.reports.imports") :]
        assert "导入中断 import-9c1e" in ours and "KeyError: 'district'" in ours
        # a page that does not exist is the client's mistake, not a server error
        assert "no-such-page" not in output


def test_the_log_file_rotates(settings):
    file_handler = settings.LOGGING["handlers"]["file"]
    assert file_handler["class"] == "logging.handlers.RotatingFileHandler"
    assert Path(file_handler["filename"]) == Path(settings.VAR_DIR) / "log" / "gongjian.log"
    assert file_handler["maxBytes"] > 0 and file_handler["backupCount"] > 0
    assert (Path(settings.VAR_DIR) / "log").is_dir()


# --- `gongjian serve` with the development key ---------------------------------------------


class Exec(Exception):
    """Stands for the ``os.execv`` that replaces `gongjian serve` with gunicorn."""


@pytest.fixture
def no_exec(monkeypatch):
    argv: list[list[str]] = []

    def execv(executable, args):
        argv.append(list(args))
        raise Exec

    monkeypatch.setattr(os, "execv", execv)
    # Django is set up already; setting it up again would point the log's console handler
    # at this test's captured stderr
    monkeypatch.setattr(django, "setup", lambda *args, **kwargs: None)
    return argv


SERVE = ["serve", "--no-collectstatic", "--workers", "1", "--bind", "127.0.0.1:8111"]


def test_serve_warns_on_stderr_with_the_development_secret_key(settings, no_exec, capsys):
    settings.SECRET_KEY = settings.DEFAULT_SECRET_KEY
    with pytest.raises(Exec):
        cli.main(SERVE)
    assert no_exec and "gunicorn" in no_exec[0]
    err = capsys.readouterr().err
    assert "警告" in err and "默认密钥" in err and "GONGJIAN_SECRET_KEY" in err
    assert "WARNING" in err
    # said before gunicorn starts
    assert err.index("默认密钥") < err.index("gunicorn:")


def test_serve_says_nothing_with_a_secret_key_of_its_own(settings, no_exec, capsys):
    settings.SECRET_KEY = "k" * 64
    with pytest.raises(Exec):
        cli.main(SERVE)
    assert "默认密钥" not in capsys.readouterr().err


# --- the request size cap ----------------------------------------------------------------


class Unreadable:
    """A request body that must not be read."""

    def read(self, *args):
        raise AssertionError("the body of an oversized request was read")

    readline = read


def test_the_cap_is_the_upload_limit_plus_room_for_the_form_fields():
    assert request_max_bytes() == 55 * MB  # 50 MB uploads (kit.uploads, the Excel import)
    with override_settings(GONGJIAN={"IMPORT_MAX_BYTES": 80 * MB}):
        assert request_max_bytes() == 85 * MB
    with override_settings(GONGJIAN={"REQUEST_MAX_BYTES": 10 * MB}):
        assert request_max_bytes() == 10 * MB


@pytest.mark.parametrize("url", ["/reports/import/projects/", "/api/projects/1/reports"])
def test_an_oversized_request_is_refused_with_413_before_its_body_is_read(client, url):
    length = 60 * MB
    response = client.generic(
        "POST",
        url,
        data=b"x",
        content_type="multipart/form-data; boundary=b",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    text = response.json()["detail"] if url.startswith("/api/") else response.content.decode()
    assert "请求过大" in text and "60.0 MB" in text and "55 MB" in text
    # the site's headers are on it as on any answer
    assert "Content-Security-Policy" in response


def test_a_request_within_the_cap_goes_through():
    seen = []
    middleware = RequestSizeLimitMiddleware(lambda request: seen.append(request) or HttpResponse())
    factory = RequestFactory()
    within = factory.post("/reports/import/projects/", data=b"x", content_type="text/plain")
    within.META["CONTENT_LENGTH"] = str(request_max_bytes())
    assert middleware(within).status_code == 200
    assert middleware(factory.get("/")).status_code == 200
    over = factory.post("/", data=b"x", content_type="text/plain")
    over.META["CONTENT_LENGTH"] = str(request_max_bytes() + 1)
    assert middleware(over).status_code == 413
    assert len(seen) == 2
