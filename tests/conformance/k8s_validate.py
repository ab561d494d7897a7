#!/usr/bin/env python3
"""Strict validation of a Kubernetes multi-document YAML stream.

Usage: k8s_validate.py FILE [FILE...]   ('-' reads standard input)

Every document is checked against the OpenAPI models of the official `kubernetes` Python
client (see requirements-k8s.txt for the pinned version):

* apiVersion/kind must be served by the client: the group/version's API class (e.g.
  `AppsV1Api`) must have a `create_[namespaced_]<kind>` operation, which also tells whether
  the kind is namespaced (a cluster-scoped object with a namespace is an error);
* the object is walked recursively through the model's `openapi_types`/`attribute_map`:
  unknown fields, wrong types (strict: a string is not a number, a number is not a string,
  `null` is never accepted), missing required fields (pydantic `is_required()`), bad base64 in
  `bytes` fields, IntOrString fields (int or string) are failures;
* a subset of the API server's own validation that the OpenAPI schema cannot express:
  object names (DNS-1123 subdomain / label), label and annotation keys and values, quantities,
  ports and port names, container/volume name uniqueness, mounts of undeclared volumes,
  probes on plain init containers, Job restart policies, workload selectors matching the pod
  template labels, Service port names, ConfigMap keys, duplicate objects in the stream.

Gateway API `HTTPRoute` (gateway.networking.k8s.io/v1) is not in the client; it is checked
against the hand-written schema `HTTPROUTE` below, transcribed from the Gateway API v1.2
standard-channel CRD (fields, types, required fields, enums and list limits).

Exit code 0 when every document is valid, 1 otherwise (one precise line per problem),
2 on usage errors or a missing module.
"""

import base64
import datetime
import re
import sys
import typing

try:
    import yaml
    from kubernetes import client as kclient
    from kubernetes.client import models as kmodels
except ImportError as e:  # pragma: no cover
    print(f"k8s_validate: missing module: {e}; pip install -r tests/conformance/requirements-k8s.txt", file=sys.stderr)
    sys.exit(2)

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
QUANTITY = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$")
CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
IANA_SVC = re.compile(r"^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$")
ENV_NAME_FORBIDDEN = "="
QUANTITY_MAPS = {"limits", "requests", "capacity", "hard", "allocatable"}
QUANTITY_FIELDS = {"sizeLimit"}


class Report:
    def __init__(self):
        self.errors = []

    def add(self, where, msg):
        self.errors.append(f"{where}: {msg}")


# ---------------------------------------------------------------------------------------------
# apiVersion/kind → model class


def snake(name):
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


def group_camel(group):
    if group == "":
        return "Core"
    g = group[: -len(".k8s.io")] if group.endswith(".k8s.io") else group
    return "".join(p[:1].upper() + p[1:] for p in g.split("."))


def resolve_kind(api_version, kind):
    """(model class, namespaced) or raises ValueError with the reason."""
    group, _, version = api_version.rpartition("/")
    vcap = version[:1].upper() + version[1:]
    api_name = f"{group_camel(group)}{vcap}Api"
    api = getattr(kclient, api_name, None)
    if api is None:
        raise ValueError(f"apiVersion `{api_version}` is not served (no {api_name} in the kubernetes client)")
    sk = snake(kind)
    if hasattr(api, f"create_namespaced_{sk}"):
        namespaced = True
    elif hasattr(api, f"create_{sk}"):
        namespaced = False
    else:
        raise ValueError(f"kind `{kind}` is not served by `{api_version}` ({api_name} has no create operation for it)")
    for name in (f"{vcap}{kind}", f"{group_camel(group)}{vcap}{kind}"):
        cls = getattr(kmodels, name, None)
        if cls is not None and hasattr(cls, "openapi_types"):
            return cls, namespaced
    raise ValueError(f"no model class for `{api_version}` `{kind}`")


# ---------------------------------------------------------------------------------------------
# Generic model walk


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def int_or_string_field(cls, attr):
    ann = cls.model_fields[attr].annotation
    text = str(ann)
    return "int" in text and "str" in text


def check_type(t, value, where, rep, cls=None, attr=None, key=None):
    if value is None:
        rep.add(where, "null is not allowed (omit the field instead)")
        return
    if t == "str":
        if not isinstance(value, str):
            rep.add(where, f"expected a string, found {type(value).__name__} {value!r}")
        elif key in QUANTITY_FIELDS and not QUANTITY.match(value):
            rep.add(where, f"`{value}` is not a quantity")
        return
    if t == "int":
        if not is_int(value):
            rep.add(where, f"expected an integer, found {type(value).__name__} {value!r}")
        return
    if t == "float":
        if not (is_int(value) or isinstance(value, float)):
            rep.add(where, f"expected a number, found {type(value).__name__} {value!r}")
        return
    if t == "bool":
        if not isinstance(value, bool):
            rep.add(where, f"expected a boolean, found {type(value).__name__} {value!r}")
        return
    if t in ("datetime", "date"):
        if not isinstance(value, (str, datetime.date)):
            rep.add(where, f"expected a timestamp, found {type(value).__name__}")
        return
    if t == "bytes":
        if not isinstance(value, str):
            rep.add(where, f"expected base64 text, found {type(value).__name__}")
            return
        try:
            base64.b64decode(value, validate=True)
        except Exception:
            rep.add(where, "not valid base64")
        return
    if t == "object":
        if cls is not None and attr is not None and int_or_string_field(cls, attr):
            if is_int(value):
                return
            if isinstance(value, str):
                return
            rep.add(where, f"expected an integer or a string, found {type(value).__name__} {value!r}")
        return
    m = re.fullmatch(r"List\[(.+)\]", t)
    if m:
        if not isinstance(value, list):
            rep.add(where, f"expected a list, found {type(value).__name__}")
            return
        for i, item in enumerate(value):
            check_type(m.group(1), item, f"{where}[{i}]", rep, cls, attr, key)
        return
    m = re.fullmatch(r"Dict\[str, (.+)\]", t)
    if m:
        if not isinstance(value, dict):
            rep.add(where, f"expected a map, found {type(value).__name__}")
            return
        inner = m.group(1)
        for k, v in value.items():
            if not isinstance(k, str):
                rep.add(where, f"map key {k!r} is not a string")
                continue
            if key in QUANTITY_MAPS and inner == "str":
                if is_int(v) or isinstance(v, float):
                    continue
                if isinstance(v, str) and not QUANTITY.match(v):
                    rep.add(f"{where}.{k}", f"`{v}` is not a quantity")
                    continue
            check_type(inner, v, f"{where}.{k}", rep, cls, attr, key)
        return
    model = getattr(kmodels, t, None)
    if model is None or not hasattr(model, "openapi_types"):
        rep.add(where, f"validator does not know type `{t}`")
        return
    check_model(model, value, where, rep)


def check_model(cls, obj, where, rep):
    if not isinstance(obj, dict):
        rep.add(where, f"expected a {cls.__name__} map, found {type(obj).__name__}")
        return
    by_json = {j: a for a, j in cls.attribute_map.items()}
    for k, v in obj.items():
        attr = by_json.get(k)
        if attr is None:
            known = ", ".join(sorted(by_json))
            rep.add(f"{where}.{k}", f"unknown field of {cls.__name__} (known: {known})")
            continue
        check_type(cls.openapi_types[attr], v, f"{where}.{k}", rep, cls, attr, k)
    for attr, f in cls.model_fields.items():
        if f.is_required() and cls.attribute_map[attr] not in obj:
            rep.add(where, f"missing required field `{cls.attribute_map[attr]}` of {cls.__name__}")


# ---------------------------------------------------------------------------------------------
# Semantic checks (a subset of the API server's validation)


def check_qualified_key(k, where, rep, what):
    prefix, _, name = k.rpartition("/")
    if prefix and (len(prefix) > 253 or not DNS_SUBDOMAIN.match(prefix)):
        rep.add(where, f"{what} key `{k}`: prefix is not a DNS subdomain")
    if not name or len(name) > 63 or not QUALIFIED_NAME.match(name):
        rep.add(where, f"{what} key `{k}`: name part is not a qualified name")


def check_meta(meta, where, rep, label_name=False, need_name=True):
    if not isinstance(meta, dict):
        return
    name = meta.get("name")
    if need_name and not isinstance(name, str):
        rep.add(f"{where}.metadata", "missing `name`")
    elif isinstance(name, str):
        if label_name:
            if len(name) > 63 or not DNS_LABEL.match(name):
                rep.add(f"{where}.metadata.name", f"`{name}` is not a DNS-1123 label")
        elif len(name) > 253 or not DNS_SUBDOMAIN.match(name):
            rep.add(f"{where}.metadata.name", f"`{name}` is not a DNS-1123 subdomain")
    ns = meta.get("namespace")
    if isinstance(ns, str) and (len(ns) > 63 or not DNS_LABEL.match(ns)):
        rep.add(f"{where}.metadata.namespace", f"`{ns}` is not a DNS-1123 label")
    for k, v in (meta.get("labels") or {}).items():
        check_qualified_key(k, f"{where}.metadata.labels", rep, "label")
        if not isinstance(v, str) or len(v) > 63 or not LABEL_VALUE.match(v):
            rep.add(f"{where}.metadata.labels.{k}", f"`{v}` is not a valid label value")
    for k in (meta.get("annotations") or {}):
        check_qualified_key(k, f"{where}.metadata.annotations", rep, "annotation")


def check_port(v, where, rep):
    if is_int(v):
        if not 1 <= v <= 65535:
            rep.add(where, f"port {v} out of range 1-65535")
    elif isinstance(v, str):
        if not IANA_SVC.match(v) or "--" in v or not re.search("[a-z]", v):
            rep.add(where, f"`{v}` is not a valid port name (IANA_SVC_NAME)")


def check_probe(p, where, rep):
    if not isinstance(p, dict):
        return
    handlers = [h for h in ("exec", "httpGet", "tcpSocket", "grpc") if h in p]
    if len(handlers) != 1:
        rep.add(where, f"a probe needs exactly one handler, found {handlers or 'none'}")
    if isinstance(p.get("httpGet"), dict):
        check_port(p["httpGet"].get("port"), f"{where}.httpGet.port", rep)
        sch = p["httpGet"].get("scheme")
        if sch is not None and sch not in ("HTTP", "HTTPS"):
            rep.add(f"{where}.httpGet.scheme", f"`{sch}` is not HTTP or HTTPS")


def check_pod_spec(spec, where, rep, claim_names=(), job=False):
    if not isinstance(spec, dict):
        return
    volumes = spec.get("volumes") or []
    vol_names = set()
    for i, v in enumerate(volumes):
        n = v.get("name") if isinstance(v, dict) else None
        if isinstance(n, str):
            if len(n) > 63 or not DNS_LABEL.match(n):
                rep.add(f"{where}.volumes[{i}].name", f"`{n}` is not a DNS-1123 label")
            if n in vol_names:
                rep.add(f"{where}.volumes[{i}].name", f"duplicate volume name `{n}`")
            vol_names.add(n)
            sources = [k for k in v if k != "name"]
            if len(sources) != 1:
                rep.add(f"{where}.volumes[{i}]", f"a volume needs exactly one source, found {sources or 'none'}")
    mountable = vol_names | set(claim_names)
    names = set()
    port_names = set()
    groups = [("initContainers", spec.get("initContainers") or []), ("containers", spec.get("containers") or [])]
    if not spec.get("containers"):
        rep.add(f"{where}.containers", "a pod needs at least one container")
    for field, containers in groups:
        for i, c in enumerate(containers):
            if not isinstance(c, dict):
                continue
            cw = f"{where}.{field}[{i}]"
            n = c.get("name")
            if isinstance(n, str):
                if len(n) > 63 or not DNS_LABEL.match(n):
                    rep.add(f"{cw}.name", f"`{n}` is not a DNS-1123 label")
                if n in names:
                    rep.add(f"{cw}.name", f"duplicate container name `{n}`")
                names.add(n)
            rp = c.get("restartPolicy")
            sidecar = field == "initContainers" and rp == "Always"
            if rp is not None and not (field == "initContainers" and rp == "Always"):
                rep.add(f"{cw}.restartPolicy", "only init containers may set restartPolicy, and only to Always")
            if field == "initContainers" and not sidecar:
                for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                    if probe in c:
                        rep.add(f"{cw}.{probe}", "init containers that are not sidecars may not have probes")
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                if probe in c:
                    check_probe(c[probe], f"{cw}.{probe}", rep)
            paths = set()
            for j, m in enumerate(c.get("volumeMounts") or []):
                if not isinstance(m, dict):
                    continue
                if m.get("name") not in mountable:
                    rep.add(f"{cw}.volumeMounts[{j}].name", f"mounts undeclared volume `{m.get('name')}`")
                mp = m.get("mountPath")
                if mp in paths:
                    rep.add(f"{cw}.volumeMounts[{j}].mountPath", f"duplicate mount path `{mp}`")
                paths.add(mp)
                if isinstance(mp, str) and not mp.startswith("/"):
                    rep.add(f"{cw}.volumeMounts[{j}].mountPath", f"`{mp}` is not absolute")
                sp = m.get("subPath")
                if isinstance(sp, str) and (sp.startswith("/") or ".." in sp.split("/")):
                    rep.add(f"{cw}.volumeMounts[{j}].subPath", f"`{sp}` must be relative without `..`")
            seen_ports = set()
            for j, p in enumerate(c.get("ports") or []):
                if not isinstance(p, dict):
                    continue
                check_port(p.get("containerPort"), f"{cw}.ports[{j}].containerPort", rep)
                if p.get("protocol", "TCP") not in ("TCP", "UDP", "SCTP"):
                    rep.add(f"{cw}.ports[{j}].protocol", f"`{p.get('protocol')}` is not TCP, UDP or SCTP")
                pk = (p.get("containerPort"), p.get("protocol", "TCP"))
                if pk in seen_ports:
                    rep.add(f"{cw}.ports[{j}]", f"duplicate port {pk}")
                seen_ports.add(pk)
                pn = p.get("name")
                if pn is not None:
                    if not isinstance(pn, str) or not IANA_SVC.match(pn) or "--" in pn or not re.search("[a-z]", pn):
                        rep.add(f"{cw}.ports[{j}].name", f"`{pn}` is not a valid port name (IANA_SVC_NAME)")
                    if pn in port_names:
                        rep.add(f"{cw}.ports[{j}].name", f"duplicate port name `{pn}` in the pod")
                    port_names.add(pn)
            for j, e in enumerate(c.get("env") or []):
                if not isinstance(e, dict):
                    continue
                en = e.get("name")
                if not isinstance(en, str) or not en or ENV_NAME_FORBIDDEN in en:
                    rep.add(f"{cw}.env[{j}].name", f"`{en}` is not a valid env var name")
                if "value" in e and "valueFrom" in e:
                    rep.add(f"{cw}.env[{j}]", "`value` and `valueFrom` are exclusive")
                vf = e.get("valueFrom")
                if isinstance(vf, dict) and len(vf) != 1:
                    rep.add(f"{cw}.env[{j}].valueFrom", "needs exactly one source")
            res = c.get("resources") or {}
            for kind in ("limits", "requests"):
                for rk in (res.get(kind) or {}):
                    if rk not in ("cpu", "memory", "ephemeral-storage") and "/" not in rk and not rk.startswith("hugepages-"):
                        rep.add(f"{cw}.resources.{kind}.{rk}", "unknown resource name")
    rp = spec.get("restartPolicy")
    if job and rp not in ("Never", "OnFailure"):
        rep.add(f"{where}.restartPolicy", f"a Job's pods need restartPolicy Never or OnFailure, found {rp!r}")


def check_selector(spec, where, rep):
    sel = ((spec.get("selector") or {}).get("matchLabels")) or {}
    tl = (((spec.get("template") or {}).get("metadata") or {}).get("labels")) or {}
    if not sel:
        rep.add(f"{where}.selector", "empty selector")
    for k, v in sel.items():
        if tl.get(k) != v:
            rep.add(f"{where}.selector.matchLabels.{k}", "does not match the pod template labels")


def check_semantics(doc, where, rep):
    kind = doc.get("kind")
    meta = doc.get("metadata") or {}
    check_meta(meta, where, rep, label_name=kind in ("Service", "Namespace"))
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        check_selector(spec, f"{where}.spec", rep)
        tmpl = spec.get("template") or {}
        check_meta(tmpl.get("metadata") or {}, f"{where}.spec.template", rep, need_name=False)
        claims = [((c or {}).get("metadata") or {}).get("name") for c in spec.get("volumeClaimTemplates") or []]
        check_pod_spec(tmpl.get("spec"), f"{where}.spec.template.spec", rep, claims)
    elif kind == "Job":
        tmpl = spec.get("template") or {}
        check_meta(tmpl.get("metadata") or {}, f"{where}.spec.template", rep, need_name=False)
        check_pod_spec(tmpl.get("spec"), f"{where}.spec.template.spec", rep, job=True)
    elif kind == "CronJob":
        sched = spec.get("schedule")
        if isinstance(sched, str) and not (sched.startswith("@") or len(sched.split()) == 5):
            rep.add(f"{where}.spec.schedule", f"`{sched}` is not a cron schedule (5 fields or @macro)")
        tmpl = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
        check_meta(tmpl.get("metadata") or {}, f"{where}.spec.jobTemplate.spec.template", rep, need_name=False)
        check_pod_spec(tmpl.get("spec"), f"{where}.spec.jobTemplate.spec.template.spec", rep, job=True)
    elif kind == "Pod":
        check_pod_spec(spec, f"{where}.spec", rep)
    elif kind == "Service":
        ports = spec.get("ports") or []
        names = set()
        for i, p in enumerate(ports):
            if not isinstance(p, dict):
                continue
            check_port(p.get("port"), f"{where}.spec.ports[{i}].port", rep)
            if "targetPort" in p:
                check_port(p["targetPort"], f"{where}.spec.ports[{i}].targetPort", rep)
            if p.get("protocol", "TCP") not in ("TCP", "UDP", "SCTP"):
                rep.add(f"{where}.spec.ports[{i}].protocol", f"`{p.get('protocol')}` is not TCP, UDP or SCTP")
            n = p.get("name")
            if len(ports) > 1 and not n:
                rep.add(f"{where}.spec.ports[{i}].name", "required when a Service has several ports")
            if n is not None:
                if not isinstance(n, str) or len(n) > 63 or not DNS_LABEL.match(n):
                    rep.add(f"{where}.spec.ports[{i}].name", f"`{n}` is not a DNS-1123 label")
                if n in names:
                    rep.add(f"{where}.spec.ports[{i}].name", f"duplicate port name `{n}`")
                names.add(n)
        if not ports and spec.get("clusterIP") != "None" and spec.get("type") != "ExternalName":
            rep.add(f"{where}.spec.ports", "a Service that is not headless needs ports")
    elif kind in ("ConfigMap", "Secret"):
        keys = list((doc.get("data") or {}).keys())
        other = "binaryData" if kind == "ConfigMap" else "stringData"
        keys2 = list((doc.get(other) or {}).keys())
        for k in keys + keys2:
            if not CONFIG_KEY.match(k) or len(k) > 253:
                rep.add(f"{where}", f"data key `{k}` is not valid")
        if kind == "ConfigMap" and set(keys) & set(keys2):
            rep.add(where, f"keys in both data and binaryData: {sorted(set(keys) & set(keys2))}")
    elif kind == "PersistentVolumeClaim":
        if not ((spec.get("resources") or {}).get("requests") or {}).get("storage"):
            rep.add(f"{where}.spec.resources.requests.storage", "missing")
    elif kind == "Ingress":
        for i, r in enumerate(spec.get("rules") or []):
            for j, p in enumerate(((r or {}).get("http") or {}).get("paths") or []):
                pt = (p or {}).get("pathType")
                if pt not in ("Exact", "Prefix", "ImplementationSpecific"):
                    rep.add(f"{where}.spec.rules[{i}].http.paths[{j}].pathType", f"`{pt}` is not valid")
                svc = (((p or {}).get("backend") or {}).get("service") or {})
                port = svc.get("port") or {}
                if ("number" in port) == ("name" in port):
                    rep.add(f"{where}.spec.rules[{i}].http.paths[{j}].backend.service.port", "needs exactly one of number or name")


# ---------------------------------------------------------------------------------------------
# Gateway API HTTPRoute (hand-written schema, Gateway API v1.2 standard channel)

S = "string"
I = "integer"


def obj(fields, required=(), max_items=None):
    return {"type": "object", "fields": fields, "required": list(required)}


def lst(item, max_items=None, min_items=0):
    return {"type": "list", "item": item, "max": max_items, "min": min_items}


def enum(*values):
    return {"type": "enum", "values": values}


PARENT_REF = obj(
    {"group": S, "kind": S, "namespace": S, "name": S, "sectionName": S, "port": I},
    required=["name"],
)
BACKEND_REF = obj(
    {"group": S, "kind": S, "namespace": S, "name": S, "port": I, "weight": I, "filters": lst("any")},
    required=["name"],
)
HEADER_MATCH = obj({"type": enum("Exact", "RegularExpression"), "name": S, "value": S}, required=["name", "value"])
HTTP_MATCH = obj(
    {
        "path": obj({"type": enum("Exact", "PathPrefix", "RegularExpression"), "value": S}),
        "headers": lst(HEADER_MATCH, 16),
        "queryParams": lst(HEADER_MATCH, 16),
        "method": enum("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"),
    }
)
HEADER_MOD = obj(
    {
        "set": lst(obj({"name": S, "value": S}, required=["name", "value"]), 16),
        "add": lst(obj({"name": S, "value": S}, required=["name", "value"]), 16),
        "remove": lst(S, 16),
    }
)
PATH_MOD = obj(
    {"type": enum("ReplaceFullPath", "ReplacePrefixMatch"), "replaceFullPath": S, "replacePrefixMatch": S},
    required=["type"],
)
FILTER = obj(
    {
        "type": enum("RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "RequestRedirect", "URLRewrite", "ExtensionRef"),
        "requestHeaderModifier": HEADER_MOD,
        "responseHeaderModifier": HEADER_MOD,
        "requestMirror": obj({"backendRef": BACKEND_REF, "percent": I, "fraction": "any"}, required=["backendRef"]),
        "requestRedirect": obj(
            {"scheme": enum("http", "https"), "hostname": S, "path": PATH_MOD, "port": I, "statusCode": I}
        ),
        "urlRewrite": obj({"hostname": S, "path": PATH_MOD}),
        "extensionRef": obj({"group": S, "kind": S, "name": S}, required=["group", "kind", "name"]),
    },
    required=["type"],
)
HTTPROUTE = obj(
    {
        "apiVersion": S,
        "kind": S,
        "metadata": "metadata",
        "spec": obj(
            {
                "parentRefs": lst(PARENT_REF, 32),
                "hostnames": lst(S, 16),
                "rules": lst(
                    obj(
                        {
                            "name": S,
                            "matches": lst(HTTP_MATCH, 64),
                            "filters": lst(FILTER, 16),
                            "backendRefs": lst(BACKEND_REF, 16),
                            "timeouts": obj({"request": S, "backendRequest": S}),
                        }
                    ),
                    16,
                ),
            }
        ),
        "status": "any",
    },
    required=["metadata", "spec"],
)


def check_schema(schema, value, where, rep):
    if value is None:
        rep.add(where, "null is not allowed")
        return
    if schema == "any":
        return
    if schema == "metadata":
        check_model(kmodels.V1ObjectMeta, value, where, rep)
        return
    if schema == S:
        if not isinstance(value, str):
            rep.add(where, f"expected a string, found {type(value).__name__} {value!r}")
        return
    if schema == I:
        if not is_int(value):
            rep.add(where, f"expected an integer, found {type(value).__name__} {value!r}")
        return
    t = schema["type"]
    if t == "enum":
        if value not in schema["values"]:
            rep.add(where, f"`{value}` is not one of {', '.join(schema['values'])}")
    elif t == "list":
        if not isinstance(value, list):
            rep.add(where, f"expected a list, found {type(value).__name__}")
            return
        if schema["max"] is not None and len(value) > schema["max"]:
            rep.add(where, f"at most {schema['max']} items allowed")
        for i, item in enumerate(value):
            check_schema(schema["item"], item, f"{where}[{i}]", rep)
    elif t == "object":
        if not isinstance(value, dict):
            rep.add(where, f"expected a map, found {type(value).__name__}")
            return
        for k, v in value.items():
            if k not in schema["fields"]:
                rep.add(f"{where}.{k}", f"unknown field (known: {', '.join(sorted(schema['fields']))})")
                continue
            check_schema(schema["fields"][k], v, f"{where}.{k}", rep)
        for r in schema["required"]:
            if r not in value:
                rep.add(where, f"missing required field `{r}`")


def check_httproute(doc, where, rep):
    check_schema(HTTPROUTE, doc, where, rep)
    check_meta(doc.get("metadata") or {}, where, rep)
    spec = doc.get("spec") or {}
    for i, h in enumerate(spec.get("hostnames") or []):
        if isinstance(h, str):
            hh = h[2:] if h.startswith("*.") else h
            if not DNS_SUBDOMAIN.match(hh) or len(h) > 253:
                rep.add(f"{where}.spec.hostnames[{i}]", f"`{h}` is not a valid hostname")
    for i, rule in enumerate(spec.get("rules") or []):
        for j, m in enumerate((rule or {}).get("matches") or []):
            p = (m or {}).get("path") or {}
            v = p.get("value")
            if isinstance(v, str) and p.get("type", "PathPrefix") != "RegularExpression" and not v.startswith("/"):
                rep.add(f"{where}.spec.rules[{i}].matches[{j}].path.value", f"`{v}` must start with /")
        for j, b in enumerate((rule or {}).get("backendRefs") or []):
            if isinstance(b, dict) and b.get("kind", "Service") == "Service" and "port" not in b:
                rep.add(f"{where}.spec.rules[{i}].backendRefs[{j}]", "a Service backendRef needs `port`")
            if isinstance(b, dict) and "port" in b and is_int(b["port"]) and not 1 <= b["port"] <= 65535:
                rep.add(f"{where}.spec.rules[{i}].backendRefs[{j}].port", "out of range")


# ---------------------------------------------------------------------------------------------


def validate_doc(doc, where, rep):
    if not isinstance(doc, dict):
        rep.add(where, f"a document must be a map, found {type(doc).__name__}")
        return None
    av, kind = doc.get("apiVersion"), doc.get("kind")
    if not isinstance(av, str) or not isinstance(kind, str):
        rep.add(where, "missing string `apiVersion` or `kind`")
        return None
    where = f"{where} ({av} {kind} {((doc.get('metadata') or {}).get('name'))})"
    if av == "gateway.networking.k8s.io/v1" and kind == "HTTPRoute":
        check_httproute(doc, where, rep)
        return (av, kind, (doc.get("metadata") or {}).get("namespace") or "", (doc.get("metadata") or {}).get("name"))
    try:
        cls, namespaced = resolve_kind(av, kind)
    except ValueError as e:
        rep.add(where, str(e))
        return None
    check_model(cls, doc, where, rep)
    meta = doc.get("metadata")
    if not isinstance(meta, dict):
        rep.add(where, "missing `metadata`")
        return None
    if not namespaced and "namespace" in meta:
        rep.add(f"{where}.metadata.namespace", f"{kind} is cluster-scoped and cannot have a namespace")
    check_semantics(doc, where, rep)
    return (av, kind, meta.get("namespace") or "", meta.get("name"))


def validate_text(text, source, rep):
    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError as e:
        rep.add(source, f"YAML syntax error: {e}")
        return 0
    seen = {}
    n = 0
    for i, doc in enumerate(docs):
        if doc is None:
            continue
        n += 1
        key = validate_doc(doc, f"{source}#{i}", rep)
        if key is not None:
            if key in seen:
                rep.add(f"{source}#{i}", f"duplicate object {key} (first at #{seen[key]})")
            seen[key] = i
    return n


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    rep = Report()
    total = 0
    for path in argv[1:]:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
        total += validate_text(text, path, rep)
    for e in rep.errors:
        print(e)
    if rep.errors:
        print(f"k8s_validate: {len(rep.errors)} problem(s) in {total} object(s)", file=sys.stderr)
        return 1
    print(f"k8s_validate: {total} object(s) valid", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
