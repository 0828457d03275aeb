"""custom_schema_json: the column types a config declares for its source."""

from __future__ import annotations

import json
import re

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def is_identifier(name) -> bool:
    return isinstance(name, str) and bool(_IDENT.match(name)) and len(name) <= 128


def declared_schema(cfg):
    """custom_schema_json as a StructType: Spark's schema JSON, or {"column": "type", ...}."""
    from pyspark.sql.types import StructField, StructType, _parse_datatype_string

    data = json.loads(cfg.custom_schema_json)
    if isinstance(data, dict) and data.get("type") == "struct":
        schema = StructType.fromJson(data)
    elif isinstance(data, dict):
        schema = StructType([StructField(k, _parse_datatype_string(v)) for k, v in data.items()])
    else:
        raise ValueError("expected a JSON object")
    for field in schema.fields:
        if not is_identifier(field.name):
            raise ValueError(f"{field.name!r} is not an identifier")
    return schema
