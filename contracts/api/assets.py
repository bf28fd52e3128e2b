"""Routes of this area; see contracts/api/urls.py."""

urlpatterns: list = []
