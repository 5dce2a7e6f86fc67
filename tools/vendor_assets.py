"""The front-end assets, from the npm registry into ``gongjian/vendor/``.

``package.json`` names the npm packages (``dependencies``) and, under ``"vendor"``, which
of their files the pages load: one line per package, ``"<folder>": ["<file>", …]`` with
each file given from ``node_modules/``. They are copied to ``gongjian/vendor/<folder>/``,
which Django serves as ``static/vendor/<folder>/…`` and which ships inside the wheel.

Run by ``make assets`` and by the build backend (``tools/build_backend.py``) before a
wheel is built, so that ``pip install .`` gets the assets without a separate step. The
copy is redone only when ``package.json``, ``package-lock.json`` or this script changed
or a file is missing (their fingerprint is kept in ``gongjian/vendor/.installed``).
Standard library only: it runs inside pip's isolated build environment.

    python tools/vendor_assets.py            # when stale: npm ci, then copy
    python tools/vendor_assets.py --force    # always
    python tools/vendor_assets.py --check    # exit 1 when stale, change nothing
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_JSON = ROOT / "package.json"
LOCK = ROOT / "package-lock.json"
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "gongjian" / "vendor"
STAMP = VENDOR / ".installed"


class AssetError(Exception):
    pass


def manifest() -> dict[str, list[str]]:
    """``{folder: [file under node_modules, …]}`` from package.json's ``"vendor"``."""
    data = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    vendor = data.get("vendor")
    if not isinstance(vendor, dict) or not vendor:
        raise AssetError('package.json has no "vendor" table ({"folder": ["file", …]})')
    for folder, files in vendor.items():
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise AssetError(f'package.json "vendor"."{folder}": expected a list of file paths')
    return vendor


def targets(vendor: dict[str, list[str]]) -> list[Path]:
    return [VENDOR / folder / Path(f).name for folder, files in vendor.items() for f in files]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (PACKAGE_JSON, LOCK, Path(__file__).resolve()):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()


def is_fresh() -> bool:
    try:
        stamp = STAMP.read_text(encoding="utf-8").strip()
    except OSError:
        return False
    return stamp == fingerprint() and all(p.is_file() for p in targets(manifest()))


def npm_install() -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError(
            "需要 Node.js/npm 从 npm 仓库取得前端资源(ECharts、htmx、Pico CSS…);"
            " npm not found: the front-end assets come from the npm registry at build time"
        )
    command = "ci" if LOCK.is_file() else "install"
    print(f"vendor_assets: npm {command}", file=sys.stderr, flush=True)
    subprocess.run([npm, command, "--no-audit", "--no-fund"], cwd=ROOT, check=True)


def copy(vendor: dict[str, list[str]]) -> int:
    missing = [f for files in vendor.values() for f in files if not (NODE_MODULES / f).is_file()]
    if missing:
        raise AssetError("node_modules lacks: " + ", ".join(missing))
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    count = 0
    for folder, files in vendor.items():
        (VENDOR / folder).mkdir(parents=True, exist_ok=True)
        for f in files:
            shutil.copy2(NODE_MODULES / f, VENDOR / folder / Path(f).name)
            count += 1
    return count


def ensure(force: bool = False) -> bool:
    """Make ``gongjian/vendor/`` match package.json; True when something was done."""
    if not force and is_fresh():
        return False
    vendor = manifest()
    npm_install()
    count = copy(vendor)
    STAMP.write_text(fingerprint() + "\n", encoding="utf-8")
    print(f"vendor_assets: {count} files in {VENDOR.relative_to(ROOT)}/", file=sys.stderr)
    return True


def main(argv: list[str]) -> int:
    try:
        if "--check" in argv:
            return 0 if is_fresh() else 1
        ensure(force="--force" in argv)
    except (AssetError, subprocess.CalledProcessError) as exc:
        print(f"vendor_assets: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
