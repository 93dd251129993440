"""Text -> typed value converters for scalar shapes, compiled once per shape.

Used wherever a protocol carries scalars as text: awsQuery form fields, XML element text,
HTTP headers, query-string parameters and URI labels. The converter is chosen from the
shape when a plan is compiled, so the request path pays one function call per value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from cloudtwin.protocol import values
from cloudtwin.protocol.malformed import VALUE, InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import Shape

TextConverter = Callable[[str], Any]

SCALAR_TYPES = frozenset(
    {"string", "boolean", "integer", "long", "byte", "short", "float", "double", "timestamp", "blob"}
)


def _text(text: str) -> str:
    return text


def text_converter(shape: Shape, default_timestamp_format: str, kind: str = VALUE) -> TextConverter:
    """A function turning the text form of a ``shape`` value into its typed value.

    ``default_timestamp_format`` applies when the shape names no ``timestampFormat``;
    ``kind`` is the :mod:`~cloudtwin.protocol.malformed` kind raised for unreadable text.
    Non-scalar shapes (and documents) are kept as text: protocols that carry them as text
    have no other representation for them.
    """
    type_name = shape.type_name
    if type_name == "boolean":
        read: Callable[[str], Any] = values.parse_boolean
    elif type_name in ("integer", "long", "byte", "short"):
        read = values.parse_integer
    elif type_name in ("float", "double"):
        read = values.parse_float
    elif type_name == "blob":
        read = values.decode_base64
    elif type_name == "timestamp":
        fmt = shape.serialization.get("timestampFormat") or default_timestamp_format

        def read(text: str) -> Any:
            return values.parse_timestamp(text, fmt)

    else:
        return _text

    def convert(text: str) -> Any:
        try:
            return read(text)
        except (ValueError, OverflowError) as exc:
            raise InvalidInput(str(exc), kind) from None

    return convert
