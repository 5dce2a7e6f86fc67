"""``gongjian backup [--output PATH]``: the database and the uploaded files in one archive."""

from django.core.management.base import BaseCommand, CommandError

from gongjian.ops.services import ENGINE_NAMES, BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one .tar.gz archive."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", help="archive path (default: var/backups/gongjian-<time>.tar.gz)"
        )
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args, output=None, database="default", **options):
        try:
            path, manifest = backup_create(output, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"已备份 {ENGINE_NAMES[manifest.engine]} 数据库"
            f"({len(manifest.migrations)} 个迁移)与 {manifest.media_files} 个上传文件:{path}"
        )
