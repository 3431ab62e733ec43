#!/usr/bin/env python3
"""Check recorded `evflow serve` responses against docs/api.yaml (OpenAPI 3.0).

Usage: scripts/check-evflow-api.py RESPONSES.json [--spec PATH]
RESPONSES.json is a JSON array of {"method", "path", "status", "contentType", "body"} records; `path` is the
spec's path template (e.g. "/v1/instances/{id}") and `body` the response body as text.

For each record: the operation must exist, the status must be declared for it, the content type must be one the
response declares, and a JSON body must match the declared schema, strictly (objects may not carry undeclared
properties unless the schema allows them; date-time formats are checked).

Exit status: 0 all conform, 1 something does not, 2 a needed package or the spec is missing.
"""
import copy
import json
import pathlib
import re
import subprocess
import sys


def ensure_packages():
    try:
        import yaml  # noqa: F401
        import openapi_schema_validator  # noqa: F401
    except ImportError:
        # A clean CI machine installs what it needs itself (pip from PyPI), into the user site if necessary.
        for extra in ([], ["--user"], ["--user", "--break-system-packages"]):
            result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *extra,
                                     "openapi-schema-validator", "pyyaml"], check=False)
            if result.returncode == 0:
                break
        import site
        import importlib
        if hasattr(site, "getusersitepackages") and site.getusersitepackages() not in sys.path:
            sys.path.append(site.getusersitepackages())
        importlib.invalidate_caches()


ensure_packages()
try:
    import yaml
    from jsonschema import FormatChecker
    from openapi_schema_validator import OAS30Validator
except ImportError as error:
    print(f"check-evflow-api: missing package ({error}); pip install openapi-schema-validator pyyaml", file=sys.stderr)
    sys.exit(2)

ROOT = pathlib.Path(__file__).resolve().parent.parent
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def strict(node):
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            strict(value)
    elif isinstance(node, list):
        for value in node:
            strict(value)


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def main():
    arguments = sys.argv[1:]
    spec_path = ROOT / "docs" / "api.yaml"
    if "--spec" in arguments:
        index = arguments.index("--spec")
        spec_path = pathlib.Path(arguments[index + 1])
        del arguments[index:index + 2]
    if len(arguments) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        spec = yaml.safe_load(spec_path.read_text())
    except OSError as error:
        print(f"check-evflow-api: cannot read the spec: {error}", file=sys.stderr)
        return 2
    strict(spec["components"]["schemas"])
    formats = FormatChecker()
    formats.checks("date-time")(lambda value: not isinstance(value, str) or bool(RFC3339.match(value)))
    records = json.loads(pathlib.Path(arguments[0]).read_text())
    failures = []
    checked = set()
    for number, record in enumerate(records):
        where = f"#{number} {record['method']} {record['path']} -> {record['status']}"
        operation = spec["paths"].get(record["path"], {}).get(record["method"].lower())
        if operation is None:
            failures.append(f"{where}: no such operation in the spec")
            continue
        response = operation["responses"].get(str(record["status"])) or operation["responses"].get("default")
        if response is None:
            failures.append(f"{where}: status {record['status']} is not declared (declared: {', '.join(operation['responses'])})")
            continue
        response = resolve(spec, response)
        content = response.get("content", {})
        media = (record.get("contentType") or "").split(";")[0].strip()
        if content and media not in content:
            failures.append(f"{where}: content type '{media}' is not declared (declared: {', '.join(content)})")
            continue
        schema = content.get(media, {}).get("schema")
        if schema is None or not media.endswith("json"):
            checked.add((record["path"], record["method"], record["status"]))
            continue
        try:
            body = json.loads(record["body"])
        except ValueError:
            failures.append(f"{where}: the body is not JSON: {record['body'][:200]}")
            continue
        document = dict(copy.deepcopy(resolve(spec, schema)))
        document["components"] = spec["components"]
        errors = sorted(OAS30Validator(document, format_checker=formats).iter_errors(body), key=lambda e: list(e.path))
        for error in errors:
            path = "/".join(str(part) for part in error.path) or "(body)"
            failures.append(f"{where}: {path}: {error.message}")
        checked.add((record["path"], record["method"], record["status"]))
    for failure in failures:
        print(failure)
    print(f"check-evflow-api: {len(records)} responses, {len(checked)} distinct (operation, status) pairs, {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
