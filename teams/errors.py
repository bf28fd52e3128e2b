"""Authentication and authorization errors (API.md 2.3)."""

from tessera.errors import (
    AuthenticationError,
    ErrorCode,
    ForbiddenError,
    ServiceUnavailableError,
)


class MissingApiKeyError(AuthenticationError):
    code = ErrorCode.MISSING_API_KEY
    message = "Missing Authorization header. Use 'Authorization: Bearer <api_key>'"


class InvalidAuthHeaderError(AuthenticationError):
    code = ErrorCode.INVALID_AUTH_HEADER
    message = "Invalid format. Use 'Authorization: Bearer <api_key>'"


class InvalidApiKeyError(AuthenticationError):
    code = ErrorCode.INVALID_API_KEY
    message = "Invalid or expired API key"


class InsufficientScopeError(ForbiddenError):
    code = ErrorCode.INSUFFICIENT_SCOPE

    def __init__(self, scope: str, message: str | None = None) -> None:
        super().__init__(message or f"This operation requires the '{scope}' scope")


class NoTeamsError(ServiceUnavailableError):
    code = ErrorCode.NO_TEAMS
    message = "No teams exist. Create a team first using the bootstrap key."
