"""The original toolkit's README examples, with a local HTTP server on 127.0.0.1 (and a local
file read) standing in for the downloads."""

import functools
import http.server
import threading
import urllib.error
import urllib.request

import pytest

from asynckit import AsyncList, Pool
from conftest import WAIT

PAGES = {
    "python.html": b"<html>python</html>" * 100,
    "github.html": b"<html>github</html>" * 50,
    "pypi.html": b"<html>pypi</html>" * 10,
    "tudb.html": b"<html>tudb</html>" * 3,
}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    for name, body in PAGES.items():
        (root / name).write_bytes(body)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address
    yield root, "http://%s:%d/" % (host, port)
    server.shutdown()
    server.server_close()
    thread.join(WAIT)


def download_url(url):
    with urllib.request.urlopen(url, timeout=WAIT) as response:
        return response.read()


def test_example_three_downloads_then_wait(site):
    _, base = site
    my_pool = Pool(worker_count=3)

    pypi_download = my_pool.do(download_url, base + "pypi.html")
    github_download = my_pool.do(download_url, base + "github.html")
    python_download = my_pool.do(download_url, base + "python.html")

    assert pypi_download.wait(WAIT)
    assert github_download.wait(WAIT)
    assert python_download.wait(WAIT)

    assert pypi_download.get() == PAGES["pypi.html"]
    assert github_download.get() == PAGES["github.html"]
    assert python_download.get() == PAGES["python.html"]
    assert my_pool.stop(WAIT)


def test_example_the_pool_do_and_get_true(site):
    _, base = site
    my_pool = Pool(worker_count=4)
    our_async_value = my_pool.do(download_url, base + "python.html")
    python_org_site = our_async_value.get(True)
    assert len(python_org_site) == len(PAGES["python.html"])
    assert not our_async_value.is_error()
    assert my_pool.stop(WAIT)


def test_example_get_raises_the_download_error(site):
    _, base = site
    my_pool = Pool(worker_count=1)
    missing = my_pool.do(download_url, base + "no-such-page.html")
    with pytest.raises(urllib.error.HTTPError) as info:
        missing.get(True)
    assert info.value.code == 404
    info.value.close()  # an HTTPError holds the response open
    assert missing.is_error()
    assert my_pool.stop(WAIT)


def test_example_joining_downloads_with_async_list(site):
    _, base = site
    pool = Pool(worker_count=2)
    result1 = pool.do(download_url, base + "tudb.html")
    result2 = pool.do(download_url, base + "github.html")
    result3 = pool.do(download_url, base + "tudb.html")
    my_downloads = AsyncList([result1, result2, result3])
    sizes = [len(site_) for site_ in my_downloads.get(True)]
    assert sizes == [len(PAGES["tudb.html"]), len(PAGES["github.html"]), len(PAGES["tudb.html"])]
    assert pool.stop(WAIT)


def test_example_chaining_work(site):
    _, base = site
    pool = Pool()
    final_result = pool.do(download_url, base + "tudb.html").chain(download_url, base + "python.html")
    assert len(final_result.get(True)) == len(PAGES["python.html"])
    assert pool.stop(WAIT)


def test_example_reading_local_files_in_parallel(site):
    root, _ = site

    def read(name):
        with open(root / name, "rb") as f:
            return f.read()

    pool = Pool(worker_count=4)
    contents = AsyncList([pool.do(read, name) for name in PAGES])
    assert contents.get(True) == list(PAGES.values())
    assert pool.stop(WAIT)


def test_example_many_downloads_with_values_as_arguments(site):
    # a little scraper: download pages, then measure each once it is there
    _, base = site
    pool = Pool(worker_count=4)
    pages = [pool.do(download_url, base + name) for name in PAGES for _ in range(10)]
    sizes = [pool.do(len, page) for page in pages]
    assert sum(AsyncList(sizes).get(True)) == 10 * sum(len(b) for b in PAGES.values())
    assert pool.stop(WAIT)
