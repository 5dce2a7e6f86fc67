"""``make bundle``: everything an intranet machine needs to install gongjian, in one archive.

    dist/gongjian-<version>-offline-<platform>.tar.gz
      gongjian-<version>-offline-<platform>/
        install.sh                 install or upgrade, no network (tools/offline/install.sh)
        wheels/                    gongjian's wheel and a wheel of every dependency
        systemd/                   unit templates: the web server and the job worker
        README.txt, VERSION, SHA256SUMS

Runs where PyPI and the npm registry are reachable, with the Python the target machine
has (3.11) on the same platform (e.g. Linux x86_64): the wheelhouse holds the wheels pip
picks for this interpreter, and a dependency published only as source (jieba) is built
into a wheel here, so that the target needs no compiler and no build tool.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import time
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OFFLINE = ROOT / "tools" / "offline"
TARGET_PYTHON = (3, 11)
# files the wheel must carry for an installed package to serve every page
WHEEL_MUST_HAVE = (
    "gongjian/vendor/echarts/echarts.min.js",
    "gongjian/vendor/htmx/htmx.min.js",
    "gongjian/vendor/pico/pico.min.css",
    "gongjian/units/data/citymaps/registry.json",
    "gongjian/units/data/citymaps/LICENSE",
    "gongjian/kit/templates/kit/base.html",
)


def version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]["version"]


def platform_tag() -> str:
    """``linux-x86_64-py3.11``: where the wheelhouse installs."""
    plat = sysconfig.get_platform()  # linux-x86_64
    return f"{plat}-py{sys.version_info.major}.{sys.version_info.minor}"


def run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tracked_data_files() -> list[str]:
    """The package's files under version control that are no Python source (templates,
    data, static files): each must be in the wheel (pyproject's package-data)."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        return []
    listed = subprocess.run(
        ["git", "ls-files", "-z", "gongjian"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [f for f in listed.split("\0") if f and not f.endswith(".py") and (ROOT / f).is_file()]


def check_wheel(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    missing = [n for n in (*WHEEL_MUST_HAVE, *tracked_data_files()) if n not in names]
    if missing:
        raise SystemExit(f"{wheel.name} lacks {', '.join(missing)} (pyproject.toml: package-data)")


def build(out_dir: Path, work_root: Path) -> Path:
    if sys.version_info[:2] != TARGET_PYTHON:
        raise SystemExit(
            f"make bundle needs Python {TARGET_PYTHON[0]}.{TARGET_PYTHON[1]} (the target's); "
            f"this is {platform.python_version()}"
        )
    ver = version()
    name = f"gongjian-{ver}-offline-{platform_tag()}"
    work = work_root / name
    if work.exists():
        shutil.rmtree(work)
    wheels = work / "wheels"
    wheels.mkdir(parents=True)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]

    # the package itself (the build backend copies the npm assets in first) …
    run(*pip, "wheel", "--no-deps", "--wheel-dir", wheels, ".")
    (own,) = wheels.glob("gongjian-*.whl")
    check_wheel(own)
    # … then every dependency, as the wheels pip picks for this Python and platform
    run(*pip, "wheel", "--wheel-dir", wheels, own)
    # pip itself, so that the target's virtualenv can be brought up to the same pip
    run(*pip, "download", "--only-binary", ":all:", "--dest", wheels, "pip")
    stray = [p.name for p in wheels.iterdir() if p.suffix != ".whl"]
    if stray:
        raise SystemExit(f"not a wheel: {', '.join(stray)}")

    shutil.copy2(OFFLINE / "install.sh", work / "install.sh")
    (work / "install.sh").chmod(0o755)
    shutil.copy2(OFFLINE / "README.txt", work / "README.txt")
    shutil.copytree(OFFLINE / "systemd", work / "systemd")
    (work / "VERSION").write_text(f"{ver}\n", encoding="utf-8")
    sums = [
        f"{sha256(p)}  {p.relative_to(work)}"
        for p in sorted(work.rglob("*"))
        if p.is_file() and p.name != "SHA256SUMS"
    ]
    (work / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")

    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / f"{name}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(work, arcname=name)
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "dist"), help="where the archive goes")
    parser.add_argument("--work", default=str(ROOT / "build" / "bundle"), help="scratch folder")
    args = parser.parse_args(argv)
    started = time.monotonic()
    archive = build(Path(args.out), Path(args.work))
    size = archive.stat().st_size / 1024 / 1024
    wheels = len(
        list((Path(args.work) / archive.name.removesuffix(".tar.gz") / "wheels").glob("*.whl"))
    )
    print(
        f"{archive} ({size:.1f} MiB, {wheels} wheels) in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
