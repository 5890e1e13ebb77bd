"""`make bench`: bring the local cloud up with `make local`, then print every figure side by side.

Each bench/<area>.py with a `run(report)` adds its figures (areas arrive with their issues). Figures are printed,
never asserted: speed depends on the machine, correctness is the tests' business.
"""
import importlib
import pkgutil
import sys
import time

import bench
from bench.harness import REPO, local_cloud


def main() -> int:
    figures: list[tuple[str, str]] = []
    tables: list[str] = []

    def report(name: str, value: str) -> None:
        figures.append((name, value))
        print(f"  {name:62} {value}", flush=True)

    (REPO / "test-output").mkdir(exist_ok=True)
    print("make local -> healthy ...", flush=True)
    with local_cloud(REPO / "test-output" / "bench-localcloud.log") as seconds:
        report("make local -> /_localcloud/health 200 (s)", f"{seconds:.2f}")
        for module_info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
            if module_info.name in ("harness", "__main__") or sys.argv[1:] and module_info.name not in sys.argv[1:]:
                continue
            module = importlib.import_module(f"bench.{module_info.name}")
            if hasattr(module, "run"):
                print(f"[{module_info.name}]", flush=True)
                started = time.monotonic()
                table = module.run(report)
                if isinstance(table, str):
                    tables.append(table)
                print(f"  ({module_info.name} took {time.monotonic() - started:.0f}s)", flush=True)
    print("\n| figure | value |\n|---|---|")
    for name, value in figures:
        print(f"| {name} | {value} |")
    for table in tables:
        print(f"\n{table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
