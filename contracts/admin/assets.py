"""Admin for assets and dependencies."""
