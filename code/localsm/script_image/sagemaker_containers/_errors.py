"""The toolkit's error classes that user code meets (its `_errors` module)."""

from __future__ import annotations


class ClientError(Exception):
    """An error of the user's (data, code), as opposed to one of the framework."""


class UnsupportedFormatError(Exception):
    """A content type the serving code cannot decode or encode."""

    def __init__(self, content_type: str, **kwargs: object) -> None:
        self.message = (
            f"Content type {content_type} is not supported by this framework. Implement "
            "input_fn (to decode the request) or output_fn (to encode the response) in your "
            "script for it."
        )
        super().__init__(self.message, **kwargs)
