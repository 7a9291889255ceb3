"""The exception handlers raise to answer a modeled (or protocol-level) service error."""

from __future__ import annotations


class ServiceError(Exception):
    """An error answer: the error code as botocore will report it, and a message for humans.

    The HTTP status comes from the model's `error.httpStatusCode` for the code, unless given.
    Messages name fields, never their values, so they cannot leak request parameters.
    """

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
