"""How long `import meshward` takes, and what the first use of a name costs, each in a fresh
interpreter (so nothing is cached in `sys.modules`).

`python benchmarks/import_time.py [--repeat N]` prints one line per figure; nothing asserts.
The interpreter's own start-up (`python -c pass`) is measured too and subtracted, so the
figures are what meshward adds. Self-contained: `benchmarks/run.py` may call `main()`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

#: Label → statement run after start-up; what a user pays on first use.
CASES: dict[str, str] = {
    "python -c pass (baseline)": "pass",
    "import meshward": "import meshward",
    "meshward.compile_mesh (pure core)": "import meshward; meshward.compile_mesh",
    "meshward.MeshSecurity (pulumi + pulumi_kubernetes)": "import meshward; meshward.MeshSecurity",
    "meshward.Platform (everything, pulumi_azure_native)": "import meshward; meshward.Platform",
}


def wall_ms(statement: str, repeat: int) -> float:
    """Median wall time of `python -c statement` in a fresh interpreter, in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main(repeat: int = 5) -> dict[str, float]:
    """Print and return the median milliseconds meshward adds per case (baseline: absolute)."""
    results: dict[str, float] = {}
    baseline = 0.0
    for label, statement in CASES.items():
        median = wall_ms(statement, repeat)
        if statement == "pass":
            baseline = median
            results[label] = median
            print(f"{label}: median {median:,.1f} ms over {repeat} runs")
        else:
            results[label] = median - baseline
            print(f"{label}: median +{median - baseline:,.1f} ms over start-up ({repeat} runs)")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    main(parser.parse_args().repeat)
