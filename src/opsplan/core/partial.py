"""A view of an instance that failed its schema, so that the family's cross-reference checks
still run over everything that did parse (every problem reported at once).

Each part of the input is validated where pydantic found no error below it. A model with an
error below it is rebuilt field by field: a field that did not parse keeps its default when it
has one, else its raw value (a number: NaN, which every comparison finds false); an element of
a list keeps its position (so that paths and ids stay the caller's). The caller runs the
family's `validate` on the view and leaves out what it says about the fields that did not parse
(pydantic has named those already).
"""

from __future__ import annotations

import contextlib
import math
import types
from collections.abc import Sequence
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter

from .errors import _is_tag

Loc = tuple[int | str, ...]


def partial_view(model: type[BaseModel], data: Any, locs: Sequence[Sequence[int | str]]) -> Any:
    """`data` as an instance of `model`, built around the error locations `locs` (as pydantic
    gives them); None when even its skeleton cannot be had (not an object)."""
    errs = [tuple(p for p in loc if not _is_tag(p)) for loc in locs]
    if not isinstance(data, dict):
        return None
    try:
        view = _view(model, data, errs)
    except Exception:  # the skeleton itself does not parse: no view, the schema's problems stand
        return None
    return view if isinstance(view, model) else None


@cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def _under(errs: list[Loc], key: int | str) -> list[Loc]:
    return [e[1:] for e in errs if e and e[0] == key]


def _plain(tp: Any) -> Any:
    """X | None -> X; Annotated[X, ...] -> X; other unions stay (their values stay raw)."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _view(tp: Any, value: Any, errs: list[Loc]) -> Any:
    if not errs:
        return _adapter(tp).validate_python(value)
    if value is None:
        return None
    tp = _plain(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(value, dict):
        return _model_view(tp, value, errs)
    origin = get_origin(tp)
    if origin is list and isinstance(value, list):
        (item,) = get_args(tp)
        return [_view(item, v, _under(errs, i)) for i, v in enumerate(value)]
    if origin is dict and isinstance(value, dict):
        _, item = get_args(tp)
        bad_keys = {e[0] for e in errs if len(e) >= 2 and e[1] == "[key]"}
        return {k: _view(item, v, _under(errs, k)) for k, v in value.items() if k not in bad_keys}
    if tp in (int, float):
        # a number that did not parse: NaN, which every comparison of a check finds false (a
        # check says nothing about it; pydantic's problem names it)
        return math.nan
    return value  # another value that did not parse: as given


def _model_view(cls: type[BaseModel], value: dict[str, Any], errs: list[Loc]) -> BaseModel:
    fields: dict[str, Any] = {}
    whole = () not in errs  # no error on the model as a whole (its own validators)
    for name, f in cls.model_fields.items():
        key = f.alias or name
        sub = _under(errs, key)
        if key not in value:
            if f.is_required():
                fields[name] = None
                whole = False
            continue
        raw = value[key]
        if () in sub and not isinstance(raw, dict | list):
            if not f.is_required():
                continue  # the default stands in for a value that did not parse
            whole = False
        fields[name] = _view(f.annotation, raw, sub)
    if whole:
        try:
            return cls.model_validate(fields)
        except Exception:  # its own checks, or a part's, over a value that did not parse
            pass
    view = cls.model_construct(**fields)
    # what the model's own checks fill in (defaults that depend on other fields) where they can
    for dec in cls.__pydantic_decorators__.model_validators.values():
        if dec.info.mode == "after":
            with contextlib.suppress(Exception):
                view = dec.func(view)
    return view
