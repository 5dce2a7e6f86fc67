"""Every import's template downloads for a district operator: the sheet's own headers, and
each dropdown on a column of the sheet (a template's unit list is offered only where the
sheet has a unit column)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client

from gongjian.kit.tabular.imports import importers
from tests.factories import build_city_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", sorted(importers.keys()))
def test_every_import_template_downloads_for_a_district_operator(key):
    world = build_city_world()
    importer = importers[key]
    schema = importer.template_schema or importer.schema
    client = Client()
    client.force_login(world.operator_a)
    response = client.get(f"/reports/template/{key}.xlsx")
    assert response.status_code == 200, key
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book[book.sheetnames[0]]
    headers = [c.value for c in next(sheet.iter_rows(min_row=1, max_row=1))]
    assert headers == [c.header() for c in schema.columns]
    lists = book["下拉选项"]
    titles = {c.title for c in schema.columns}
    for cell in next(lists.iter_rows(min_row=1, max_row=1)):
        if cell.value is not None:
            assert cell.value in titles, (key, cell.value)
