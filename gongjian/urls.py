from django.contrib import admin
from django.urls import include, path, re_path

from gongjian.api.api import api
from gongjian.api.errors import not_found as api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    re_path(r"^api/", api_not_found),  # JSON 404 for any other /api/ path
    path("accounts/", include("gongjian.units.urls")),
    path("accounts/", include("gongjian.sso.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("reports/", include("gongjian.reports.urls")),
    path("indicators/", include("gongjian.indicators.urls")),
    path("review/", include("gongjian.review.urls")),
    path("attraction/", include("gongjian.attraction.urls")),
    path("enterprises/", include("gongjian.enterprises.urls")),
    path("inspections/", include("gongjian.inspections.urls")),
    path("appeals/", include("gongjian.appeals.urls")),
    path("policies/", include("gongjian.policies.urls")),
    path("govservice/", include("gongjian.govservice.urls")),
    path("finance/", include("gongjian.finance.urls")),
    path("strategy/", include("gongjian.strategy.urls")),
    path("audit/", include("gongjian.audit.urls")),
    path("ops/", include("gongjian.ops.urls")),
    path("notices/", include("gongjian.notices.urls")),
    path("jobs/", include("gongjian.kit.urls")),
    path("open311/v2/", include("gongjian.appeals.open311_urls")),
    path("", include("gongjian.projects.urls")),
    path("", include("gongjian.dashboard.urls")),
]

# the product's own error pages, in its frame and language (never Django's debug pages)
handler400 = "gongjian.kit.http.bad_request"
handler403 = "gongjian.kit.http.permission_denied"
handler404 = "gongjian.kit.http.page_not_found"
handler500 = "gongjian.kit.http.server_error"
