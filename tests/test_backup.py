"""`gongjian backup` / `gongjian restore`: a restored database gives the same indicator
values and the same history rows; bad archives are refused before anything changes.

Runs on whichever database the suite runs on (SQLite: the online backup API; PostgreSQL:
pg_dump/pg_restore). The tests are transactional: a backup must see committed rows, and
a restore replaces the whole database.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import tarfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from gongjian.indicators import services as indicator_services
from gongjian.indicators.engine import evaluate_all
from gongjian.indicators.models import Indicator
from gongjian.kit.dates import Period
from gongjian.kit.scope import SYSTEM
from gongjian.ops import services as ops
from gongjian.projects.models import Problem, ProgressReport, Project, StageTransition
from gongjian.units.models import Unit
from tests.factories import ProjectFactory, build_city_world, build_indicator_world

pytestmark = pytest.mark.django_db(transaction=True)

ENGINE = ops.ENGINES.get(connection.settings_dict["ENGINE"], "")


@pytest.fixture(autouse=True)
def _tools_present():
    if ENGINE == "postgresql":
        missing = [tool for tool in ("pg_dump", "pg_restore") if not shutil.which(tool)]
        if missing:
            pytest.skip(f"PostgreSQL client tools not installed: {', '.join(missing)}")


@pytest.fixture
def media(tmp_path, settings):
    root = tmp_path / "media"
    (root / "imports" / "2024").mkdir(parents=True)
    (root / "imports" / "2024" / "项目清单.xlsx").write_bytes(b"PK\x03\x04 sheet bytes")
    (root / "dispatch.docx").write_bytes(b"docx bytes")
    settings.MEDIA_ROOT = root
    return root


def _world():
    world = build_city_world()
    indicators = build_indicator_world(world)
    return world, indicators


def _values(unit: Unit, year: int) -> dict:
    period = Period.year_to_date(year, dt.date(year, 12, 31))
    return {code: str(value) for code, value in evaluate_all(unit, period).items()}


def _history() -> dict:
    def rows(model):
        return list(model.history.order_by("history_id").values())

    return {
        "projects": rows(Project),
        "transitions": list(StageTransition.objects.order_by("pk").values()),
        "reports": rows(ProgressReport),
        "problems": rows(Problem),
        "units": rows(Unit),
        "indicators": rows(Indicator),
    }


def test_restore_gives_the_same_indicator_values_and_history(tmp_path, media):
    world, indicators = _world()
    values = {
        unit.pk: _values(unit, world.year)
        for unit in (world.city, world.district_a, world.district_b)
    }
    assert values[world.city.pk][indicators.started.code] != "0"  # the world counts something
    history = _history()
    archive = tmp_path / "backup.tar.gz"

    call_command("backup", output=str(archive), stdout=io.StringIO())

    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        names = set(tar.getnames())
    assert manifest["engine"] == ENGINE
    assert "projects.0001_initial" in manifest["migrations"]
    assert manifest["media_files"] == 2
    assert names == {"manifest.json", *manifest["members"]}
    assert "media/imports/2024/项目清单.xlsx" in names

    # change and delete data, and the uploaded files
    Project.objects.filter(pk=world.project_b.pk).delete()
    indicator_services.reported_value_record(
        actor=SYSTEM,
        indicator=indicators.reported,
        unit=world.district_a,
        as_of=world.day(9, 30),
        value=Decimal("99"),
    )
    ProjectFactory(unit=world.district_a, total_investment=500_000_000)
    Indicator.objects.filter(pk=indicators.amount.pk).update(is_active=False)
    (media / "dispatch.docx").write_bytes(b"changed")
    (media / "new.xlsx").write_bytes(b"added after the backup")
    assert _values(world.city, world.year) != values[world.city.pk]

    call_command("restore", str(archive), yes=True, stdout=io.StringIO())

    for unit in (world.city, world.district_a, world.district_b):
        assert _values(unit, world.year) == values[unit.pk]
    assert _history() == history
    assert Project.objects.filter(pk=world.project_b.pk).exists()
    assert sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()) == [
        "dispatch.docx",
        "imports/2024/项目清单.xlsx",
    ]
    assert (media / "dispatch.docx").read_bytes() == b"docx bytes"


def _rewrite(archive, target, *, manifest_change=None, member_change=None):
    """Copy ``archive`` to ``target`` with the manifest or one member changed."""
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        for info in src.getmembers():
            data = src.extractfile(info).read()
            if info.name == "manifest.json" and manifest_change:
                raw = json.loads(data)
                manifest_change(raw)
                data = json.dumps(raw).encode()
            elif member_change and info.name == member_change:
                data = data + b"tampered"
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


def _refused(path, message: str):
    before = Project.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(path), yes=True, stdout=io.StringIO())
    assert Project.objects.count() == before


def test_restore_refuses_bad_archives_and_changes_nothing(tmp_path, media):
    world, _ = _world()
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    ProjectFactory(unit=world.district_a)  # the state a refused restore must keep

    other = "postgresql" if ENGINE == "sqlite" else "sqlite"
    wrong_engine = tmp_path / "engine.tar.gz"
    _rewrite(archive, wrong_engine, manifest_change=lambda m: m.update(engine=other))
    _refused(wrong_engine, "不能恢复")

    newer = tmp_path / "newer.tar.gz"
    _rewrite(
        archive,
        newer,
        manifest_change=lambda m: m["migrations"].append("projects.9999_from_the_future"),
    )
    _refused(newer, "更新版本")

    database_member = ops.SQLITE_MEMBER if ENGINE == "sqlite" else ops.POSTGRES_MEMBER
    tampered = tmp_path / "tampered.tar.gz"
    _rewrite(archive, tampered, member_change=database_member)
    _refused(tampered, "校验值")

    not_a_backup = tmp_path / "notes.tar.gz"
    not_a_backup.write_bytes(b"not an archive")
    _refused(not_a_backup, "不是 gongjian 备份")
    _refused(tmp_path / "missing.tar.gz", "不存在")


def test_restore_asks_for_confirmation(tmp_path, media, monkeypatch):
    world, _ = _world()
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    ProjectFactory(unit=world.district_a)
    count = Project.objects.count()

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt="": "no")
    with pytest.raises(CommandError, match="已取消"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert Project.objects.count() == count

    monkeypatch.setattr("builtins.input", lambda prompt="": "yes")
    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "覆盖当前数据库" in out.getvalue()
    assert Project.objects.count() == count - 1


def test_restore_without_a_terminal_needs_yes(tmp_path, media, monkeypatch):
    _world()
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    ProjectFactory()
    count = Project.objects.count()
    monkeypatch.setattr("sys.stdin", io.StringIO())
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert Project.objects.count() == count


def test_postgres_password_is_passed_in_the_environment(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "s3cret")
    args, env = ops._pg_args_env("default")
    assert "s3cret" not in " ".join(args)
    assert env["PGPASSWORD"] == "s3cret"
    assert args[args.index("--dbname") + 1] == connection.settings_dict["NAME"]
