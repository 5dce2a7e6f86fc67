"""Backing up and restoring a gongjian installation: the database and the uploaded files.

A backup is one ``.tar.gz`` archive:

- ``manifest.json`` — format, product version, creation time, database engine, the
  migrations applied in the database, and the SHA-256 of every other member;
- ``database.sqlite3`` (SQLite: a page-by-page copy by the online backup API, consistent
  even while the server writes) or ``database.pgdump`` (PostgreSQL: ``pg_dump -Fc``);
- ``media/…`` — the uploaded files under ``MEDIA_ROOT``, less an import's temporary
  files (its stored upload and its error sheet: ``is_temporary``).

``backup_create`` writes one; ``backup_restore`` checks it (members and their checksums,
the engine, the migration state) before it replaces anything, then restores the database
(SQLite: the backup API again, into the live database; PostgreSQL: ``pg_restore --clean
--if-exists``) and the uploaded files. The PostgreSQL password goes to the tools through
``PGPASSWORD``, never on their command line.

``cleanup_files`` (``gongjian cleanup_files``, run daily by cron) deletes the temporary
files older than a number of days: imports' stored uploads and error sheets under
``MEDIA_ROOT/imports/``, and export/template/error sheets a failed request left in the
system's temporary folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
MEDIA_PREFIX = "media/"
ENGINES = {
    "django.db.backends.sqlite3": "sqlite",
    "django.db.backends.postgresql": "postgresql",
}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


# An import's stored upload and its error sheet (``reports.services``): MEDIA_ROOT/imports/
# <uuid hex>.xlsx and <uuid hex>-errors.xlsx. Temporary: never backed up, deleted by
# ``cleanup_files``.
IMPORT_DIR = "imports"
_IMPORT_TEMPORARY = re.compile(r"[0-9a-f]{32}(?:-errors)?\.xlsx")
# sheets written to the system's temporary folder (``kit.tabular``), deleted once sent
_SYSTEM_TEMPORARY = re.compile(r"gongjian-(?:export|template-[\w-]+|import-errors)-[\w-]+\.xlsx")
DEFAULT_KEEP_DAYS = 30


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is Chinese and says why."""


@dataclass
class Manifest:
    engine: str
    migrations: list[str]
    members: dict[str, str]
    created: str = ""
    version: str = ""
    format: int = FORMAT
    product: str = "gongjian"
    media_files: int = 0

    def as_json(self) -> bytes:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            raw = json.loads(data)
            return cls(
                engine=str(raw["engine"]),
                migrations=[str(m) for m in raw["migrations"]],
                members={str(k): str(v) for k, v in raw["members"].items()},
                created=str(raw.get("created", "")),
                version=str(raw.get("version", "")),
                format=int(raw.get("format", 0)),
                product=str(raw.get("product", "")),
                media_files=int(raw.get("media_files", 0)),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError(f"备份清单 {MANIFEST} 无法读取:{exc}") from None


@dataclass
class RestoreResult:
    manifest: Manifest
    migrated: list[str] = field(default_factory=list)


# --- helpers -------------------------------------------------------------------------


def product_version() -> str:
    try:
        return metadata.version("gongjian")
    except metadata.PackageNotFoundError:
        return "unknown"


def engine_of(alias: str = "default") -> str:
    engine = connections[alias].settings_dict["ENGINE"]
    if engine not in ENGINES:
        raise BackupError(f"不支持备份此数据库引擎:{engine}(仅支持 SQLite 与 PostgreSQL)")
    return ENGINES[engine]


def applied_migrations(alias: str = "default") -> list[str]:
    recorder = MigrationRecorder(connections[alias])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def known_migrations() -> set[str]:
    """Every migration this version of the code ships."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def default_backup_path(now: dt.datetime | None = None) -> Path:
    now = timezone.localtime(now or timezone.now())
    return Path(settings.VAR_DIR) / "backups" / f"gongjian-{now:%Y%m%d-%H%M%S}.tar.gz"


def _pg_command(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise BackupError(f"找不到 {tool}:请安装 PostgreSQL 客户端工具(postgresql-client)")
    return found


def _pg_args_env(alias: str) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore from DATABASES; the password only in the
    environment (``PGPASSWORD``), never in the process list."""
    conf = connections[alias].settings_dict
    args = []
    if conf.get("HOST"):
        args += ["--host", str(conf["HOST"])]
    if conf.get("PORT"):
        args += ["--port", str(conf["PORT"])]
    if conf.get("USER"):
        args += ["--username", str(conf["USER"])]
    args += ["--dbname", str(conf["NAME"])]
    env = dict(os.environ)
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    sslmode = (conf.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{what}失败(退出码 {result.returncode}):" + " ".join(detail[-3:]))


def is_temporary(relative: PurePosixPath | str) -> bool:
    """Whether the file at ``relative`` (to MEDIA_ROOT) is an import's temporary file."""
    parts = PurePosixPath(relative).parts
    return (
        len(parts) == 2 and parts[0] == IMPORT_DIR and bool(_IMPORT_TEMPORARY.fullmatch(parts[1]))
    )


def _media_files(root: Path) -> list[Path]:
    """The uploaded files a backup holds (temporary import files left out)."""
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink() and not is_temporary(p.relative_to(root).as_posix())
    )


# --- backup ----------------------------------------------------------------------------


def _dump_sqlite(alias: str, target: Path) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent snapshot, page by page, while other
        # connections keep reading and writing.
        connection.connection.backup(destination)
    finally:
        destination.close()


def _dump_postgres(alias: str, target: Path) -> None:
    args, env = _pg_args_env(alias)
    command = [_pg_command("pg_dump"), "--format=custom", "--no-owner", "--file", str(target)]
    _run(command + args, env, "pg_dump 导出数据库")


def backup_create(
    output: Path | str | None = None, *, alias: str = "default"
) -> tuple[Path, Manifest]:
    """Write a backup archive (default ``var/backups/gongjian-<time>.tar.gz``)."""
    engine = engine_of(alias)
    path = Path(output) if output else default_backup_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="gongjian-backup-") as tmp:
        if engine == "sqlite":
            member = SQLITE_MEMBER
            _dump_sqlite(alias, Path(tmp) / member)
        else:
            member = POSTGRES_MEMBER
            _dump_postgres(alias, Path(tmp) / member)
        database_file = Path(tmp) / member
        media = _media_files(media_root)
        members = {member: sha256_of(database_file)}
        for file in media:
            members[MEDIA_PREFIX + file.relative_to(media_root).as_posix()] = sha256_of(file)
        manifest = Manifest(
            engine=engine,
            migrations=applied_migrations(alias),
            members=members,
            created=timezone.localtime().isoformat(timespec="seconds"),
            version=product_version(),
            media_files=len(media),
        )
        partial = path.with_name(path.name + ".part")
        with tarfile.open(partial, "w:gz") as archive:
            data = manifest.as_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(database_file, arcname=member, recursive=False)
            for file in media:
                archive.add(
                    file,
                    arcname=MEDIA_PREFIX + file.relative_to(media_root).as_posix(),
                    recursive=False,
                )
        partial.replace(path)
    return path, manifest


# --- restore ---------------------------------------------------------------------------


def _safe_member(name: str) -> bool:
    pure = PurePosixPath(name)
    return not pure.is_absolute() and ".." not in pure.parts and name == pure.as_posix()


def backup_read(path: Path | str, extract_to: Path | None = None) -> Manifest:
    """Read and check an archive: its manifest, that it holds exactly the listed members
    with their checksums. With ``extract_to``, the members are written there."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"备份文件不存在:{path}")
    try:
        archive = tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"“{path.name}”不是 gongjian 备份(tar.gz 无法读取:{exc})") from None
    with archive:
        try:
            entry = archive.extractfile(MANIFEST)
        except KeyError:
            entry = None
        if entry is None:
            raise BackupError(f"“{path.name}”不是 gongjian 备份:缺少 {MANIFEST}")
        manifest = Manifest.from_json(entry.read())
        if manifest.product != "gongjian" or manifest.format != FORMAT:
            raise BackupError(
                f"“{path.name}”的备份格式({manifest.product} {manifest.format})无法识别"
            )
        seen: set[str] = set()
        for info in archive:
            if info.name == MANIFEST:
                continue
            if not info.isfile() or not _safe_member(info.name):
                raise BackupError(f"备份中含有不允许的条目“{info.name}”")
            if info.name not in manifest.members:
                raise BackupError(f"备份中的“{info.name}”不在清单中")
            handle = archive.extractfile(info)
            if handle is None:
                raise BackupError(f"备份中的“{info.name}”无法读取")
            digest = hashlib.sha256()
            out = None
            if extract_to is not None:
                target = extract_to / info.name
                target.parent.mkdir(parents=True, exist_ok=True)
                out = target.open("wb")
            try:
                for chunk in iter(partial(handle.read, 1 << 20), b""):
                    digest.update(chunk)
                    if out is not None:
                        out.write(chunk)
            finally:
                if out is not None:
                    out.close()
            if digest.hexdigest() != manifest.members[info.name]:
                raise BackupError(f"备份中的“{info.name}”校验值(SHA-256)不符,文件已损坏或被改动")
            seen.add(info.name)
        missing = sorted(set(manifest.members) - seen)
        if missing:
            raise BackupError("备份不完整,缺少:" + "、".join(missing[:5]))
    return manifest


def restore_check(manifest: Manifest, *, alias: str = "default") -> None:
    """Refuse an archive of another engine, or one made by a newer version of gongjian
    (migrations this code does not know)."""
    engine = engine_of(alias)
    if manifest.engine != engine:
        raise BackupError(
            f"这是 {ENGINE_NAMES.get(manifest.engine, manifest.engine)} 数据库的备份,"
            f"当前数据库是 {ENGINE_NAMES[engine]},不能恢复"
        )
    unknown = sorted(set(manifest.migrations) - known_migrations())
    if unknown:
        raise BackupError(
            f"备份来自更新版本的 gongjian({manifest.version or '未知版本'}),"
            f"含有本版本没有的数据库迁移:{'、'.join(unknown[:5])}。请先升级 gongjian 再恢复"
        )


def _restore_sqlite(alias: str, source: Path) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError("恢复不能在数据库事务中进行")
    origin = sqlite3.connect(source)
    try:
        # Copies every page of the backup over the live database in one step.
        origin.backup(connection.connection)
    finally:
        origin.close()


def _restore_postgres(alias: str, source: Path) -> None:
    connection = connections[alias]
    if connection.in_atomic_block:
        raise BackupError("恢复不能在数据库事务中进行")
    connection.close()  # hold no lock on the tables pg_restore drops
    args, env = _pg_args_env(alias)
    command = [
        _pg_command("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
    ]
    _run(command + args + [str(source)], env, "pg_restore 恢复数据库")


def _restore_media(extracted: Path) -> None:
    """Make MEDIA_ROOT hold exactly the backup's files (the old tree is removed only once
    the new one is in place)."""
    media_root = Path(settings.MEDIA_ROOT)
    incoming = extracted / MEDIA_PREFIX.rstrip("/")
    incoming.mkdir(parents=True, exist_ok=True)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = media_root.with_name(media_root.name + ".restoring")
    old = media_root.with_name(media_root.name + ".before-restore")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    shutil.copytree(incoming, staging)
    if media_root.exists():
        media_root.rename(old)
    staging.rename(media_root)
    shutil.rmtree(old, ignore_errors=True)


def backup_restore(path: Path | str, *, alias: str = "default") -> RestoreResult:
    """Replace the database and the uploaded files with those of the archive ``path``.
    Everything is checked before anything is replaced. An archive from an older version
    is migrated forward afterwards."""
    from django.core.management import call_command

    with tempfile.TemporaryDirectory(prefix="gongjian-restore-") as tmp:
        extracted = Path(tmp)
        manifest = backup_read(path, extract_to=extracted)
        restore_check(manifest, alias=alias)
        if manifest.engine == "sqlite":
            _restore_sqlite(alias, extracted / SQLITE_MEMBER)
        else:
            _restore_postgres(alias, extracted / POSTGRES_MEMBER)
        _restore_media(extracted)
    ContentType.objects.clear_cache()
    result = RestoreResult(manifest=manifest)
    pending = sorted(known_migrations() - set(applied_migrations(alias)))
    if pending:
        call_command("migrate", database=alias, interactive=False, verbosity=0)
        result.migrated = pending
    return result


# --- temporary files ---------------------------------------------------------------------


@dataclass
class CleanupResult:
    deleted: list[Path] = field(default_factory=list)
    freed: int = 0  # bytes


def keep_days() -> int:
    return int(getattr(settings, "GONGJIAN", {}).get("TEMP_FILES_KEEP_DAYS", DEFAULT_KEEP_DAYS))


def cleanup_files(
    days: int | None = None, *, now: dt.datetime | None = None, dry_run: bool = False
) -> CleanupResult:
    """Delete the temporary files last changed more than ``days`` ago (default
    ``GONGJIAN["TEMP_FILES_KEEP_DAYS"]``, 30): the stored uploads and error sheets of
    imports, and sheets left in the system's temporary folder. An import run whose error
    sheet is deleted no longer offers it. ``dry_run`` only lists them."""
    from gongjian.kit.models import Job
    from gongjian.reports.models import ImportRun

    days = keep_days() if days is None else days
    if days < 1:
        raise BackupError("保留天数至少为 1 天")
    cutoff = (now or timezone.now()).timestamp() - days * 86400
    candidates: list[Path] = []
    imports = Path(settings.MEDIA_ROOT) / IMPORT_DIR
    if imports.is_dir():
        candidates += [p for p in imports.iterdir() if _IMPORT_TEMPORARY.fullmatch(p.name)]
    system = Path(tempfile.gettempdir())
    candidates += [p for p in system.glob("gongjian-*.xlsx") if _SYSTEM_TEMPORARY.fullmatch(p.name)]
    results = Path(settings.VAR_DIR) / "jobs" / "results"
    if results.is_dir():
        # the files jobs made (通报, exports, reviews), one folder per job
        candidates += [p for p in results.glob("*/*") if p.parent.name.isdigit()]
    result = CleanupResult()
    for path in sorted(candidates):
        try:
            stat = path.lstat()
        except FileNotFoundError:
            continue
        if not path.is_file() or path.is_symlink() or stat.st_mtime >= cutoff:
            continue
        result.deleted.append(path)
        result.freed += stat.st_size
        if not dry_run:
            path.unlink(missing_ok=True)
    if not dry_run:
        gone = [str(p) for p in result.deleted if p.parent == imports]
        for start in range(0, len(gone), 500):
            ImportRun.objects.filter(error_file__in=gone[start : start + 500]).update(error_file="")
        made = [str(p) for p in result.deleted if p.parent.parent == results]
        for start in range(0, len(made), 500):
            Job.objects.filter(result_file__in=made[start : start + 500]).update(result_file="")
    return result
