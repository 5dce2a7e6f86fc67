"""What an installed package needs beside its Python code: the front-end assets listed in
package.json's "vendor" table (copied into gongjian/vendor/ by tools/vendor_assets.py,
shipped in the wheel) and the city maps with their licence (gongjian/units/data/citymaps).
The wheel itself is built, installed and served with no network by .ci/bundle-check."""

import json
import re
import sys
import tomllib
from pathlib import Path

from django.conf import settings

from gongjian.ops.setup import _package_registry
from gongjian.units.maps import CITY_MAPS_DIR, package_map_features, package_map_path

ROOT = Path(settings.PROJECT_DIR)
PACKAGE = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
STATIC_VENDOR = re.compile(r"""static ['"]vendor/([^/'"]+)/([^'"]+)['"]""")

sys.path.insert(0, str(ROOT / "tools"))
import vendor_assets  # noqa: E402


def npm_package(path: str) -> str:
    parts = path.split("/")
    return "/".join(parts[:2]) if parts[0].startswith("@") else parts[0]


def test_every_vendor_file_comes_from_a_runtime_npm_dependency():
    vendor = vendor_assets.manifest()
    assert {"echarts", "echarts-wordcloud", "htmx", "pico"} <= set(vendor)
    for folder, files in vendor.items():
        for path in files:
            assert npm_package(path) in PACKAGE["dependencies"], (folder, path)


def test_every_template_reference_to_vendor_is_in_the_manifest():
    shipped = {
        (folder, Path(f).name) for folder, files in vendor_assets.manifest().items() for f in files
    }
    used = set()
    for template in (ROOT / "gongjian").glob("*/templates/**/*.html"):
        used |= set(STATIC_VENDOR.findall(template.read_text(encoding="utf-8")))
    assert ("echarts", "echarts.min.js") in used
    assert used <= shipped, used - shipped


def test_vendor_dir_is_inside_the_package_and_in_its_package_data():
    assert Path(settings.VENDOR_DIR) == ROOT / "gongjian" / "vendor"
    assert vendor_assets.VENDOR == Path(settings.VENDOR_DIR)
    with (ROOT / "pyproject.toml").open("rb") as f:
        project = tomllib.load(f)
    package_data = project["tool"]["setuptools"]["package-data"]
    assert "vendor/**/*" in package_data["gongjian"]
    assert "data/citymaps/*" in package_data["gongjian.units"]
    assert project["build-system"]["build-backend"] == "build_backend"
    # a package that plain pip installs: no dependency needing a build step of its own
    assert not any("echarts-china-cities" in d for d in project["project"]["dependencies"])


def test_fingerprint_follows_package_json(tmp_path, monkeypatch):
    before = vendor_assets.fingerprint()
    copy = tmp_path / "package.json"
    copy.write_text(
        json.dumps({**PACKAGE, "dependencies": {**PACKAGE["dependencies"], "x": "1.0.0"}}),
        encoding="utf-8",
    )
    monkeypatch.setattr(vendor_assets, "PACKAGE_JSON", copy)
    assert vendor_assets.fingerprint() != before


def test_city_maps_ship_in_the_package_with_their_licence():
    assert CITY_MAPS_DIR == ROOT / "gongjian" / "units" / "data" / "citymaps"
    assert "MIT License" in (CITY_MAPS_DIR / "LICENSE").read_text(encoding="utf-8")
    assert len(list(CITY_MAPS_DIR.glob("*.js"))) > 300
    registry = _package_registry()
    assert registry["FILE_MAP"][registry["PINYIN_MAP"]["锦州"]] == "liao2_ning2_jin3_zhou1"
    assert package_map_path("liao2_ning2_jin3_zhou1") is not None
    # Jinzhou's districts, keyed by their GB/T 2260 codes
    assert {"210702", "210703", "210711"} <= set(package_map_features("liao2_ning2_jin3_zhou1"))
