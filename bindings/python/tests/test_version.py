"""The binding writes its version once (asynckit.__version__); the package metadata reads it."""

import os

import pytest

import asynckit
from asynckit import _native

PYPROJECT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pyproject.toml")


@pytest.mark.filterwarnings("ignore:Support for ..tool.setuptools")  # setuptools < 68 calls it beta
def test_the_package_metadata_version_is_the_modules_version():
    pyprojecttoml = pytest.importorskip("setuptools.config.pyprojecttoml")  # setuptools >= 61
    config = pyprojecttoml.read_configuration(PYPROJECT, expand=True)
    assert config["project"]["version"] == asynckit.__version__


def test_the_loaded_library_has_the_abi_the_binding_was_written_for():
    assert int(asynckit.native_version.split(".")[0]) == _native.ABI_VERSION
