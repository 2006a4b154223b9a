import os
import sys

import pytest

# Test the package in this tree (test_install.py tests an installed copy).
SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
sys.path.insert(0, SRC)

# A generous bound for anything that should happen "soon": a test that hits it fails loudly
# instead of hanging; none of them assert on how long things took.
WAIT = 60


@pytest.fixture
def pool():
    import asynckit

    p = asynckit.Pool(worker_count=4)
    yield p
    assert p.stop(WAIT), "pool did not stop within %s s" % WAIT
