#!/usr/bin/env python3
"""Validate flow definitions against flows/schema.json (JSON Schema draft 2020-12).

Usage: scripts/check-flow-schema.py [FILE_OR_DIR ...]   (default: the flows/ folder next to this script)
Exit status: 0 all valid, 1 a file does not match the schema, 2 the jsonschema package is missing.
"""
import json
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    print("check-flow-schema: the 'jsonschema' package is missing (pip install jsonschema)", file=sys.stderr)
    sys.exit(2)

root = pathlib.Path(__file__).resolve().parent.parent
schema = json.loads((root / "flows" / "schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

targets = [pathlib.Path(a) for a in sys.argv[1:]] or [root / "flows"]
files = []
for target in targets:
    files += sorted(p for p in target.glob("*.json") if p.name != "schema.json") if target.is_dir() else [target]

failed = 0
for path in files:
    errors = sorted(validator.iter_errors(json.loads(path.read_text())), key=lambda e: list(e.absolute_path))
    for error in errors:
        location = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        print(f"{path}: {location}: {error.message}")
    failed += bool(errors)
    if not errors:
        print(f"{path}: ok")
sys.exit(1 if failed else 0)
