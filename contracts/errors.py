"""Domain errors of the contracts app (codes and messages from API.md 5)."""

from tessera.errors import (
    BadRequestError,
    ConflictError,
    ErrorCode,
    ForbiddenError,
    NotFoundError,
    UnprocessableError,
)


class AssetNotFoundError(NotFoundError):
    message = "Asset not found"


class ContractNotFoundError(NotFoundError):
    code = ErrorCode.CONTRACT_NOT_FOUND

    def __init__(self, contract_id: object) -> None:
        super().__init__(
            f"Contract with ID '{contract_id}' not found",
            details={"contract_id": str(contract_id)},
        )


class ProposalNotFoundError(NotFoundError):
    message = "Proposal not found"


class RegistrationNotFoundError(NotFoundError):
    message = "Registration not found"


class DuplicateAssetError(ConflictError):
    # The reference answers DUPLICATE_TEAM for duplicate assets too (API.md 3.1).
    code = ErrorCode.DUPLICATE_TEAM


class DuplicateContractVersionError(ConflictError):
    code = ErrorCode.DUPLICATE_CONTRACT_VERSION

    def __init__(self, version: str) -> None:
        super().__init__(f"Contract version '{version}' already exists for this asset")


class NotOwnerError(ForbiddenError):
    code = ErrorCode.INSUFFICIENT_PERMISSIONS


class ProposalNotPendingError(BadRequestError):
    message = "Proposal is not pending"


class InvalidSchemaError(UnprocessableError):
    code = ErrorCode.INVALID_SCHEMA
    message = "Invalid JSON Schema"

    def __init__(self, errors: list[str]) -> None:
        # The reference drops the list; API.md 3.1 recommends details.errors.
        super().__init__(details={"errors": errors})
