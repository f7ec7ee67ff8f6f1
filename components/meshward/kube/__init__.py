"""The Kubernetes API server's checks for custom resources, run offline.

A CRD's structural OpenAPI v3 schema (types, enums, patterns, lengths, unknown fields) and its
`x-kubernetes-validations` CEL rules, plus the ObjectMeta rules every object must meet. Pure
Python over plain dicts (standard library only): `crd.CrdRegistry` loads any CRD file, builds
each served version's validator once, and answers `problems(obj)` with field paths and the
rule that failed.
"""
