#!/usr/bin/env python3
"""Validate an ECS bundle written by `score-x translate --target ecs`.

Usage: ecs_validate.py BUNDLE_DIR

- every */task-definition.json against botocore's ECS RegisterTaskDefinition input shape,
- every */service.json against the CreateService input shape
  (botocore's ParamValidator: unknown keys, wrong types, missing required members, ranges),
- cloudformation.yaml with cfn-lint (errors and warnings fail).

Exit status 0 when everything is valid, 1 otherwise (each problem printed on stderr).
"""

import json
import os
from pathlib import Path
import sys

import botocore.session
from botocore.validate import ParamValidator
from cfnlint.api import lint_file


def validate_json(path, shape, validator):
    with open(path, encoding="utf-8") as f:
        params = json.load(f)
    report = validator.validate(params, shape)
    if report.has_errors():
        return [f"{path}: {report.generate_report()}"]
    return []


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[1]
    model = botocore.session.get_session().get_service_model("ecs")
    register = model.operation_model("RegisterTaskDefinition").input_shape
    create = model.operation_model("CreateService").input_shape
    validator = ParamValidator()
    problems = []
    checked = 0
    for entry in sorted(os.listdir(root)):
        d = os.path.join(root, entry)
        if not os.path.isdir(d):
            continue
        for name, shape in (("task-definition.json", register), ("service.json", create)):
            p = os.path.join(d, name)
            if os.path.exists(p):
                problems += validate_json(p, shape, validator)
                checked += 1
            else:
                problems.append(f"{p}: missing")
    cfn = os.path.join(root, "cloudformation.yaml")
    if os.path.exists(cfn):
        for m in lint_file(Path(cfn)):
            if m.rule.severity.lower() in ("error", "warning"):
                problems.append(f"{cfn}:{m.linenumber}: {m.rule.id} {m.message}")
        checked += 1
    else:
        problems.append(f"{cfn}: missing")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"ecs_validate: {checked} files checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
