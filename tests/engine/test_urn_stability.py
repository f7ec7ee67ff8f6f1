"""Existing stacks never see a replacement because meshward moved code.

`data/urns-<stack>.txt` holds the URNs the dev and prod plans had when the package was still
importable as `components` (before the `meshward` rename). A URN is the resource's identity in
Pulumi state: if one disappears, `pulumi up` deletes that resource and creates another. Adding
resources is fine; renaming one needs `aliases=[...]` on the resource and the pin moved here in
the same commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_pinned_urn_is_still_planned(
    stack: str, dev_files: dict[str, str], prod_files: dict[str, str]
) -> None:
    files = dev_files if stack == "dev" else prod_files
    # URNs embed the type tokens (`meshward:index:*`) and the parent chain, so this pins both.
    planned = {r["urn"] for r in json.loads(files["plan.json"])["resources"]}
    pinned = (DATA / f"urns-{stack}.txt").read_text().split()
    missing = [urn for urn in pinned if urn not in planned]
    assert not missing, f"{len(missing)} URN(s) would be replaced, first: {missing[:3]}"
