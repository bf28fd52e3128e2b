from rest_framework.routers import SimpleRouter

from teams.api.views import ApiKeyViewSet, TeamViewSet

router = SimpleRouter(trailing_slash=False)
router.register("teams", TeamViewSet, basename="team")
router.register("api-keys", ApiKeyViewSet, basename="api-key")
urlpatterns = router.urls
