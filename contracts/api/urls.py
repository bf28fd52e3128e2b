"""Routes of the contracts app, one module per area."""

from contracts.api import assets, contracts, proposals, registrations, sync

# Asset routes first: "/assets/search" must win over "/assets/{asset_id}".
urlpatterns = [
    *assets.urlpatterns,
    *contracts.urlpatterns,
    *registrations.urlpatterns,
    *proposals.urlpatterns,
    *sync.urlpatterns,
]
