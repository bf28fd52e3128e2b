from django.urls import path
from rest_framework.routers import SimpleRouter

from audit.api.views import EntityHistoryView, EventViewSet

router = SimpleRouter(trailing_slash=False)
router.register("audit/events", EventViewSet, basename="audit-event")
urlpatterns = [
    *router.urls,
    path(
        "audit/entities/<str:entity_type>/<str:entity_id>/history",
        EntityHistoryView.as_view(),
        name="audit-entity-history",
    ),
]
