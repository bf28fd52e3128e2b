"""Domain errors of the webhooks app."""

from __future__ import annotations

import uuid

from tessera.errors import ErrorCode, NotFoundError, TesseraError


class DeliveryNotFoundError(NotFoundError):
    def __init__(self, delivery_id: uuid.UUID | str) -> None:
        super().__init__(f"Webhook delivery with ID '{delivery_id}' not found")


class DeliveryNotFailedError(TesseraError):
    """Only a failed delivery may be redelivered; a pending one is still being tried."""

    status_code = 409
    code = ErrorCode.BAD_REQUEST

    def __init__(self, delivery_id: uuid.UUID | str, status: str) -> None:
        super().__init__(
            f"Webhook delivery {delivery_id} is {status}: only failed deliveries can be redelivered"
        )
