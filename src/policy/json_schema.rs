//! The JSON Schema of policy files (`akslint policy schema`), for editors and reviewers.
//! A test validates every built-in policy against it, so it cannot drift from the decoder.

use serde_json::{Value, json};

pub fn policy_schema() -> Value {
    let path = json!({
        "description": "A path into the resource (`spec.containers[*].image`, `metadata.labels[\"app/name\"]`); `$pod.` starts at a workload's pod template, `$resource.` at the document root, `$item` is the for_each element itself and `$key` its mapping key. A list means: the first path that is present.",
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]
    });
    let kinds = json!({
        "description": "A kind, `group/Kind`, `[KindA, KindB]`, `workload` (every pod-bearing kind) or `*`.",
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
    });
    let test = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["path"],
        "minProperties": 2,
        "maxProperties": 3,
        "properties": {
            "path": path,
            "default": {"description": "The value the platform uses when the field is absent."},
            "equals": {}, "not_equals": {},
            "in": {"type": "array"}, "not_in": {"type": "array"},
            "exists": {"type": "boolean"}, "not_empty": {"type": "boolean"},
            "contains": {},
            "matches": {"type": "string", "description": "Rust regex syntax (linear time)."}, "not_matches": {"type": "string", "description": "Rust regex syntax (linear time)."},
            "gt": {"type": "number"}, "lt": {"type": "number"},
            "since": {"type": "string", "description": "The value is a version (an ARM apiVersion date) at or after this one."},
            "before": {"type": "string", "description": "The value is a version (an ARM apiVersion date) before this one."},
            "cidr_wider_than": {"oneOf": [{"type": "integer", "minimum": 0, "maximum": 128}, {"type": "string", "pattern": "^/?[0-9]{1,3}$"}]},
            "is_guid": {"type": "boolean"},
            "looks_like_secret": {"type": "boolean"},
            "refers_to": {"const": "self"},
            "binds": {"const": "self", "description": "RBAC binding subjects: one is the ServiceAccount of the pod that asked (in a related test)."},
            "registry_in": {"description": "The image's registry host or repository matches a glob: a list of patterns, or the name of a setting of this policy.", "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
        }
    });
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://akslint.dev/schemas/policy.json",
        "title": "akslint policy",
        "type": "object",
        "additionalProperties": false,
        "required": ["id", "name", "area", "severity", "title", "message", "help", "checks"],
        "properties": {
            "id": {"type": "string", "pattern": "^[A-Z][A-Z0-9_-]*$", "description": "Stable id; the file is named <id>.yaml."},
            "name": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "description": "kebab-case name of the bad pattern."},
            "area": {"enum": ["auth", "rbac", "identity", "network", "secrets", "workload", "platform", "cross-layer", "linter"]},
            "severity": {"enum": ["critical", "high", "medium", "low"]},
            "title": {"type": "string"},
            "message": {"type": "string", "description": "Finding message; placeholders {name} {namespace} {kind} {value} {path} {item} {related}."},
            "help": {"type": "string", "description": "One imperative sentence: how to fix."},
            "docs": {"type": "string", "description": "Markdown: What it does / Why it matters / How to fix."},
            "references": {"type": "array", "items": {"type": "string"}},
            "settings": {"type": "object", "description": "Named values users may override (`--setting NAME=...`), with their defaults.", "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}},
            "checks": {"type": "array", "items": {"$ref": "#/definitions/check"}}
        },
        "definitions": {
            "check": {
                "type": "object",
                "additionalProperties": false,
                "required": ["on"],
                "anyOf": [{"required": ["require"]}, {"required": ["forbid"]}],
                "properties": {
                    "on": {"type": "string", "pattern": "^(kubernetes|k8s|arm|terraform|tf)\\s+\\S", "description": "`<format> <kinds>`: `kubernetes workload`, `kubernetes [Role, ClusterRole]`, `arm Microsoft.ContainerService/managedClusters`."},
                    "for_each": {"description": "`containers`, or paths with `[*]`: each element is evaluated on its own.", "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                    "when": {"$ref": "#/definitions/condition"},
                    "require": {"$ref": "#/definitions/condition"},
                    "forbid": {"$ref": "#/definitions/condition"},
                    "message": {"type": "string"},
                    "report": {"enum": ["each", "once-per-namespace", "once-per-resource"]}
                }
            },
            "condition": {
                "oneOf": [
                    {"type": "object", "additionalProperties": false, "required": ["all"], "properties": {"all": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/condition"}}}},
                    {"type": "object", "additionalProperties": false, "required": ["any"], "properties": {"any": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/condition"}}}},
                    {"type": "object", "additionalProperties": false, "required": ["not"], "properties": {"not": {"$ref": "#/definitions/condition"}}},
                    {"type": "object", "additionalProperties": false, "required": ["related"], "properties": {"related": {"$ref": "#/definitions/related"}}},
                    {"$ref": "#/definitions/test"}
                ]
            },
            "test": test,
            "related": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "kind": kinds,
                    "type": kinds,
                    "format": {"enum": ["kubernetes", "k8s", "arm", "terraform", "tf"]},
                    "namespace": {"oneOf": [
                        {"enum": ["same", "any"]},
                        {"type": "object", "additionalProperties": false, "required": ["path"], "properties": {"path": path, "default": {"type": "string"}, "capture": {"type": "string", "description": "Regex whose first group is the namespace."}}}
                    ]},
                    "name": {"oneOf": [
                        {"type": "string"},
                        {"type": "object", "additionalProperties": false, "required": ["path"], "properties": {"path": path, "default": {"type": "string"}, "capture": {"type": "string", "description": "Regex whose first group is the name."}}}
                    ]},
                    "where": {"$ref": "#/definitions/condition"},
                    "require": {"$ref": "#/definitions/condition"},
                    "forbid": {"$ref": "#/definitions/condition"},
                    "missing": {"description": "Verdict when no such resource is in the run: unknown (default, silent), true or false.", "oneOf": [{"type": "boolean"}, {"const": "unknown"}]},
                    "none_scanned": {"description": "Verdict when not one resource of the related kinds is in the run (default: as missing).", "oneOf": [{"type": "boolean"}, {"const": "unknown"}]}
                }
            }
        }
    })
}
