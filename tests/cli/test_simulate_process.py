"""`meshward simulate` in a child process, against dev's real render."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from meshward.config import parse_platform_config
from tests.cli.process import copy_project, run_meshward
from tests.support import stack_platform

NEUTRAL_PATH = "/meshward-probe"


@pytest.fixture(scope="module")
def dev_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy with `meshward plan --stack dev` rendered into out/dev."""
    project = copy_project(tmp_path_factory.mktemp("dev"))
    result = run_meshward("plan", "--stack", "dev", "-q", cwd=project)
    assert result.returncode == 0, result.stderr
    return project


@pytest.fixture(scope="module")
def access(dev_project: Path) -> dict[str, Any]:
    return json.loads((dev_project / "out" / "dev" / "access.json").read_text())


def _destinations() -> dict[str, dict[str, Any]]:
    """`namespace/name` → the request `destination` (less the port) of each dev workload."""
    cfg = parse_platform_config(stack_platform("dev"), root="platform")
    return {w.ref: {"namespace": w.namespace, "labels": w.selector} for w in cfg.mesh.workloads}


def _request(caller: dict[str, Any], to: str, port: int, protocol: str, **http: str) -> str:
    """A request written from an access.json caller and destination, as a user would."""
    namespace, name = to.split("/")
    request: dict[str, Any] = {
        "destination": {**_destinations()[to], "port": port},
        "protocol": protocol,
        "source": {"principal": caller["principal"], "ip": caller.get("ip")},
    }
    if protocol != "tcp":
        request.update(http, host=f"{name}.{namespace}.svc.cluster.local")
        if "token" in caller:
            request["jwt"] = caller["token"]
    return json.dumps(request)


def _simulate(project: Path, lines: list[str], *args: str) -> tuple[int, list[Any], str]:
    requests = project / "requests.jsonl"
    requests.write_text("".join(f"{line}\n" for line in lines))
    result = run_meshward("simulate", *args, "--requests", str(requests), cwd=project)
    return result.returncode, [json.loads(x) for x in result.stdout.splitlines()], result.stderr


def test_simulate_stack_dev_agrees_with_the_access_matrix_on_every_edge(
    dev_project: Path, access: dict[str, Any]
) -> None:
    callers = {c["id"]: c for c in access["callers"]}
    lines: list[str] = []
    expected: list[str] = []
    allowed_pairs: set[tuple[str, str, int]] = set()
    for edge in access["edges"]:
        caller = callers[edge["from"]]
        allowed_pairs.add((edge["from"], edge["to"], edge["port"]))
        if edge["protocol"] == "tcp":
            lines.append(_request(caller, edge["to"], edge["port"], "tcp"))
            expected.append("ALLOW")
            continue
        for label in edge["paths"]:
            path = NEUTRAL_PATH if label == "*" else label.replace("*", "x")
            for method in edge["methods"]:
                lines.append(
                    _request(
                        caller, edge["to"], edge["port"], edge["protocol"], method=method, path=path
                    )
                )
                expected.append("ALLOW")
    # Every caller the matrix shows no edge for is refused on the neutral probe.
    for caller_id, caller in callers.items():
        for dest in access["destinations"]:
            if (caller_id, dest["workload"], dest["port"]) in allowed_pairs:
                continue
            http = {} if dest["protocol"] == "tcp" else {"method": "GET", "path": NEUTRAL_PATH}
            lines.append(_request(caller, dest["workload"], dest["port"], dest["protocol"], **http))
            expected.append("DENY")
    code, out, err = _simulate(dev_project, lines, "--stack", "dev")
    assert (code, err) == (0, "")  # nothing assumed, nothing deprecated
    assert len(access["edges"]) > 10
    disagreements = [
        (json.loads(line), decision)
        for line, want, decision in zip(lines, expected, out, strict=True)
        if decision["decision"] != want
    ]
    assert disagreements == []


def test_defaults_give_different_answers_than_the_stack_and_say_so(
    dev_project: Path, access: dict[str, Any]
) -> None:
    # dev runs the AKS add-on: its root namespace is aks-istio-system, not Istio's default, so
    # its mesh-wide STRICT PeerAuthentication is only a namespace policy under the defaults.
    manifests = str(dev_project / "out" / "dev" / "manifests")
    caller = next(c for c in access["callers"] if c["kind"] == "plaintext")
    dest = access["destinations"][0]
    line = _request(
        caller, dest["workload"], dest["port"], dest["protocol"], method="GET", path=NEUTRAL_PATH
    )
    code, defaults, err = _simulate(dev_project, [line], "--manifests", manifests)
    assert code == 0
    assert err.startswith("simulate: assuming root namespace istio-system, ")
    assert err.count("\n") == 1
    code, stack, err = _simulate(dev_project, [line], "--stack", "dev")
    assert (code, err) == (0, "")
    assert "STRICT" in stack[0]["reason"]
    assert defaults != stack


def test_a_request_written_from_an_access_json_caller_is_accepted(
    dev_project: Path, access: dict[str, Any]
) -> None:
    edge = next(e for e in access["edges"] if e["from"].startswith("jwt:") and e["paths"])
    caller = next(c for c in access["callers"] if c["id"] == edge["from"])
    assert "token" in caller
    path = NEUTRAL_PATH if edge["paths"][0] == "*" else edge["paths"][0].replace("*", "x")
    line = _request(
        caller, edge["to"], edge["port"], edge["protocol"], method=edge["methods"][0], path=path
    )
    code, out, err = _simulate(dev_project, [line], "--stack", "dev")
    assert (code, err) == (0, "")
    assert out[0]["decision"] == "ALLOW"


def test_two_bad_lines_among_ten_give_ten_lines_eight_decisions_and_exit_2(
    dev_project: Path, access: dict[str, Any]
) -> None:
    caller = next(c for c in access["callers"] if c["kind"] == "workload")
    dest = access["destinations"][0]
    good = _request(
        caller, dest["workload"], dest["port"], dest["protocol"], method="GET", path=NEUTRAL_PATH
    )
    lines = [good] * 10
    lines[3] = '{"destination": {"namespace": "orders", "port": "80"}, "method": "GET"}'
    lines[7] = "not json"
    code, out, err = _simulate(dev_project, lines, "--stack", "dev")
    assert code == 2
    assert len(out) == 10
    assert [i + 1 for i, line in enumerate(out) if "decision" in line] == [1, 2, 3, 5, 6, 7, 9, 10]
    assert [line["line"] for line in out if "error" in line] == [4, 8]
    assert "Traceback" not in err
    assert err.endswith("2 of 10 lines invalid (their output lines say why)\n")


def test_stack_without_a_render_exits_2_with_the_fix(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    result = run_meshward("simulate", "--stack", "prod", "--request", "{}", cwd=project)
    assert result.returncode == 2
    assert result.stderr == (
        f"{project / 'out' / 'prod'}: no such folder; run `meshward plan --stack prod` first, "
        "or give --plan DIR\n"
    )
