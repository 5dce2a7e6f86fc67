"""``gongjian export oc4ids -o FILE [--user LOGIN] [--unit …] [--stage …] [--category …]
[--q …]``: the project registry as an OC4IDS project package (docs/oc4ids.md).

The rows are those ``--user`` may see (``restrict(user, "view")``, as the API gives that
user), or every live project of ``--unit``'s subtree when no user is named (a command run
on the server by its operator), filtered as the project list. The package is checked
against the OC4IDS schema shipped with gongjian before it is written.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from pydantic import ValidationError as PydanticError

from gongjian.kit.scope import Action
from gongjian.projects import oc4ids
from gongjian.projects.filters import ProjectFilter
from gongjian.projects.models import Project
from gongjian.units.models import User
from gongjian.units.selectors import root_unit, top_unit, unit_resolve


class Command(BaseCommand):
    help = "Export the project registry in an open standard (oc4ids: an OC4IDS project package)."

    def add_arguments(self, parser):
        parser.add_argument("format", choices=["oc4ids"])
        parser.add_argument("-o", "--output", required=True, help="the JSON file to write")
        parser.add_argument("--user", help="login name: export what this user may see")
        parser.add_argument("--unit", help="unit name, GB/T 2260 code or id, with its subtree")
        parser.add_argument("--stage", action="append", help="stage (planned, started …)")
        parser.add_argument("--category", help="category (industry, infrastructure …)")
        parser.add_argument("--q", help="text in name, code, national code or enterprise")

    def handle(self, *args, format, output, user=None, unit=None, **options):
        if user:
            who = User.objects.filter(username=user, is_active=True).first()
            if who is None:
                raise CommandError(f"找不到用户“{user}”")
            qs = Project.objects.restrict(who, Action.VIEW)
            publisher_unit = top_unit(who)
        else:
            qs = Project.objects.all()
            publisher_unit = unit_resolve(unit) if unit else root_unit()
            if unit and publisher_unit is None:
                raise CommandError(f"找不到单位“{unit}”")
        query = {
            k: v
            for k, v in {
                "unit": unit,
                "stage": options.get("stage"),
                "category": options.get("category"),
                "q": options.get("q"),
            }.items()
            if v
        }
        try:
            filters = ProjectFilter.model_validate(query)
        except PydanticError as exc:
            raise CommandError(f"筛选条件有误:{exc.errors()[0]['msg']}") from None
        path = Path(output)
        package = oc4ids.project_package(
            filters.apply(qs),
            uri=path.resolve().as_uri(),
            publisher=publisher_unit.name if publisher_unit is not None else "gongjian",
        )
        if not package["projects"]:
            raise CommandError("没有符合条件的项目:OC4IDS 数据包至少要有一个项目")
        problems = oc4ids.validation_errors(package)
        if problems:
            raise CommandError("数据包不符合 OC4IDS 模式:\n" + "\n".join(problems[:20]))
        path.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", "utf-8")
        self.stdout.write(
            f"已生成 {path}:{len(package['projects'])} 个项目(OC4IDS {oc4ids.OC4IDS_VERSION})"
        )
