"""setuptools' build backend, with the front-end assets first.

pyproject.toml names this module (``backend-path = ["tools"]``): before a wheel (or an
sdist, or an editable install) is built, ``vendor_assets.ensure()`` brings ECharts,
htmx, Pico CSS … from the npm registry into ``gongjian/vendor/``, which the wheel then
carries as package data. Everything else is setuptools' own.
"""

from __future__ import annotations

import vendor_assets
from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 - the rest of the PEP 517/660 hooks


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    vendor_assets.ensure()
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    vendor_assets.ensure()
    return _setuptools.build_sdist(sdist_directory, config_settings)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    vendor_assets.ensure()
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
