"""Errors that services raise and the API/pages turn into clear responses."""

from django.core.exceptions import ValidationError


class ConflictError(Exception):
    """Someone else saved the object since the caller read it (no lost update)."""

    def __init__(
        self,
        message: str,
        current_version: int,
        changes: dict | None = None,
        changed: list[dict] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.current_version = current_version
        self.changes = changes or {}
        # what moved since the caller read the object: [{"field", "label", "before", "after"}]
        self.changed = changed or []


def messages_of(error: ValidationError) -> list[str]:
    """Flatten a ValidationError into ``["字段: 信息", ...]`` strings."""
    if hasattr(error, "error_dict"):
        out = []
        for field, errors in error.message_dict.items():
            prefix = "" if field == "__all__" else f"{field}: "
            out.extend(prefix + m for m in errors)
        return out
    return list(error.messages)
