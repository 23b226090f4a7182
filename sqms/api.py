"""The REST API: one NinjaAPI, each app contributing its router."""

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI

from sqms.core.api import API_AUTH, install_problem_handlers
from sqms.documents.api import router as documents_router
from sqms.feedback.api import router as feedback_router
from sqms.improvement.api import router as improvement_router
from sqms.monitoring.api import router as monitoring_router
from sqms.org.api import router as org_router
from sqms.policy.api import router as policy_router
from sqms.standards.api import router as standards_router

api = NinjaAPI(
    title="SQMS API",
    version="1",
    urls_namespace="api",
    auth=API_AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=login_required,
)
install_problem_handlers(api)
api.add_router("/org/", org_router)
api.add_router("/documents/", documents_router)
api.add_router("/standards/", standards_router)
api.add_router("/feedback/", feedback_router)
api.add_router("/monitoring/", monitoring_router)
api.add_router("/improvement/", improvement_router)
api.add_router("/policy/", policy_router)
