"""Reports as text lines, JSON and SARIF 2.1.0 (pure: a Report in, text out)."""

from __future__ import annotations

import json
from typing import Any

from meshward.guardrails.model import RULES, Finding, Severity
from meshward.guardrails.runner import Report
from meshward.guardrails.waivers import Enforcement
from meshward.json_text import indented_json

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def finding_line(f: Finding) -> str:
    """`FILE:LINE: Kind/namespace/name: field.path: SEVERITY ID: message` (+ the waiver)."""
    waived = f" [waived: {f.waiver}]" if f.waiver else ""
    return (
        f"{f.file or '-'}:{f.line}: {f.ref}: {f.path}: {f.severity.value.upper()} {f.rule}: "
        f"{f.message}{waived}"
    )


def waiver_lines(report: Report) -> list[str]:
    """One line per waiver, used or not, so every report shows what is accepted."""
    return [
        f"waiver {w.where or '-'}: {w.rule} {w.object} until {w.expires.isoformat()}: "
        f"{w.reason} (covers {used} finding{'' if used == 1 else 's'})"
        for w, used in report.waivers
    ]


def to_text(report: Report) -> str:
    """Every finding, then every waiver."""
    lines = [finding_line(f) for f in report.findings] + waiver_lines(report)
    return "".join(f"{line}\n" for line in lines)


def to_json(report: Report, enforcement: Enforcement | None = None) -> str:
    """`findings.json`: counts, findings and waivers (`json.dumps(..., indent=2)` text, by the
    faster `indented_json`)."""
    return indented_json(report.to_dict(enforcement), sort_keys=True) + "\n"


def to_sarif(report: Report, version: str = "0") -> str:
    """SARIF 2.1.0 for code-scanning uploads; waived findings carry an external suppression."""
    used = sorted({f.rule for f in report.findings})
    rules = [
        {
            "id": rid,
            "name": rid,
            "shortDescription": {"text": RULES[rid].title},
            "fullDescription": {"text": RULES[rid].rationale},
            "help": {"text": RULES[rid].fix},
            "defaultConfiguration": {"level": _SARIF_LEVEL[RULES[rid].severity]},
        }
        for rid in used
    ]
    results: list[dict[str, Any]] = []
    for f in report.findings:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": used.index(f.rule),
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f"{f.ref}: {f.path}: {f.message}"},
            "locations": [
                {
                    "logicalLocations": [{"fullyQualifiedName": f"{f.ref}:{f.path}"}],
                    **(
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": f.file},
                                "region": {"startLine": max(f.line, 1)},
                            }
                        }
                        if f.file
                        else {}
                    ),
                }
            ],
        }
        if f.waiver:
            result["suppressions"] = [{"kind": "external", "justification": f.waiver}]
        results.append(result)
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "meshward",
                        "version": version,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2, sort_keys=True) + "\n"
