"""Admin of the contracts app, one module per area."""

from contracts.admin import assets, workflow  # noqa: F401 - registers the admin classes
