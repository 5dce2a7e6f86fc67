"""拉练: scoring arithmetic, permissions, the pages end to end, the files."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from docx import Document

from gongjian.inspections import selectors as sel
from gongjian.inspections import services
from gongjian.inspections.models import Criterion, Mark, Sheet, Stop, Tour, UnitResult
from gongjian.units.models import Role
from tests.factories import UserFactory, build_city_world, build_tour, member, read_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_city_world()


def _values(tour, *numbers):
    criteria = list(tour.form.criteria.all())
    return {
        c.pk: (None if n is None else Decimal(str(n)))
        for c, n in zip(criteria, numbers, strict=True)
    }


def test_sheet_score_arithmetic(world):
    tour = build_tour(world)
    criteria = list(tour.form.criteria.all())
    # 8/10·50 + 6/10·30 + (90−60)/(100−60)·20 = 40 + 18 + 15 = 73 of 100
    assert sel.sheet_score(_values(tour, 8, 6, 90), criteria) == Decimal("73.00")
    assert sel.sheet_score(_values(tour, 10, 10, 100), criteria) == Decimal("100.00")
    assert sel.sheet_score(_values(tour, 0, 0, 60), criteria) == Decimal("0.00")
    assert sel.sheet_score(_values(tour, 8, None, 90), criteria) is None


def test_results_average_members_then_projects(world):
    second = UserFactory(full_name="评委二")
    tour = build_tour(world, panel=[world.leader, second])
    stop_a = Stop.objects.get(tour=tour, project=world.project_a)
    stop_b = Stop.objects.get(tour=tour, project=world.project_b)
    services.sheet_save(
        actor=world.leader, stop=stop_a, values=_values(tour, 8, 6, 90), submit=True
    )
    services.sheet_save(actor=second, stop=stop_a, values=_values(tour, 9, 9, 80), submit=True)
    services.sheet_save(
        actor=world.leader, stop=stop_b, values=_values(tour, 5, 5, 80), submit=True
    )
    # a draft does not count
    services.sheet_save(actor=second, stop=stop_b, values=_values(tour, 10, 10, 100))
    res = sel.tour_results(tour)
    # member 2 on A: 45 + 27 + 10 = 82 → A = (73 + 82) / 2 = 77.5; B = 25 + 15 + 10 = 50
    scores = {r.stop.project_id: r.score for r in res.stops}
    assert scores == {world.project_a.pk: Decimal("77.50"), world.project_b.pk: Decimal("50.00")}
    assert [(u.unit, u.score, u.rank) for u in res.units] == [
        (world.district_a, Decimal("77.50"), 1),
        (world.district_b, Decimal("50.00"), 2),
    ]
    assert (res.submitted, res.expected) == (3, 4)
    kept = services.tour_close(actor=world.office, tour=tour)
    assert {(r.unit_id, r.score_centi, r.rank) for r in kept} == {
        (world.district_a.pk, 7750, 1),
        (world.district_b.pk, 5000, 2),
    }
    tour.refresh_from_db()
    assert tour.status == Tour.Status.CLOSED
    with pytest.raises(ValidationError):
        services.sheet_save(actor=world.leader, stop=stop_a, values=_values(tour, 1, 1, 61))


def test_draft_then_submit_and_range_errors_change_nothing(world):
    tour = build_tour(world)
    stop = Stop.objects.get(tour=tour, project=world.project_a)
    sheet = services.sheet_save(actor=world.leader, stop=stop, values=_values(tour, 7, None, None))
    assert sheet.status == Sheet.Status.DRAFT and sheet.marks.count() == 1
    with pytest.raises(ValidationError) as err:
        services.sheet_save(
            actor=world.leader, stop=stop, values=_values(tour, 7, None, 90), submit=True
        )
    assert "“投资强度”未打分" in str(err.value)
    with pytest.raises(ValidationError) as err:
        services.sheet_save(actor=world.leader, stop=stop, values=_values(tour, 11, 5, 90))
    assert "“项目进度”的得分须在 0 到 10 之间" in str(err.value)
    with pytest.raises(ValidationError):
        services.sheet_save(actor=world.leader, stop=stop, values=_values(tour, 5, 5, 50))
    assert list(Mark.objects.filter(sheet=sheet).values_list("value", flat=True)) == [Decimal(7)]
    sheet = services.sheet_save(
        actor=world.leader, stop=stop, values=_values(tour, 7, 5, 70), submit=True
    )
    assert sheet.status == Sheet.Status.SUBMITTED
    assert sheet.history.first().history_user == world.leader


def test_only_panel_members_score_and_units_nominate_their_own(world):
    tour = build_tour(world)
    stop = Stop.objects.get(tour=tour, project=world.project_a)
    with pytest.raises(PermissionDenied):
        services.sheet_save(actor=world.operator_a, stop=stop, values=_values(tour, 1, 1, 61))
    assert not Sheet.objects.filter(stop__tour=tour).exists()
    tour2 = services.tour_create(
        actor=world.office,
        name="三季度拉练",
        year=world.year,
        quarter=3,
        starts_on=world.day(9, 1),
        ends_on=world.day(9, 2),
        form=tour.form,
    )
    with pytest.raises(PermissionDenied):
        services.stop_add(actor=world.operator_a, tour=tour2, project=world.project_b)
    with pytest.raises(PermissionDenied):
        services.tour_create(
            actor=world.operator_a,
            name="x",
            year=world.year,
            quarter=1,
            starts_on=world.day(3, 1),
            ends_on=world.day(3, 2),
            form=tour.form,
        )
    assert not Stop.objects.filter(tour=tour2).exists()


def test_score_form_errors_name_the_row(world):
    with pytest.raises(ValidationError) as err:
        services.score_form_create(
            actor=world.office, name="坏表", criteria_text="进度,50,10\n质量,三十,10"
        )
    assert "第 2 行,权重:“三十”不是数字" in str(err.value)
    with pytest.raises(ValidationError) as err:
        services.score_form_create(actor=world.office, name="坏表", criteria_text="进度,50,10,10")
    assert "第 1 行,最高分" in str(err.value)
    assert not Criterion.objects.filter(form__name="坏表").exists()


def test_pages_end_to_end(client, world):
    # the office defines a form and plans the tour
    client.force_login(world.office)
    r = client.post(
        "/inspections/forms/new/", {"name": "季度拉练评分表", "criteria": "进度,60,10\n质量,40,10"}
    )
    assert r.status_code == 302
    r = client.post(
        "/inspections/new/",
        {
            "name": "二季度拉练",
            "year": world.year,
            "quarter": 2,
            "starts_on": world.day(6, 1),
            "ends_on": world.day(6, 2),
            "form": Criterion.objects.get(name="进度", form__name="季度拉练评分表").form_id,
            "route": "甲区 → 乙区",
        },
    )
    assert r.status_code == 302
    tour = Tour.objects.get(name="二季度拉练")
    url = f"/inspections/{tour.pk}/"
    client.post(url, {"action": "panel", "members": world.leader.username})
    # each unit nominates its own project; 甲区 cannot see 乙区's
    client.force_login(world.operator_a)
    page = client.get(url, {"q": "区"}).content.decode()
    assert world.project_a.name in page and world.project_b.name not in page
    r = client.post(url, {"action": "nominate", "project": world.project_b.pk, "kind": "new_start"})
    assert (
        "请选择项目和类别" in r.content.decode() and world.project_b.name not in r.content.decode()
    )
    assert not Stop.objects.filter(tour=tour, project=world.project_b).exists()
    client.post(url, {"action": "nominate", "project": world.project_a.pk, "kind": "new_start"})
    client.force_login(world.operator_b)
    client.post(
        url, {"action": "nominate", "project": world.project_b.pk, "kind": "new_production"}
    )
    assert "只有攻坚办" in client.post(url, {"action": "start"}).content.decode()
    assert Tour.objects.get(pk=tour.pk).status == Tour.Status.PLANNING  # not the office
    client.force_login(world.office)
    client.post(url, {"action": "start"})
    assert Tour.objects.get(pk=tour.pk).status == Tour.Status.SCORING
    # an operator is not on the panel: 404
    client.force_login(world.operator_a)
    assert client.get(f"/inspections/{tour.pk}/score/").status_code == 404
    # the panel member scores both, with a draft first
    client.force_login(world.leader)
    stops = {s.project_id: s for s in tour.stops.all()}
    c1, c2 = tour.form.criteria.all()
    score_a = f"/inspections/{tour.pk}/score/{stops[world.project_a.pk].pk}/"
    r = client.post(score_a, {f"c{c1.pk}": "8", "submit": "0"})
    assert (
        r.status_code == 302
        and Sheet.objects.get(member=world.leader, stop=stops[world.project_a.pk]).status == "draft"
    )
    r = client.post(score_a, {f"c{c1.pk}": "8", f"c{c2.pk}": "12", "submit": "1"})
    assert "须在 0 到 10 之间" in r.content.decode()
    client.post(score_a, {f"c{c1.pk}": "8", f"c{c2.pk}": "7", "submit": "1"})
    client.post(
        f"/inspections/{tour.pk}/score/{stops[world.project_b.pk].pk}/",
        {f"c{c1.pk}": "9", f"c{c2.pk}": "9", "submit": "1"},
    )
    assert "已提交 2 / 2" in client.get(f"/inspections/{tour.pk}/score/").content.decode()
    client.force_login(world.office)
    client.post(url, {"action": "close"})
    # A: 0.8·60 + 0.7·40 = 76; B: 90
    assert dict(UnitResult.objects.filter(tour=tour).values_list("unit_id", "score_centi")) == {
        world.district_a.pk: 7600,
        world.district_b.pk: 9000,
    }
    page = client.get(f"/inspections/{tour.pk}/results/").content.decode()
    assert "90.00" in page and "76.00" in page
    # files
    r = client.get(f"/inspections/{tour.pk}/sheet.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "二季度拉练" in text and "评分组" in text
    tables = Document(io.BytesIO(r.content)).tables
    assert world.project_a.name in [c.text for row in tables[0].rows for c in row.cells]
    r = client.get(f"/inspections/{tour.pk}/results.xlsx")
    path = __import__("pathlib").Path(__import__("tempfile").mkstemp(suffix=".xlsx")[1])
    path.write_bytes(b"".join(r.streaming_content))
    rows = read_xlsx(path)
    assert rows[1][:3] == ["项目名次", "推荐单位", "项目名称"]
    assert [row[2] for row in rows[2:]] == [world.project_b.name, world.project_a.name]
    # an operator sees only own projects in the project results and no files
    client.force_login(world.operator_a)
    page = client.get(f"/inspections/{tour.pk}/results/").content.decode()
    assert world.project_a.name in page and world.project_b.name not in page
    assert client.get(f"/inspections/{tour.pk}/results.xlsx").status_code == 404
    assert client.get(f"/inspections/{tour.pk}/sheet.docx").status_code == 404


def test_anonymous_and_office_only_pages(client, world):
    tour = build_tour(world)
    assert client.get("/inspections/").status_code == 302
    assert client.get(f"/inspections/{tour.pk}/").status_code == 302
    client.force_login(member(world.district_a, Role.VIEWER))
    assert client.get("/inspections/new/").status_code == 404
    assert client.get("/inspections/forms/new/").status_code == 404
    assert client.get("/inspections/").status_code == 200


def _close_scored(world, tour, *numbers):
    """Score only 甲区's project in ``tour`` with one sheet and close it."""
    stop = Stop.objects.get(tour=tour, project=world.project_a)
    services.sheet_save(actor=world.leader, stop=stop, values=_values(tour, *numbers), submit=True)
    services.tour_close(actor=world.office, tour=tour)


@pytest.mark.parametrize(
    ("second_weight", "expected"), [(1, Decimal("85.0000")), (2, Decimal("86.6667"))]
)
def test_year_tour_score_is_the_weighted_mean_of_the_tours_not_their_sum(
    world, second_weight, expected
):
    from gongjian.demo.mechanisms import tour_indicator
    from gongjian.indicators.engine import evaluate, evaluate_many
    from gongjian.kit.dates import Period

    first = build_tour(world, name="二季度拉练")
    # 8/10·50 + 8/10·30 + (92−60)/40·20 = 40 + 24 + 16 = 80
    _close_scored(world, first, 8, 8, 92)
    second = build_tour(world, name="三季度拉练")
    second.refresh_from_db()
    second.weight = second_weight
    second.full_clean()
    second.save()
    # 45 + 27 + 18 = 90
    _close_scored(world, second, 9, 9, 96)
    scored = UnitResult.objects.filter(tour__in=[first, second])  # the demo may have others
    assert sorted(scored.values_list("score_centi", flat=True)) == [8000, 9000]
    indicator = tour_indicator(code=f"test.tour_mean.{world.city.code}")
    period = Period.year_to_date(world.year)
    # 80 and 90 → 85 (weights 1/1) or (80 + 2·90) / 3 = 86.67 (weights 1/2), never 170
    assert evaluate(indicator, world.district_a, period) == expected
    # the city's figure is the same mean (乙区 has no result); 乙区 has none at all;
    # several units in one batch read the same
    assert evaluate_many(
        [(indicator, u, period) for u in (world.district_a, world.district_b, world.city)]
    ) == [expected, None, expected]


def test_tour_weight_is_set_at_creation_and_validated(world):
    form = services.score_form_create(
        actor=world.office, name="权重评分表", criteria_text="进度,100,10"
    )
    fields = {
        "actor": world.office,
        "name": "专项拉练",
        "year": world.year,
        "quarter": 3,
        "starts_on": world.day(8, 1),
        "ends_on": world.day(8, 2),
        "form": form,
    }
    assert services.tour_create(**fields).weight == 1
    assert services.tour_create(**{**fields, "name": "重点拉练", "weight": 3}).weight == 3
    with pytest.raises(ValidationError):
        services.tour_create(**{**fields, "name": "无效拉练", "weight": 0})
    assert not Tour.objects.filter(name="无效拉练").exists()


def test_nomination_search_lists_only_the_users_own_projects(client, world, monkeypatch):
    from gongjian.projects.models import Stage
    from tests.factories import ProjectFactory

    monkeypatch.setattr(sel, "SEARCH_LIMIT", 3)  # 50 on the page

    tour = services.tour_create(
        actor=world.office,
        name="四季度拉练",
        year=world.year,
        quarter=4,
        starts_on=world.day(11, 1),
        ends_on=world.day(11, 2),
        form=services.score_form_create(
            actor=world.office, name="四季度评分表", criteria_text="进度,100,10"
        ),
    )
    url = f"/inspections/{tour.pk}/"
    # 甲区 has 4 more projects named 产业园; 乙区 one of the same name
    signed = [(Stage.SIGNED, world.day(3, 1))]
    ProjectFactory.create_batch(4, unit=world.district_a, name="甲区产业园", stage_events=signed)
    other = ProjectFactory(
        unit=world.district_b, name="乙区产业园", code="B-0001", stage_events=signed
    )
    client.force_login(world.operator_a)
    page = client.get(url).content.decode()
    assert '<select name="project"' not in page  # no longer one select of every project
    assert world.project_a.name not in page  # nothing listed before a search
    page = client.get(url, {"q": "产业园"}).content.decode()
    assert page.count('data-project="') == sel.SEARCH_LIMIT  # capped, with a hint
    assert "仅显示前 3 个" in page
    assert other.name not in page and f'data-project="{other.pk}"' not in page
    # by code; another district's code finds nothing
    page = client.get(url, {"q": world.project_a.code}).content.decode()
    assert f'data-project="{world.project_a.pk}"' in page
    assert "没有可推荐的匹配项目" in client.get(url, {"q": "B-0001"}).content.decode()
    # htmx asks for the results only
    r = client.get(url, {"q": "新材料"}, headers={"HX-Request": "true"})
    fragment = r.content.decode()
    assert "<h1>" not in fragment and f'data-project="{world.project_a.pk}"' in fragment
    # nominating from a result goes back to the same search; the project leaves the list
    r = client.post(
        url,
        {"action": "nominate", "project": world.project_a.pk, "kind": "new_start", "q": "新材料"},
    )
    assert r.status_code == 302 and r["Location"].endswith("?q=%E6%96%B0%E6%9D%90%E6%96%99")
    assert Stop.objects.filter(tour=tour, project=world.project_a, unit=world.district_a).exists()
    page = client.get(url, {"q": "新材料"}).content.decode()
    assert f'data-project="{world.project_a.pk}"' not in page
    # posting another district's project is refused and changes nothing
    r = client.post(url, {"action": "nominate", "project": other.pk, "kind": "other"})
    assert "请选择项目和类别" in r.content.decode()
    assert not Stop.objects.filter(tour=tour, project=other).exists()
    # the office searches every district
    client.force_login(world.office)
    page = client.get(url, {"q": "乙区"}).content.decode()
    assert f'data-project="{other.pk}"' in page and f'data-project="{world.project_b.pk}"' in page
