"""Local disks of the VM sizes meshward knows, for ephemeral OS disks (pure data).

An ephemeral OS disk lives on the VM's local storage: the cache disk when the size has one
large enough, else the temp (resource) disk; it must fit there, so its size is chosen from the
size's local disks (as the AVM AKS module and the AKS baseline do). Figures are GiB, from
Azure's VM size documentation (learn.microsoft.com/azure/virtual-machines/sizes, series pages
"Ddv5 and Ddsv5-series", "Dadsv5-series", "Edv5 and Edsv5-series", "Ddv4 and Ddsv4-series"
(temp storage; these sizes have no cache disk), "Dv3 and Dsv3-series" and "DSv2-series"
(max cached and temp storage)). A size not listed here gets a managed OS disk under `auto`.
"""

from __future__ import annotations

MIN_OS_DISK_GB = 30
"""The smallest OS disk AKS accepts."""
MAX_EPHEMERAL_OS_DISK_GB = 128
"""AKS's default OS disk size; a larger local disk keeps the rest as node scratch space."""

#: VM size → (cache disk GiB, temp disk GiB); 0 where the size has none.
LOCAL_DISKS_GIB: dict[str, tuple[int, int]] = {
    **{
        f"Standard_D{n}{kind}_v5": (0, temp)
        for kind in ("ds", "ads")
        for n, temp in (
            (2, 75),
            (4, 150),
            (8, 300),
            (16, 600),
            (32, 1200),
            (48, 1800),
            (64, 2400),
            (96, 3600),
        )
    },
    **{
        f"Standard_E{n}ds_v5": (0, temp)
        for n, temp in (
            (2, 75),
            (4, 150),
            (8, 300),
            (16, 600),
            (20, 750),
            (32, 1200),
            (48, 1800),
            (64, 2400),
            (96, 3600),
        )
    },
    **{
        f"Standard_D{n}ds_v4": (0, temp)
        for n, temp in ((2, 75), (4, 150), (8, 300), (16, 600), (32, 1200), (48, 1800), (64, 2400))
    },
    **{
        f"Standard_D{n}s_v3": (cache, temp)
        for n, cache, temp in (
            (2, 50, 16),
            (4, 100, 32),
            (8, 200, 64),
            (16, 400, 128),
            (32, 800, 256),
            (48, 1200, 384),
            (64, 1600, 512),
        )
    },
    "Standard_DS2_v2": (86, 14),
    "Standard_DS3_v2": (172, 28),
    "Standard_DS4_v2": (344, 56),
    "Standard_DS5_v2": (688, 112),
    # Sizes without any local disk (Dsv5, Dasv5, Esv5): listed so the answer is "managed"
    # because of the size, not because meshward does not know it.
    **{
        f"Standard_D{n}{kind}_v5": (0, 0)
        for kind in ("s", "as")
        for n in (2, 4, 8, 16, 32, 48, 64, 96)
    },
}

EPHEMERAL_FAMILIES = "Ddsv5, Dadsv5, Edsv5, Ddsv4, Dsv3, DSv2"
"""How the sizes with a known local disk are named in messages."""


def ephemeral_os_disk_gb(vm_size: str) -> int | None:
    """The ephemeral OS disk size for `vm_size`: what fits on its larger local disk, at most
    AKS's default; None when the size is unknown or its local disk is too small."""
    cache, temp = LOCAL_DISKS_GIB.get(vm_size, (0, 0))
    local = max(cache, temp)
    if local < MIN_OS_DISK_GB:
        return None
    return min(local, MAX_EPHEMERAL_OS_DISK_GB)


def describe_local_disk(vm_size: str) -> str:
    """Why `vm_size` cannot hold an ephemeral OS disk, for error messages."""
    if vm_size not in LOCAL_DISKS_GIB:
        return f"{vm_size} is not in meshward's table of local disks"
    cache, temp = LOCAL_DISKS_GIB[vm_size]
    if not cache and not temp:
        return f"{vm_size} has no local disk"
    return (
        f"{vm_size}'s local disk ({max(cache, temp)} GiB) is smaller than the {MIN_OS_DISK_GB} "
        "GiB an OS disk needs"
    )
