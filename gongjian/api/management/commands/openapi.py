"""``gongjian openapi > docs/openapi.json``: print the API's OpenAPI schema."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand


def openapi_text() -> str:
    """The schema exactly as committed: sorted keys, Chinese unescaped, two-space indent."""
    from gongjian.api.api import api

    schema = api.get_openapi_schema(path_prefix="/api/")
    return json.dumps(schema, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


class Command(BaseCommand):
    help = "Print the OpenAPI schema of /api/ (commit it as docs/openapi.json)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(openapi_text(), ending="")
