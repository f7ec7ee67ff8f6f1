"""checkov over the exports, with the repository's waivers (each with its reason).

checkov runs as a separate program (it lives in its own virtualenv: its dependency pins clash
with the project's), offline (`--skip-download`), with JSON output. This module classifies
what it reports: passed, failed and waived (the check does not apply, or cannot see the real
setting; the waiver file says why), failed and pending (a real weakness an open issue is fixing,
reported as a failure, never hidden), or failed.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from meshward.errors import Problem, UserInputError


@dataclass(frozen=True)
class Waiver:
    """A check meshward does not hold itself to, and why."""

    check_id: str
    reason: str
    resource: str = "*"
    """fnmatch pattern of the resources (`Type.name`) it covers."""
    pending: str | None = None
    """For a real weakness being fixed: the tracking issue; it still counts as a failure."""
    blind: bool = False
    """A check that passes without seeing the real setting: the pass is reported as such."""

    def covers(self, check_id: str, resource: str) -> bool:
        """Whether this waiver speaks for `check_id` failing on `resource`."""
        return check_id == self.check_id and fnmatchcase(resource, self.resource)


@dataclass(frozen=True)
class Finding:
    """One failed check on one resource."""

    check_id: str
    name: str
    resource: str
    waiver: Waiver | None


@dataclass
class ScanResult:
    """One checkov run over one file and framework."""

    target: str
    framework: str
    passed: int = 0
    parsing_errors: int = 0
    """Files checkov could not read: nothing in them was checked."""
    findings: list[Finding] = field(default_factory=list)
    blind_passes: list[Finding] = field(default_factory=list)
    """Passes a `blind` entry says prove nothing (the reason says what the check misses)."""

    @property
    def waived(self) -> list[Finding]:
        return [f for f in self.findings if f.waiver and not f.waiver.pending]

    @property
    def pending(self) -> list[Finding]:
        return [f for f in self.findings if f.waiver and f.waiver.pending]

    @property
    def unwaived(self) -> list[Finding]:
        """Failures no waiver speaks for, pending ones included (they are real)."""
        return [f for f in self.findings if not f.waiver or f.waiver.pending]


def load_waivers(path: Path) -> list[Waiver]:
    """The waiver file: `waivers:`, `pending:` and `blind:` lists of
    {id, reason, resource?, issue?}."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    waivers: list[Waiver] = []
    problems: list[Problem] = []
    for section in ("waivers", "pending", "blind"):
        for index, entry in enumerate(doc.get(section) or []):
            where = f"{section}[{index}]"
            if not isinstance(entry, dict) or not entry.get("id") or not entry.get("reason"):
                problems.append(Problem(where, "needs `id` and a non-empty `reason`"))
                continue
            issue = entry.get("issue")
            if section == "pending" and not issue:
                problems.append(Problem(where, "a pending failure names its `issue`"))
                continue
            waivers.append(
                Waiver(
                    check_id=str(entry["id"]),
                    reason=" ".join(str(entry["reason"]).split()),
                    resource=str(entry.get("resource") or "*"),
                    pending=f"#{issue}" if section == "pending" else None,
                    blind=section == "blind",
                )
            )
    if problems:
        raise UserInputError(problems, source=str(path))
    return waivers


def classify(report: dict[str, Any], waivers: list[Waiver], target: str) -> ScanResult:
    """A checkov JSON report (one framework) against the waivers."""
    results = report.get("results") or {}
    scan = ScanResult(target=target, framework=str(report.get("check_type", "?")))
    passed = results.get("passed_checks") or []
    scan.passed = len(passed)
    blind = [w for w in waivers if w.blind]
    for check in passed:
        check_id, resource = str(check["check_id"]), str(check["resource"])
        waiver = next((w for w in blind if w.covers(check_id, resource)), None)
        if waiver is not None:
            scan.blind_passes.append(
                Finding(check_id, str(check.get("check_name", "")), resource, waiver)
            )
    scan.parsing_errors = int((report.get("summary") or {}).get("parsing_errors") or 0)
    for failed in results.get("failed_checks") or []:
        check_id, resource = str(failed["check_id"]), str(failed["resource"])
        waiver = next((w for w in waivers if not w.blind and w.covers(check_id, resource)), None)
        scan.findings.append(Finding(check_id, str(failed.get("check_name", "")), resource, waiver))
    scan.findings.sort(key=lambda f: (f.check_id, f.resource))
    return scan


def run_checkov(checkov: Path, target: Path, framework: str) -> dict[str, Any]:
    """Run checkov offline over one file; its JSON report for `framework`."""
    completed = subprocess.run(
        [
            str(checkov),
            "--skip-download",
            "--framework",
            framework,
            "--output",
            "json",
            "--file",
            str(target),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    # checkov exits 1 when a check fails; anything unparsable is a real error.
    try:
        doc: Any = json.loads(completed.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"checkov gave no JSON report: {completed.stderr[-2000:]}") from exc
    reports = doc if isinstance(doc, list) else [doc]
    for report in reports:
        if report.get("check_type") == framework:
            return dict(report)
    # No resource of this framework in the file: checkov prints an empty summary.
    return {"check_type": framework, "results": {"passed_checks": [], "failed_checks": []}}


def render(scan: ScanResult) -> str:
    """The report lines for one scan: counts, then every failure with its waiver's reason."""
    lines = [
        f"{scan.target} [{scan.framework}]: {scan.passed} passed, {len(scan.findings)} failed "
        f"({len(scan.waived)} waived, {len(scan.pending)} pending fixes, "
        f"{len(scan.unwaived) - len(scan.pending)} unwaived)"
        + (f", {scan.parsing_errors} PARSING ERRORS" if scan.parsing_errors else "")
    ]
    for finding in scan.findings:
        if finding.waiver is None:
            status = "FAILED"
            why = finding.name
        elif finding.waiver.pending:
            status = f"FAILED, fix pending in {finding.waiver.pending}"
            why = finding.waiver.reason
        else:
            status = "waived"
            why = finding.waiver.reason
        lines.append(f"  {finding.check_id} {status}: {finding.resource}: {why}")
    for finding in scan.blind_passes:
        reason = finding.waiver.reason if finding.waiver else ""
        lines.append(f"  {finding.check_id} passed BLIND: {finding.resource}: {reason}")
    return "\n".join(lines)
