"""Uploaded files over their life: a progress report's site photo is stored under a
generated name, shown (every version's) only to who may see the report, and its file
deleted once no report shows it; imports' temporary files (stored uploads, error sheets)
are deleted after some days and never go into a backup."""

from __future__ import annotations

import io
import os
import re
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from gongjian.ops import services as ops
from gongjian.projects import services
from gongjian.projects.models import ProgressReport
from gongjian.reports.models import ImportRun
from tests.factories import build_city_world

GENERATED = re.compile(r"reports/\d{4}/\d{2}/[0-9a-f]{32}\.(jpg|png)")


def _jpeg(color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, format="JPEG")
    return out.getvalue()


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(report) -> str:
    return f"/projects/{report.project_id}/reports/{report.pk}/photo/"


def _attach(world, report, name="张三身份证号210703.jpg", color=(200, 30, 30), actor=None):
    services.progress_report_attach_photo(
        actor=actor or world.operator_a,
        report=report,
        photo=SimpleUploadedFile(name, _jpeg(color), content_type="image/jpeg"),
    )
    report.refresh_from_db()
    return report


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_city_world()


def _stored(report) -> Path:
    return Path(report.photo.path)


# --- the photo ----------------------------------------------------------------------


def test_a_photo_is_stored_under_a_generated_name(world):
    first = _attach(world, world.report_a, name="张三身份证号210703.jpg").photo.name
    assert GENERATED.fullmatch(first), first
    assert "张三" not in first and "210703" not in first
    again = _attach(world, world.report_a, name="张三身份证号210703.jpg").photo.name
    assert GENERATED.fullmatch(again) and again != first


def test_the_photo_is_shown_to_who_may_see_the_report_only(world):
    report = _attach(world, world.report_a)
    mine = _login(world.operator_a).get(_url(report))
    assert mine.status_code == 200
    assert mine["Content-Type"] == "image/jpeg"
    assert b"".join(mine.streaming_content) == _stored(report).read_bytes()
    assert _login(world.office).get(_url(report)).status_code == 200
    # another district's operator: as if there were no such report
    assert _login(world.operator_b).get(_url(report)).status_code == 404
    # a report of another project under this project's address: not found either
    other = f"/projects/{world.project_b.pk}/reports/{report.pk}/photo/"
    assert _login(world.office).get(other).status_code == 404
    assert Client().get(_url(report)).status_code == 302  # to the login page
    page = _login(world.operator_a).get(f"/projects/{report.project_id}/").content.decode()
    assert _url(report) in page


def test_a_superseded_versions_photo_stays_viewable_and_linked(
    world, django_capture_on_commit_callbacks
):
    report = _attach(world, world.report_a)
    services.progress_report_approve(actor=world.office, report=report)
    with django_capture_on_commit_callbacks(execute=True):
        new = services.progress_report_correct(
            actor=world.office, report=report, reason="口径更正", investment_this_period=1
        )
        assert new.photo.name == report.photo.name  # the correction keeps the photo
        # a new photo for the correction: the approved version still shows the old one
        new = _attach(world, new, color=(10, 200, 10), actor=world.office)
    old = ProgressReport.all_versions.get(pk=report.pk)
    assert not old.is_current and old.photo.name == report.photo.name
    assert _stored(old).exists() and _stored(new).exists()
    office = _login(world.office)
    for version in (old, new):
        response = office.get(_url(version))
        assert response.status_code == 200, version
        assert b"".join(response.streaming_content) == _stored(version).read_bytes()
        assert _login(world.operator_b).get(_url(version)).status_code == 404
    page = office.get(f"/projects/{report.project_id}/").content.decode()
    assert _url(old) in page and _url(new) in page


def test_a_replaced_photo_is_deleted(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _stored(_attach(world, world.report_a))
    assert first.exists()
    with django_capture_on_commit_callbacks(execute=True):
        second = _stored(_attach(world, world.report_a, color=(0, 0, 200)))
    assert second.exists() and not first.exists()
    # a refused replacement keeps the photo there is
    with pytest.raises(ValidationError), django_capture_on_commit_callbacks(execute=True):
        services.progress_report_attach_photo(
            actor=world.operator_a,
            report=world.report_a,
            photo=SimpleUploadedFile("x.jpg", b"<html>not an image</html>"),
        )
    assert second.exists()


def test_a_deleted_reports_photo_is_deleted(world, django_capture_on_commit_callbacks):
    report = _attach(world, world.report_a)
    stored = _stored(report)
    with django_capture_on_commit_callbacks(execute=True):
        ProgressReport.all_versions.filter(pk=report.pk).delete()
    assert not stored.exists()


def test_a_replacement_rolled_back_keeps_the_photo(world, django_capture_on_commit_callbacks):
    report = _attach(world, world.report_a)
    stored = _stored(report)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _attach(world, report, color=(0, 0, 200))
    assert callbacks  # the deletion waits for the commit, which never comes
    assert stored.exists()


# --- temporary files: cleanup and backups -------------------------------------------


def _aged(path: Path, days: float, data: bytes = b"PK\x03\x04 sheet") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    then = time.time() - days * 86400
    os.utime(path, (then, then))
    return path


@pytest.fixture
def media(settings, tmp_path, monkeypatch):
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    monkeypatch.setattr(tempfile, "tempdir", str(_aged(tmp_path / "tmp" / "x", 0).parent))
    return root


def test_cleanup_deletes_old_import_uploads_and_error_sheets(db, media):
    office = build_city_world().office
    imports = media / "imports"
    old_upload = _aged(imports / f"{uuid.uuid4().hex}.xlsx", 40)
    old_errors = _aged(imports / f"{uuid.uuid4().hex}-errors.xlsx", 31)
    recent_errors = _aged(imports / f"{uuid.uuid4().hex}-errors.xlsx", 2)
    kept = [
        recent_errors,
        _aged(imports / "2024" / "项目清单.xlsx", 400),  # somebody's file, not ours
        _aged(media / "reports" / "2024" / "05" / f"{uuid.uuid4().hex}.jpg", 400),
    ]
    system = Path(tempfile.gettempdir())
    old_export = _aged(system / "gongjian-export-k2j4_x9a.xlsx", 3 * 30)
    kept.append(_aged(system / "gongjian-export-abcdef12.xlsx", 0.1))
    kept.append(_aged(system / "someone-else.xlsx", 400))
    run, fresh = (
        ImportRun.objects.create(
            schema="projects",
            file_name="清单.xlsx",
            status="refused",
            error_file=str(sheet),
            created_by=office,
        )
        for sheet in (old_errors, recent_errors)
    )

    listed = ops.cleanup_files(30, dry_run=True)
    assert sorted(listed.deleted) == sorted([old_upload, old_errors, old_export])
    assert old_upload.exists() and old_errors.exists()

    out = io.StringIO()
    call_command("cleanup_files", "--days", "30", stdout=out)
    assert "已删除 3 个" in out.getvalue()
    assert not old_upload.exists() and not old_errors.exists() and not old_export.exists()
    assert all(p.exists() for p in kept)
    run.refresh_from_db()
    fresh.refresh_from_db()
    assert run.error_file == "" and fresh.error_file == str(recent_errors)
    # the old run's page no longer offers its sheet; the recent one's still does
    client = _login(office)
    assert "下载错误行" not in client.get(f"/reports/imports/{run.pk}/").content.decode()
    assert "下载错误行" in client.get(f"/reports/imports/{fresh.pk}/").content.decode()
    assert client.get(f"/reports/imports/{fresh.pk}/errors.xlsx").status_code == 200


def test_cleanup_keeps_at_least_a_day(db, media):
    with pytest.raises(ops.BackupError):
        ops.cleanup_files(0)


@pytest.mark.django_db(transaction=True)
def test_a_backup_leaves_out_the_temporary_import_files(media, tmp_path):
    photo = _aged(media / "reports" / "2024" / "05" / f"{uuid.uuid4().hex}.jpg", 1, _jpeg())
    mine = _aged(media / "imports" / "2024" / "项目清单.xlsx", 1)
    upload = _aged(media / "imports" / f"{uuid.uuid4().hex}.xlsx", 0)
    errors = _aged(media / "imports" / f"{uuid.uuid4().hex}-errors.xlsx", 0)
    path, manifest = ops.backup_create(tmp_path / "backup.tar.gz")
    with tarfile.open(path) as archive:
        names = set(archive.getnames())
    media_names = {n for n in names if n.startswith("media/")}
    assert media_names == {"media/" + p.relative_to(media).as_posix() for p in (photo, mine)}, names
    assert manifest.media_files == 2
    assert upload.exists() and errors.exists()  # left where they are
