"""What a spec library costs: installed size, PyInstaller bundle estimate, import time.

Usage: .venv/bin/python bench/specs.py [--runs 5]

Makes two throwaway venvs under a temporary folder (pydantic; msgspec), installs each from the
configured package index, and prints for each: the wheels' download size, what it adds to
site-packages, the bundle estimate (bench/_bundle_size.py: bytecode as the PYZ archive stores
it, plus extension modules) and the median over ``--runs`` of ``python -X importtime`` for the
library alone and for one subscription model with its JSON Schema, imported after the CLI's own
modules (what ``webhook-studio --version`` already loads). The same is printed for our own
hand-written specs (core/specs.py, core/specs_records.py, api/models.py).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODELS = {
    "pydantic": '''
from typing import Annotated
from pydantic import BaseModel, Field
class Subscription(BaseModel):
    url: Annotated[str, Field(max_length=2000, pattern="^https?://")]
    events: Annotated[list[str], Field(min_length=1, max_length=100)]
    timeout: Annotated[float, Field(ge=0.1, le=300)] = 15
    rate_per_minute: Annotated[int | None, Field(ge=1, le=100_000)] = None
    rate_per_hour: Annotated[int | None, Field(ge=1, le=6_000_000)] = None
    headers: dict[str, str] = {}
Subscription.model_json_schema()
''',
    "msgspec": '''
from typing import Annotated
import msgspec
from msgspec import Meta, Struct
class Subscription(Struct, forbid_unknown_fields=True):
    url: Annotated[str, Meta(max_length=2000, pattern="^https?://")]
    events: Annotated[list[str], Meta(min_length=1, max_length=100)]
    timeout: Annotated[float, Meta(ge=0.1, le=300)] = 15
    rate_per_minute: Annotated[int, Meta(ge=1, le=100_000)] | None = None
    rate_per_hour: Annotated[int, Meta(ge=1, le=6_000_000)] | None = None
    headers: dict[str, str] = {}
msgspec.json.schema(Subscription)
''',
}
PACKAGES = {"pydantic": ["pydantic", "pydantic_core", "annotated_types", "typing_inspection"],
            "msgspec": ["msgspec"]}


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def import_us(python: str, module: str, path: list[str], runs: int) -> float:
    """Median cumulative microseconds importing ``module`` after the CLI's modules."""
    env_path = ":".join(path)
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [python, "-X", "importtime", "-c",
             f"import webhook_studio.cli.sending, webhook_studio.api.app; import {module}"],
            capture_output=True, text=True, env={"PYTHONPATH": env_path}, check=True).stderr
        for line in out.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[2].strip() == module:
                times.append(float(parts[1]))
    return statistics.median(times)


def self_us(python: str, modules: set[str], path: list[str], runs: int) -> float:
    """Median over runs of the summed self time (microseconds) of ``modules`` when the CLI
    and the API load: what our own spec modules cost, their imports of our other modules
    (and of cryptography, which the schemes load anyway) not counted."""
    totals = []
    for _ in range(runs):
        out = subprocess.run(
            [python, "-X", "importtime", "-c",
             "import webhook_studio.cli.sending, webhook_studio.api.app"],
            capture_output=True, text=True, env={"PYTHONPATH": ":".join(path)},
            check=True).stderr
        total = 0.0
        for line in out.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[2].strip() in modules:
                total += float(parts[0].split(":")[1])
        totals.append(total)
    return statistics.median(totals)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    project = str(HERE.parent)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, model in MODELS.items():
            venv = root / name
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            dl = root / f"{name}-wheels"
            subprocess.run([str(venv / "bin/pip"), "download", "-q", "-d", str(dl), name],
                           check=True)
            wheels = sum(p.stat().st_size for p in dl.glob("*.whl")
                         if not p.name.startswith("typing_extensions"))
            site = next(venv.glob("lib/python*/site-packages"))
            before = du(site)
            subprocess.run([str(venv / "bin/pip"), "install", "-q", "--no-index",
                            "--find-links", str(dl), name], check=True)
            added = du(site) - before
            (root / f"m_{name}.py").write_text(model)
            bundle = subprocess.run(
                [sys.executable, str(HERE / "_bundle_size.py"),
                 *(str(site / p) for p in PACKAGES[name])],
                capture_output=True, text=True, check=True).stdout.strip()
            path = [project, str(root), str(site)]
            bare = import_us(sys.executable, name, path, args.runs)
            with_model = import_us(sys.executable, f"m_{name}", path, args.runs)
            print(f"{name}: wheels {wheels / 1e6:.2f} MB, installed +{added / 1e6:.2f} MB, "
                  f"bundle {bundle}; import {bare / 1000:.1f} ms, with a model and its "
                  f"schema {with_model / 1000:.1f} ms")
    ours = self_us(sys.executable, {"webhook_studio.core.specs",
                                    "webhook_studio.core.specs_records",
                                    "webhook_studio.api.models"}, [project], args.runs)
    print(f"hand-written specs: wheels 0, installed +0 (about 40 KB of our source), bundle +0; "
          f"import {ours / 1000:.1f} ms (self time of core/specs*.py and api/models.py)")


if __name__ == "__main__":
    main()
