"""Top-level routes: API, schema and docs, admin, health, and the dashboard SPA."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from paper_trading.api.errors import read_only
from paper_trading.api.session_views import login_view, logout_all_view, logout_view, session_view
from paper_trading.api.token_views import auth_token
from paper_trading.api.views import healthz, spa

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/auth/token/", auth_token, name="api-token"),
    path("api/auth/session/", session_view, name="api-session"),
    path("api/auth/login/", login_view, name="api-login"),
    path("api/auth/logout/", logout_view, name="api-logout"),
    path("api/auth/logout-all/", logout_all_view, name="api-logout-all"),
    path("api/paper-trading/", include("paper_trading.api.urls")),
    path("api/schema/", read_only(SpectacularAPIView.as_view()), name="schema"),
    # The split view serves Swagger UI's init script as its own request, and our template its page
    # styles as a file: the page needs no inline script or style under the CSP.
    path(
        "api/docs/",
        read_only(
            SpectacularSwaggerSplitView.as_view(
                url_name="schema", template_name="paper_trading/swagger_ui.html"
            )
        ),
        name="swagger-ui",
    ),
    path("", spa, name="dashboard"),
]

# Under /api/ even the errors Django answers itself leave in the API's error body (docs/api.md, Errors).
handler400 = "paper_trading.api.errors.bad_request"
handler403 = "paper_trading.api.errors.permission_denied"
handler404 = "paper_trading.api.errors.page_not_found"
handler500 = "paper_trading.api.errors.server_error"
