"""`make package`: package every service offline with osls, then cfn-lint every generated template.

Each service's package lands where osls leaves one and where a deploy looks for it: `services/<name>/.serverless/`
(its template and zips). The packaging cache the local cloud shares (`.localcloud/templates/`) stays a cache.

Usage: python scripts/package.py [--stage dev] [--force]
"""
import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from localcloud.serverless import services  # noqa: E402


def publish(package: services.Package) -> Path:
    """Copy a cached package to its service's .serverless/ folder; returns the template there."""
    target = package.service.path / ".serverless"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(package.folder, target)
    return target / package.template_file.name


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--force", action="store_true", help="repackage even when the inputs did not change")
    args = parser.parse_args()
    found = services.discover()
    started = time.monotonic()
    packages = services.package_all(found, args.stage, force=args.force)
    templates = [publish(package) for package in packages.values()]
    print(f"packaged {len(found)} services for stage {args.stage} in {time.monotonic() - started:.1f}s: "
          f"services/<name>/.serverless/")
    lint = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), "--", *map(str, templates)])
    if lint.returncode == 0:
        print(f"cfn-lint: {len(templates)} templates clean")
    return lint.returncode


if __name__ == "__main__":
    sys.exit(main())
