"""Estimate what a package adds to a PyInstaller bundle: its modules as zlib-compressed
bytecode (how the PYZ archive stores them) plus its extension modules as they are.

Usage: python bench/_bundle_size.py SITE_PACKAGES/pkg [...]
"""
import marshal
import pathlib
import sys
import zlib

total_pyc = total_so = 0
for root in sys.argv[1:]:
    for path in pathlib.Path(root).rglob("*"):
        if path.suffix == ".py":
            code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
            total_pyc += len(zlib.compress(marshal.dumps(code), 6))
        elif path.suffix == ".so":
            total_so += path.stat().st_size
print(f"bytecode (compressed) {total_pyc/1e6:.2f} MB, extensions {total_so/1e6:.2f} MB, "
      f"total {(total_pyc+total_so)/1e6:.2f} MB")
