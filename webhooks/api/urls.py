"""Routes of the webhooks app (mounted under /api/v1, slash-less)."""

from django.urls import path

from webhooks.api.views import DeliveryDetailView, DeliveryListView

urlpatterns = [
    path(
        "webhooks/deliveries", DeliveryListView.as_view(), name="webhook-delivery-list"
    ),
    path(
        "webhooks/deliveries/<str:delivery_id>",
        DeliveryDetailView.as_view(),
        name="webhook-delivery-detail",
    ),
]
