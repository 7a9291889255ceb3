"""The media package's exceptions, in kvs_chime's one hierarchy."""

from __future__ import annotations

from ..errors import KvsChimeError

__all__ = ["AudioFormatError", "MediaStreamError", "MissingExtraError", "MkvFormatError"]


class MkvFormatError(KvsChimeError, ValueError):
    """The bytes are not the Matroska (EBML) a Kinesis video stream carries.

    `element` names the element being read (`SimpleBlock`, `element ID`, ...), `offset` is its
    byte offset from the start of the stream, `rule` what it broke.
    """

    def __init__(self, element: str, offset: int, rule: str) -> None:
        self.element: str = element
        self.offset: int = offset
        self.rule: str = rule
        super().__init__(f"{element} at byte {offset}: {rule}")

    def __reduce__(self) -> tuple[type[MkvFormatError], tuple[str, int, str]]:
        return type(self), (self.element, self.offset, self.rule)


class AudioFormatError(KvsChimeError, ValueError):
    """Audio that cannot be described or framed: a bad AudioSpecificConfig, a frame ADTS cannot
    carry, a tag value that is not a number. `field` names what was read, `rule` what it broke."""

    def __init__(self, field: str, rule: str) -> None:
        self.field: str = field
        self.rule: str = rule
        super().__init__(f"{field}: {rule}")

    def __reduce__(self) -> tuple[type[AudioFormatError], tuple[str, str]]:
        return type(self), (self.field, self.rule)


class MissingExtraError(KvsChimeError, ImportError):
    """An optional feature was used without the extra that provides it installed
    (decoding AAC to PCM needs `pip install "kvs-chime[audio]"`)."""

    def __init__(self, feature: str, extra: str, module: str) -> None:
        self.feature: str = feature
        self.extra: str = extra
        super().__init__(
            f'{feature} needs the {module!r} package: pip install "kvs-chime[{extra}]"', name=module
        )

    def __reduce__(self) -> tuple[type[MissingExtraError], tuple[str, str, str]]:
        return type(self), (self.feature, self.extra, self.name or "")


class MediaStreamError(KvsChimeError):
    """A stream's media could not be read to its end: the service ended `GetMedia` with an error
    (its `AWS_KINESISVIDEO_ERROR_CODE` tag, in `code`), at `fragment_number`."""

    def __init__(self, message: str, *, code: str | None = None, fragment_number: str | None = None) -> None:
        super().__init__(message)
        self.code: str | None = code
        self.fragment_number: str | None = fragment_number
