"""Post-processing of the OpenAPI description (drf-spectacular's POSTPROCESSING_HOOKS)."""

from __future__ import annotations

from typing import Any

# The bounds Django gives integer model fields depend on the database: PositiveIntegerField
# is 0…2,147,483,647 on PostgreSQL and 0…9,223,372,036,854,775,807 on SQLite (small ones
# 0…32,767 on PostgreSQL). The API's description must not change with the database it was
# generated on, so these bounds (and the int64 format SQLite's adds) are left out; the
# database still enforces its own.
_DATABASE_BOUNDS = {32767, -32768, 2147483647, -2147483648, 9223372036854775807,
                    -9223372036854775808}


def _strip(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "integer":
            bounded = False
            for key in ("maximum", "minimum"):
                if node.get(key) in _DATABASE_BOUNDS:
                    del node[key]
                    bounded = True
            if bounded and node.get("format") == "int64":
                del node["format"]
        for value in node.values():
            _strip(value)
    elif isinstance(node, list):
        for value in node:
            _strip(value)


def database_independent(result: dict[str, Any], generator: Any, request: Any, public: bool
                         ) -> dict[str, Any]:
    _strip(result)
    return result


