"""Admin for contracts, registrations, proposals and acknowledgments."""
