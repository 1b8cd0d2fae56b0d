#!/usr/bin/env python3
"""Checks Protocols/event.schema.json against Protocols/vectors/events.json.

Every "accepted" vector must validate; every "invalid" one must not, except the few whose rule a
JSON Schema cannot state (listed below). Numbers are read with parse_float=Decimal so that 1.0 and
1e3 are not integers, as in the contract. Needs the `jsonschema` package (Debian's
python3-jsonschema, which Deploy/test.sh installs); `swift test` runs it
(Tests/CasePulseWireTests/SchemaTests.swift).

The "date-time" format is checked by the function below rather than by rfc3339-validator, which
does not know leap seconds (RFC 3339 allows second 60; so does the contract).
"""
import calendar
import decimal
import json
import pathlib
import re
import sys

import jsonschema

HERE = pathlib.Path(__file__).resolve().parent
SCHEMA = HERE.parent / "event.schema.json"
VECTORS = HERE / "events.json"

# Refusals that depend on the receiver's clock, on duplicate keys (which a JSON parser merges) or
# on the sign of -0 (which a JSON parser reads as 0).
NOT_EXPRESSIBLE = {
    "fine_fen -0",
    "at before 2000",
    "at before 2000 through its offset",
    "at 1 ns more than a day ahead",
    "at two days ahead",
    "at year 9999",
    "duplicate id",
    "duplicate at with the same value",
    "duplicate seq",
}


DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$",
    re.ASCII,
)


def is_date_time(instance: object) -> bool:
    """RFC 3339 date-time with offset on a real calendar (second 60 allowed)."""
    if not isinstance(instance, str):
        return True
    m = DATE_TIME.match(instance)
    if not m:
        return False
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year or 2000, month)[1]:
        return False
    if hour > 23 or minute > 59 or second > 60:
        return False
    if m.group(9) is not None and (int(m.group(9)) > 23 or int(m.group(10)) > 59):
        return False
    return True


def main() -> int:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    format_checker = jsonschema.FormatChecker()
    format_checker.checks("date-time")(is_date_time)
    validator = validator_class(schema, format_checker=format_checker)
    doc = json.loads(VECTORS.read_text(encoding="utf-8"))
    failures = 0
    checked = 0
    for vector in doc["vectors"]:
        name = vector["name"]
        if vector["expect"] == "accepted":
            should_pass = True
        elif vector.get("reason") == "invalid" and name not in NOT_EXPRESSIBLE:
            should_pass = False
        else:
            continue
        instance = json.loads(vector["frames"][1], parse_float=decimal.Decimal)
        errors = list(validator.iter_errors(instance))
        checked += 1
        if should_pass and errors:
            failures += 1
            print(f"FAIL accepted vector does not validate: {name}: {errors[0].message}")
        elif not should_pass and not errors:
            failures += 1
            print(f"FAIL invalid vector validates: {name}")
        elif not should_pass:
            path = list(errors[0].absolute_path)
            field = path[0] if path else None
            if field is not None and field != vector["field"]:
                print(f"note: {name}: schema blames {field!r}, vector names {vector['field']!r}")
    print(f"{checked} vectors checked, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
