"""`make package`: package every service offline with osls, then cfn-lint every generated template.

Usage: python scripts/package.py [--stage dev] [--force]
"""
import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from localcloud.serverless import services  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--force", action="store_true", help="repackage even when the inputs did not change")
    args = parser.parse_args()
    found = services.discover()
    started = time.monotonic()
    packages = services.package_all(found, args.stage, force=args.force)
    templates = [package.template_file for package in packages.values()]
    print(f"packaged {len(found)} services for stage {args.stage} in {time.monotonic() - started:.1f}s")
    lint = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), "--", *map(str, templates)])
    if lint.returncode == 0:
        print(f"cfn-lint: {len(templates)} templates clean")
    return lint.returncode


if __name__ == "__main__":
    sys.exit(main())
