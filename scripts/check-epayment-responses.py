#!/usr/bin/env python3
"""Validate recorded ePayment responses against the official OpenAPI spec (epayment-openapi.yaml v1.7.0).

Usage: scripts/check-epayment-responses.py RESPONSES.json [--spec PATH]
RESPONSES.json is a JSON array of {"operation", "method", "pathTemplate", "status", "body"} records, as the
simulator records them (SimulatorConfiguration.recordsResponses); pathTemplate is the spec's path (e.g.
"/v1/payments/{Reference}/capture"), or "/accesstoken/get", or "webhook" for a webhook delivery body, or a Webhooks
API path ("/webhooks/v1/webhooks", "/webhooks/v1/webhooks/{id}"), checked against webhooks-openapi.yaml.

Each body is checked against the schema the spec declares for its path, method and status (an undeclared error
status is checked against Problem, or ProblemDetails for the Webhooks API), with two additions that make the check strict enough to catch mistakes:
objects may not carry properties the spec does not define, and date-time / uri formats are checked.
The spec's PaymentEvent lists `paymentAction` as required without defining it; it is accepted as a string.
With --spec=../shared/reference/order-management-openapi.yaml it checks the simulator's Order Management receipt
responses (pathTemplate "/v2/{paymentType}/receipts/{orderId}") the same way.

Exit status: 0 all valid, 1 a body does not match, 2 a needed package or the spec is missing.
"""
import copy
import json
import os
import pathlib
import re
import subprocess
import sys


def ensure_packages():
    try:
        import yaml  # noqa: F401
        import openapi_schema_validator  # noqa: F401
    except ImportError:
        # CI installs what it needs itself; a developer machine usually has these already.
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "openapi-schema-validator", "pyyaml"],
                       check=False)


ensure_packages()
try:
    import yaml
    from jsonschema import FormatChecker
    from openapi_schema_validator import OAS30Validator
except ImportError as error:
    print(f"check-epayment-responses: missing package ({error}); pip install openapi-schema-validator pyyaml",
          file=sys.stderr)
    sys.exit(2)

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The team's shared contract when it sits beside the checkout (as in CI), else the copy vendored in docs/reference.
SHARED_SPEC = ROOT.parent / "shared" / "reference" / "epayment-openapi.yaml"
DEFAULT_SPEC = SHARED_SPEC if SHARED_SPEC.exists() else ROOT / "docs" / "reference" / "epayment-openapi.yaml"
WEBHOOKS_PREFIX = "/webhooks"

# The access-token endpoint has no published OpenAPI document; this follows the access-token API guide
# (epayment-facts.md section 4): every field is a string, expires_in included.
ACCESS_TOKEN_SCHEMA = {
    "type": "object",
    "required": ["token_type", "expires_in", "ext_expires_in", "expires_on", "not_before", "resource",
                 "access_token"],
    "properties": {name: {"type": "string"} for name in
                   ["token_type", "expires_in", "ext_expires_in", "expires_on", "not_before", "resource",
                    "access_token"]},
    "additionalProperties": False,
}

# The access-token endpoint's errors are Azure AD shaped (ev-charging-facts.md section 3; the official SDK's
# AccessTokenError type): error, error_description, error_codes, timestamp, trace_id, correlation_id.
ACCESS_TOKEN_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id"],
    "properties": {
        "error": {"type": "string"}, "error_description": {"type": "string"},
        "error_codes": {"type": "array", "items": {"type": "integer"}}, "timestamp": {"type": "string"},
        "trace_id": {"type": "string"}, "correlation_id": {"type": "string"},
    },
    "additionalProperties": False,
}

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def strict(node):
    """Forbids undeclared properties on every object schema that declares its properties."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            strict(value)
    elif isinstance(node, list):
        for value in node:
            strict(value)


def load_spec(path):
    spec = yaml.safe_load(pathlib.Path(path).read_text())
    components = copy.deepcopy(spec["components"])
    if "PaymentEvent" in components["schemas"]:  # the ePayment spec; the Order Management spec has none
        components["schemas"]["PaymentEvent"]["properties"]["paymentAction"] = {"type": "string"}
    strict(components["schemas"])
    return spec, components


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        parts = node["$ref"].lstrip("#/").split("/")
        node = spec
        for part in parts:
            node = node[part]
    return node


def schema_for(spec, components, record, webhooks_spec=None):
    """The schema the spec declares for a record, or None when the spec declares no body."""
    template, method, status = record["pathTemplate"], record["method"].lower(), str(record["status"])
    if template == "/accesstoken/get":
        return ACCESS_TOKEN_SCHEMA if status == "200" else ACCESS_TOKEN_ERROR_SCHEMA
    if template.startswith(WEBHOOKS_PREFIX + "/"):
        spec, template, problem = webhooks_spec, template[len(WEBHOOKS_PREFIX):], "ProblemDetails"
        response = spec["paths"][template][method]["responses"].get(status)
        if response is None and int(status) >= 400:
            return {"$ref": "#/components/schemas/" + problem}
    if template == "webhook":
        return {"$ref": "#/components/schemas/WebhookEvent"}
    operation = spec["paths"][template][method]
    response = operation["responses"].get(status)
    if response is None:
        if int(status) >= 400:
            return {"$ref": "#/components/schemas/Problem"}
        raise KeyError(f"status {status} is not documented for {method.upper()} {template}")
    content = resolve(spec, response).get("content")
    if not content:
        return None
    return next(iter(content.values()))["schema"]


def main(argv):
    args = [a for a in argv if not a.startswith("--spec=")]
    spec_path = next((a.split("=", 1)[1] for a in argv if a.startswith("--spec=")),
                     os.environ.get("EPAYMENT_SPEC", str(DEFAULT_SPEC)))
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    if not pathlib.Path(spec_path).exists():
        print(f"check-epayment-responses: spec not found at {spec_path}", file=sys.stderr)
        return 2
    spec, components = load_spec(spec_path)
    webhooks_path = pathlib.Path(spec_path).parent / "webhooks-openapi.yaml"
    webhooks_spec = yaml.safe_load(webhooks_path.read_text()) if webhooks_path.exists() else None
    records = json.loads(pathlib.Path(args[0]).read_text())
    checker = FormatChecker()

    @checker.checks("date-time")
    def is_datetime(value):
        return not isinstance(value, str) or bool(RFC3339.match(value))

    @checker.checks("uri")
    def is_uri(value):
        return not isinstance(value, str) or bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", value))

    failures = 0
    for index, record in enumerate(records):
        where = f"#{index} {record['operation']} {record['method']} {record['pathTemplate']} -> {record['status']}"
        is_webhooks = record["pathTemplate"].startswith(WEBHOOKS_PREFIX + "/")
        if is_webhooks and webhooks_spec is None:
            print(f"{where}: webhooks-openapi.yaml not found beside {spec_path}")
            failures += 1
            continue
        try:
            schema = schema_for(spec, components, record, webhooks_spec)
        except KeyError as error:
            print(f"{where}: {error}")
            failures += 1
            continue
        body = record["body"]
        if schema is None:
            if body.strip():
                print(f"{where}: the spec declares no body, but one was sent: {body[:200]}")
                failures += 1
            continue
        try:
            instance = json.loads(body)
        except json.JSONDecodeError as error:
            print(f"{where}: body is not JSON ({error}): {body[:200]}")
            failures += 1
            continue
        root = dict(schema)
        if is_webhooks:
            webhook_components = copy.deepcopy(webhooks_spec["components"])
            strict(webhook_components["schemas"])
            root["components"] = webhook_components
        else:
            root["components"] = components
        validator = OAS30Validator(root, format_checker=checker)
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
            path = "/".join(str(p) for p in error.absolute_path) or "(root)"
            print(f"{where}: {path}: {error.message}")
            failures += 1
    print(f"check-epayment-responses: {len(records)} responses checked against {pathlib.Path(spec_path).name} "
          f"v{spec['info']['version']}: {'all valid' if failures == 0 else f'{failures} problem(s)'}")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
