#!/usr/bin/env python3
"""Validate directories of score-x Nomad output: OPENAPI DIR [DIR…].

- every `*.nomad.json` is `{"Job": …}` and the job validates against the `Job` schema of the
  Nomad OpenAPI description OPENAPI (jsonschema), with unknown fields forbidden (every object
  schema that lists properties gets `additionalProperties: false`), durations being integers;
- every `*.nomad.hcl` parses with python-hcl2 and, read back into the JSON API shape, equals the
  job of the JSON file with the same name (HCL variables replaced by their defaults);
- the text of every template has balanced custom delimiters, each action lexes (strings, raw
  strings, chars) and the block keywords (if/range/with/define/block … end) balance.

Prints one line per problem and exits 1 when there is any.
"""
import difflib
import json
import pathlib
import re
import sys

import hcl2
import jsonschema
import yaml

DURATION_KEYS = {"Interval", "Timeout", "Grace"}


def strict(schema):
    """Forbid unknown fields in every object schema that lists its properties."""
    if isinstance(schema, dict):
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        for v in schema.values():
            strict(v)
    elif isinstance(schema, list):
        for v in schema:
            strict(v)
    return schema


def job_validator(openapi_path):
    doc = yaml.safe_load(pathlib.Path(openapi_path).read_text())
    components = strict(doc["components"])
    root = {"$ref": "#/components/schemas/Job", "components": components}
    return jsonschema.Draft4Validator(root)


def durations_are_integers(value, path, problems):
    if isinstance(value, dict):
        for k, v in value.items():
            if k in DURATION_KEYS and not (isinstance(v, int) and not isinstance(v, bool)):
                problems.append(f"{path}/{k}: a duration must be an integer of nanoseconds, not {v!r}")
            durations_are_integers(v, f"{path}/{k}", problems)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            durations_are_integers(v, f"{path}/{i}", problems)


# ---- HCL → JSON API shape -------------------------------------------------------------------

HCL_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def hcl_string(raw, variables):
    """The value of a python-hcl2 string: a quoted literal, or `${var.NAME}`."""
    if not isinstance(raw, str):
        return raw
    m = re.fullmatch(r"\$\{var\.([A-Za-z0-9_]+)\}", raw)
    if m:
        return variables[m.group(1)]
    if not (raw.startswith('"') and raw.endswith('"')):
        raise ValueError(f"unexpected expression {raw!r}")
    s, out, i = raw[1:-1], [], 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            e = s[i + 1]
            if e in HCL_ESCAPES:
                out.append(HCL_ESCAPES[e])
                i += 2
            elif e in "uU":
                width = 4 if e == "u" else 8
                out.append(chr(int(s[i + 2:i + 2 + width], 16)))
                i += 2 + width
            else:
                raise ValueError(f"unknown escape \\{e} in {raw!r}")
        elif s.startswith("$${", i) or s.startswith("%%{", i):
            out.append(c + "{")
            i += 3
        elif s.startswith("${", i) or s.startswith("%{", i):
            raise ValueError(f"unescaped template marker in {raw!r}")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def blocks(body, name):
    return [b for b in body.get(name, [])]


def labeled(body, name, variables):
    out = []
    for b in body.get(name, []):
        for label, inner in b.items():
            out.append((hcl_string(label, variables), inner))
    return out


def only_block(body, name):
    bs = blocks(body, name)
    return bs[0] if bs else None


def smap(value, variables):
    """A `name { k = v }` block or `name = { "k" = v }` attribute → dict."""
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0]
    return {
        hcl_string(k, variables) if k.startswith('"') else k: conv(v, variables)
        for k, v in value.items()
        if k != "__is_block__"
    }


def conv(v, variables):
    if isinstance(v, list):
        return [conv(x, variables) for x in v]
    return hcl_string(v, variables)


def put(out, key, body, hkey, variables, f=None):
    if hkey in body:
        v = conv(body[hkey], variables)
        out[key] = f(v) if f else v


def seconds(text):
    m = re.fullmatch(r"(\d+)s", text)
    if not m:
        raise ValueError(f"unexpected duration {text!r}")
    return int(m.group(1)) * 1_000_000_000


def constraints_of(out, b, v):
    """`constraint { attribute, operator, value }` blocks (score-x writes none; patches may)."""
    cs = []
    for c in blocks(b, "constraint"):
        x = {}
        put(x, "LTarget", c, "attribute", v)
        put(x, "RTarget", c, "value", v)
        x["Operand"] = hcl_string(c["operator"], v) if "operator" in c else "="
        cs.append(x)
    if cs:
        out["Constraints"] = cs


def check_of(b, v):
    c = {}
    put(c, "Name", b, "name", v)
    put(c, "Type", b, "type", v)
    put(c, "Path", b, "path", v)
    put(c, "Protocol", b, "protocol", v)
    put(c, "Method", b, "method", v)
    put(c, "PortLabel", b, "port", v)
    put(c, "Command", b, "command", v)
    put(c, "Args", b, "args", v)
    if "header" in b:
        c["Header"] = smap(b["header"], v)
    put(c, "TaskName", b, "task", v)
    put(c, "Interval", b, "interval", v, seconds)
    put(c, "Timeout", b, "timeout", v, seconds)
    r = only_block(b, "check_restart")
    if r is not None:
        c["CheckRestart"] = {"Limit": r["limit"], "Grace": seconds(hcl_string(r["grace"], v))}
    return c


def service_of(b, v):
    s = {}
    put(s, "Name", b, "name", v)
    put(s, "PortLabel", b, "port", v)
    put(s, "Provider", b, "provider", v)
    checks = [check_of(c, v) for c in blocks(b, "check")]
    if checks:
        s["Checks"] = checks
    return s


def task_of(name, b, v):
    t = {"Name": name}
    put(t, "Driver", b, "driver", v)
    cfg = only_block(b, "config")
    config = {}
    for k, val in cfg.items():
        if k == "__is_block__":
            continue
        if k == "mount":
            config["mount"] = [
                {mk: conv(mv, v) for mk, mv in m.items() if mk != "__is_block__"} for m in val
            ]
        else:
            config[k] = conv(val, v)
    t["Config"] = config
    constraints_of(t, b, v)
    if "env" in b:
        t["Env"] = smap(b["env"], v)
    temps = []
    for tb in blocks(b, "template"):
        x = {}
        put(x, "EmbeddedTmpl", tb, "data", v)
        put(x, "DestPath", tb, "destination", v)
        put(x, "Perms", tb, "perms", v)
        put(x, "LeftDelim", tb, "left_delimiter", v)
        put(x, "RightDelim", tb, "right_delimiter", v)
        put(x, "Envvars", tb, "env", v)
        put(x, "ChangeMode", tb, "change_mode", v)
        temps.append(x)
    if temps:
        t["Templates"] = temps
    mounts = []
    for m in blocks(b, "volume_mount"):
        mounts.append({
            "Volume": hcl_string(m["volume"], v),
            "Destination": hcl_string(m["destination"], v),
            "ReadOnly": m["read_only"],
        })
    if mounts:
        t["VolumeMounts"] = mounts
    lc = only_block(b, "lifecycle")
    if lc is not None:
        t["Lifecycle"] = {"Hook": hcl_string(lc["hook"], v), "Sidecar": lc["sidecar"]}
    r = only_block(b, "resources")
    if r is not None:
        t["Resources"] = {
            json_key: r[hcl_key]
            for hcl_key, json_key in [("cpu", "CPU"), ("cores", "Cores"), ("memory", "MemoryMB"), ("memory_max", "MemoryMaxMB")]
            if hcl_key in r
        }
    return t


def group_of(name, b, v):
    g = {"Name": name, "Count": b["count"]}
    nets = []
    for n in blocks(b, "network"):
        net = {"Mode": hcl_string(n["mode"], v)}
        dyn, res = [], []
        for label, p in labeled(n, "port", v):
            if "static" in p:
                res.append({"Label": label, "Value": p["static"], "To": p["to"]})
            else:
                dyn.append({"Label": label, "To": p["to"]})
        if dyn:
            net["DynamicPorts"] = dyn
        if res:
            net["ReservedPorts"] = res
        nets.append(net)
    g["Networks"] = nets
    services = [service_of(s, v) for s in blocks(b, "service")]
    if services:
        g["Services"] = services
    vols = {}
    for label, vb in labeled(b, "volume", v):
        x = {"Name": label}
        put(x, "Type", vb, "type", v)
        put(x, "Source", vb, "source", v)
        put(x, "ReadOnly", vb, "read_only", v)
        put(x, "AccessMode", vb, "access_mode", v)
        put(x, "AttachmentMode", vb, "attachment_mode", v)
        vols[label] = x
    if vols:
        g["Volumes"] = vols
    constraints_of(g, b, v)
    g["Tasks"] = [task_of(n, t, v) for n, t in labeled(b, "task", v)]
    return g


def job_of_hcl(doc):
    variables = {}
    for label, vb in labeled(doc, "variable", {}):
        variables[label] = hcl_string(vb["default"], {})
    (job_id, b), = labeled(doc, "job", variables)
    j = {"ID": job_id}
    put(j, "Name", b, "name", variables)
    put(j, "Type", b, "type", variables)
    put(j, "Datacenters", b, "datacenters", variables)
    put(j, "Namespace", b, "namespace", variables)
    put(j, "Region", b, "region", variables)
    put(j, "NodePool", b, "node_pool", variables)
    if "meta" in b:
        j["Meta"] = smap(b["meta"], variables)
    p = only_block(b, "periodic")
    if p is not None:
        crons = conv(p["crons"], variables)
        j["Periodic"] = {"Enabled": p["enabled"], "Spec": crons[0], "SpecType": "cron", "ProhibitOverlap": p["prohibit_overlap"]}
    constraints_of(j, b, variables)
    j["TaskGroups"] = [group_of(n, g, variables) for n, g in labeled(b, "group", variables)]
    return j


# ---- Go template text -----------------------------------------------------------------------

OPENERS = {"if", "range", "with", "define", "block"}


def template_problems(text, left, right):
    """Balanced delimiters, lexable actions, balanced block keywords."""
    problems, depth, i = [], 0, 0
    while True:
        start = text.find(left, i)
        if start < 0:
            break
        j = start + len(left)
        end = None
        while j < len(text):
            c = text[j]
            if text.startswith(right, j):
                end = j
                break
            if c == '"':
                j += 1
                while j < len(text) and text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
                if j >= len(text):
                    return problems + [f"unterminated string in the action at {start}"]
            elif c == "`":
                k = text.find("`", j + 1)
                if k < 0:
                    return problems + [f"unterminated raw string in the action at {start}"]
                j = k
            elif c == "\n":
                return problems + [f"the action at {start} is not closed on its line"]
            j += 1
        if end is None:
            return problems + [f"the action at {start} has no `{right}`"]
        words = text[start + len(left):end].strip().lstrip("-").strip().split()
        word = words[0] if words else ""
        if word in OPENERS:
            depth += 1
        elif word == "end":
            depth -= 1
            if depth < 0:
                problems.append(f"`end` without an opening action at {start}")
                depth = 0
        i = end + len(right)
    if depth:
        problems.append(f"{depth} block action(s) without `end`")
    return problems


def check_dir(validator, out, problems):
    jsons = sorted(out.glob("*.nomad.json"))
    if not jsons:
        problems.append(f"{out}: no *.nomad.json")
    for path in jsons:
        name = f"{out.name}/{path.name}"
        doc = json.loads(path.read_text())
        if set(doc) != {"Job"}:
            problems.append(f"{name}: the top level must be exactly {{\"Job\": …}}, not {sorted(doc)}")
            continue
        job = doc["Job"]
        for e in validator.iter_errors(job):
            where = "/".join(str(p) for p in e.absolute_path)
            problems.append(f"{name}: /Job/{where}: {e.message}")
        durations_are_integers(job, f"{name}:/Job", problems)
        for g in job.get("TaskGroups", []):
            for t in g.get("Tasks", []):
                for k, tpl in enumerate(t.get("Templates", [])):
                    for p in template_problems(tpl["EmbeddedTmpl"], tpl.get("LeftDelim", "{{"), tpl.get("RightDelim", "}}")):
                        problems.append(f"{name}: task {t['Name']} template {k}: {p}")
        hcl_path = path.with_name(path.name.replace(".nomad.json", ".nomad.hcl"))
        if not hcl_path.exists():
            problems.append(f"{out.name}/{hcl_path.name}: missing")
            continue
        try:
            with hcl_path.open() as f:
                from_hcl = job_of_hcl(hcl2.load(f))
        except Exception as e:  # a parse or shape error is a finding
            problems.append(f"{out.name}/{hcl_path.name}: {type(e).__name__}: {e}")
            continue
        if from_hcl != job:
            a = json.dumps(from_hcl, indent=1, sort_keys=True).splitlines()
            b = json.dumps(job, indent=1, sort_keys=True).splitlines()
            diff = "\n".join(difflib.unified_diff(b, a, "json", "hcl", lineterm="", n=2))
            problems.append(f"{out.name}/{hcl_path.name}: does not describe the job of {path.name}:\n{diff}")


def main():
    validator = job_validator(sys.argv[1])
    problems = []
    for d in sys.argv[2:]:
        check_dir(validator, pathlib.Path(d), problems)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
