"""What a benchmark ran on: CPU, cores, library versions, the BLAS kernel. Printed by every
benchmark so that a figure always comes with its machine."""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def use_this_checkout() -> None:
    """Import ``theory`` from the repository this script sits in (not another install)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_kernel() -> str:
    """The BLAS library, its kernel (architecture) and thread count, as threadpoolctl sees them
    after numpy is loaded; or a note that threadpoolctl is missing."""
    import numpy  # noqa: F401  (loads the BLAS library that threadpoolctl inspects)

    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (pip install threadpoolctl to report it)"
    parts = []
    for info in threadpool_info():
        if info.get("user_api") == "blas":
            parts.append(
                f"{info.get('internal_api')} {info.get('version')}, kernel {info.get('architecture')}, "
                f"{info.get('num_threads')} threads"
            )
    return "; ".join(parts) or "none found"


def describe(extra: dict[str, str] | None = None) -> str:
    """A few lines naming the machine and the software, for the head of a benchmark's output."""
    import numpy

    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                                      "OMP_NUM_THREADS") if k in os.environ}
    lines = [
        f"machine : {cpu_model()}, {os.cpu_count()} logical CPUs (nproc {len(os.sched_getaffinity(0))})",
        f"python  : {platform.python_version()}, numpy {numpy.__version__}",
        f"BLAS    : {blas_kernel()}",
        f"env     : {env if env else 'no OPENBLAS_*/OMP_* variables set'}",
    ]
    for key, value in (extra or {}).items():
        lines.append(f"{key:8s}: {value}")
    return "\n".join(lines)


def best_of(repeats: int, f: Any) -> tuple[Any, float]:
    """(result of the last call, best wall time in seconds) over ``repeats`` calls of ``f``."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return out, best


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, columns padded to line up in a terminal too."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    fmt = lambda row: "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(header), sep] + [fmt(r) for r in rows])
