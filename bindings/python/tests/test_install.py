"""The package as a user gets it: pip-installed into a fresh virtual environment, and finding
(or failing to find) libasynckit."""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(PACKAGE, "src")
LIBRARY = os.environ.get("ASYNCKIT_LIBRARY")
PIP_TIMEOUT = 600

needs_library = pytest.mark.skipif(not LIBRARY, reason="ASYNCKIT_LIBRARY is not set")


def run(cmd, env=None, cwd=None, timeout=PIP_TIMEOUT):
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def env_without_library(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("ASYNCKIT_LIBRARY", "LD_LIBRARY_PATH", "PYTHONPATH")}
    env.update(extra)
    return env


def source_copy(tmp_path):
    """A copy of the package to build from, so that building leaves nothing in the tree."""
    dest = tmp_path / "asynckit-src"
    shutil.copytree(
        PACKAGE,
        dest,
        ignore=shutil.ignore_patterns("tests", "build", "*.egg-info", "__pycache__", ".pytest_cache"),
    )
    return dest


USE_IT = textwrap.dedent(
    """
    import asynckit, sys
    pool = asynckit.Pool(worker_count=2)
    values = [pool.do(pow, 2, i) for i in range(10)]
    print(asynckit.AsyncList(values).get(60), asynckit.__file__, asynckit.native_version)
    assert pool.stop(60)
    """
)


@needs_library
def test_pip_install_into_a_fresh_virtual_environment_works(tmp_path):
    venv = tmp_path / "venv"
    code, out = run([sys.executable, "-m", "venv", str(venv)])
    assert code == 0, out
    python = str(venv / "bin" / "python")
    src = source_copy(tmp_path)

    # Offline when the environment can build a wheel by itself (setuptools >= 70.1, or with the
    # `wheel` package); otherwise the ordinary way, where pip fetches setuptools to build with.
    can_build, _ = run([python, "-c", "import setuptools\ntry:\n import setuptools.command.bdist_wheel\n"
                                      "except ImportError:\n import wheel"])
    if can_build == 0:
        cmd = [python, "-m", "pip", "install", "--no-index", "--no-build-isolation", str(src)]
    else:
        cmd = [python, "-m", "pip", "install", str(src)]
    code, out = run(cmd, env=env_without_library(PIP_DISABLE_PIP_VERSION_CHECK="1"))
    assert code == 0, out

    code, out = run([python, "-c", USE_IT], env=env_without_library(ASYNCKIT_LIBRARY=LIBRARY), cwd=str(tmp_path))
    assert code == 0, out
    assert "[1, 2, 4, 8, 16, 32, 64, 128, 256, 512]" in out
    assert str(venv) in out  # the installed copy, not the source tree


def test_a_missing_library_gives_an_import_error_that_says_what_to_do(tmp_path):
    env = env_without_library(PYTHONPATH=SRC)
    code, out = run([sys.executable, "-c", "import asynckit"], env=env, cwd=str(tmp_path))
    if code == 0:
        pytest.skip("libasynckit is installed on the loader path of this machine")
    assert "ImportError" in out
    assert "ASYNCKIT_LIBRARY" in out
    assert "libasynckit" in out


def test_a_wrong_asynckit_library_path_is_reported(tmp_path):
    env = env_without_library(PYTHONPATH=SRC, ASYNCKIT_LIBRARY=str(tmp_path / "nowhere" / "libasynckit.so"))
    code, out = run([sys.executable, "-c", "import asynckit"], env=env, cwd=str(tmp_path))
    assert code != 0
    assert "ImportError" in out and "nowhere" in out


def test_a_file_that_is_not_libasynckit_is_reported(tmp_path):
    libc = next((p for p in ("/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6",
                             "/lib64/libm.so.6", "/usr/lib/libm.so.6") if os.path.exists(p)), None)
    if libc is None:
        pytest.skip("no libm to load")
    env = env_without_library(PYTHONPATH=SRC, ASYNCKIT_LIBRARY=libc)
    code, out = run([sys.executable, "-c", "import asynckit"], env=env, cwd=str(tmp_path))
    assert code != 0
    assert "not a usable libasynckit" in out and "ak_pool_create" in out


@needs_library
def test_the_library_is_found_on_the_loader_path_without_asynckit_library(tmp_path):
    env = env_without_library(PYTHONPATH=SRC, LD_LIBRARY_PATH=os.path.dirname(os.path.abspath(LIBRARY)))
    script = "import asynckit; print('loaded', asynckit.library_path); print(asynckit.Pool(1).do(abs, -3).get(60))"
    code, out = run([sys.executable, "-c", script], env=env, cwd=str(tmp_path))
    assert code == 0, out
    assert "loaded libasynckit" in out and out.strip().endswith("3")
