"""JSON to and from the dataclasses of ``proxy.types``, the same way on both sides of the wire.

The client decodes the core's answers with ``from_json``; the sandbox encodes its results with
``to_json``. Field names are JSON names; dates and datetimes are ISO 8601 (datetimes in UTC with
``Z``); ``Decimal`` is a string; enums are their values; tuples and lists are arrays.
"""

from __future__ import annotations

import dataclasses
import types
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")


class DecodeError(ValueError):
    """The JSON does not have the shape the contract promises."""


def to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def from_json(tp: type[T], data: Any) -> T:
    try:
        return _decode(tp, data, "$")  # type: ignore[no-any-return]
    except DecodeError:
        raise
    except (TypeError, ValueError, KeyError, InvalidOperation) as exc:
        raise DecodeError(str(exc)) from exc


def _decode(tp: Any, data: Any, where: str) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if data is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _decode(inner, data, where)
    if data is None:
        raise DecodeError(f"{where}: missing")
    if origin is tuple:
        return tuple(_decode(get_args(tp)[0], v, f"{where}[]") for v in _array(data, where))
    if origin is list:
        return [_decode(get_args(tp)[0], v, f"{where}[]") for v in _array(data, where)]
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, data, where)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if tp is datetime:
        parsed = datetime.fromisoformat(str(data))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if tp is date:
        return date.fromisoformat(str(data))
    if tp is Decimal:
        return Decimal(str(data))
    if tp is bool:
        if not isinstance(data, bool):
            raise DecodeError(f"{where}: expected a boolean")
        return data
    if tp in (int, str, float):
        if not isinstance(data, tp) or isinstance(data, bool):
            raise DecodeError(f"{where}: expected {tp.__name__}")
        return data
    raise DecodeError(f"{where}: cannot decode {tp!r}")


def _decode_dataclass(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise DecodeError(f"{where}: expected an object")
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _decode(hints[f.name], data[f.name], f"{where}.{f.name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise DecodeError(f"{where}.{f.name}: missing")
    return cls(**kwargs)


def _array(data: Any, where: str) -> list[Any]:
    if not isinstance(data, list):
        raise DecodeError(f"{where}: expected an array")
    return data
