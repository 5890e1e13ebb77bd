"""`make layer`: assemble the shared Lambda layer in shared/build/layer (see localcloud/layer.py)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from localcloud.serverless import layer  # noqa: E402

if __name__ == "__main__":
    print(f"layer assembled in {layer.build().relative_to(layer.REPO)}")
