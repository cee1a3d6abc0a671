"""Where datasets are found, in order, and the download path — tested against a local HTTP
server that serves files the test wrote ($GENLAB_DATA_URL)."""
from __future__ import annotations

import dataclasses
import functools
import http.server
import threading
from pathlib import Path

import pytest
from data_checks import assert_one_line
from data_writers import write_cifar10, write_idx

from genlab.data import catalog, find, load
from genlab.data.formats import locate
from genlab.data.options import DataConfig
from genlab.errors import GenlabError


@pytest.fixture
def server(tmp_path):
    """A local HTTP server for the folder `served/` (KEY/FILE inside); yields its base URL."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_download_lands_in_the_cache_and_loads_with_one_warning(server, monkeypatch, capsys):
    served, url = server
    write_idx(served / "mnist", n_train=30, n_test=10)
    monkeypatch.setenv("GENLAB_DATA_URL", url)
    data = load(DataConfig(dataset="mnist", val_size=5), progress=False)
    cached = find.cache_dir("mnist")
    assert sorted(p.name for p in cached.iterdir()) == sorted(catalog.MNIST.downloads)
    assert data.source == cached and len(data.train_labels) == 30 and not data.official
    assert (cached / "train-images-idx3-ubyte.gz").read_bytes() == (served / "mnist" / "train-images-idx3-ubyte.gz").read_bytes()
    load(DataConfig(dataset="mnist", val_size=5))  # second load: from the cache, no second warning
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("genlab: warning:")]
    assert len(warnings) == 1 and "MNIST" in warnings[0] and "60,000 → 30 training images" in warnings[0]


def test_cifar10_download_is_the_archive(server, monkeypatch):
    served, url = server
    write_cifar10(served / "cifar10", per_batch=4, n_test=4, archive=True)
    monkeypatch.setenv("GENLAB_DATA_URL", url)
    data = load(DataConfig(dataset="cifar10", val_size=2), progress=False)
    assert data.source == find.cache_dir("cifar10") / "cifar-10-python.tar.gz" and data.shape == (3, 32, 32)


def test_a_missing_file_on_the_server_leaves_no_partial_file(server, monkeypatch):
    served, url = server
    write_idx(served / "kmnist", n_train=3, n_test=2)
    (served / "kmnist" / "t10k-images-idx3-ubyte.gz").unlink()
    monkeypatch.setenv("GENLAB_DATA_URL", url)
    with pytest.raises(GenlabError) as info:
        load(DataConfig(dataset="kmnist"), progress=False)
    assert_one_line(str(info.value), "KMNIST", "downloading failed", "HTTP 404", "pass --data-dir DIR")
    left = sorted(p.name for p in find.cache_dir("kmnist").iterdir())
    assert left == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"], "only whole files stay"


def test_offline_is_one_line_naming_the_fix(monkeypatch):
    monkeypatch.setenv("GENLAB_DATA_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(GenlabError) as info:
        load(DataConfig(dataset="mnist"), progress=False)
    assert_one_line(str(info.value), "MNIST", "not found on this machine, and downloading failed", "offline",
                    "pass --data-dir DIR (data.root)")


def test_official_urls_by_default(monkeypatch):
    monkeypatch.delenv("GENLAB_DATA_URL", raising=False)
    assert find.urls(catalog.KMNIST, "a.gz") == ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/a.gz"]
    assert find.urls(catalog.CIFAR10, "x")[0].startswith("https://www.cs.toronto.edu/~kriz/")
    monkeypatch.setenv("GENLAB_DATA_URL", "http://mirror/data/")
    assert find.urls(catalog.KMNIST, "a.gz") == ["http://mirror/data/kmnist/a.gz"]


def _no_debian(monkeypatch, tmp_path):
    spec = dataclasses.replace(catalog.FASHION_MNIST, debian_dir=tmp_path / "no-debian")
    monkeypatch.setitem(catalog.CATALOG, "fashion_mnist", spec)


def test_search_order(tmp_path, monkeypatch):
    _no_debian(monkeypatch, tmp_path)
    base = tmp_path / "genlab-data"
    monkeypatch.setenv("GENLAB_DATA", str(base))
    cfg = DataConfig(dataset="fashion_mnist")
    labels = [label for label, _ in find.candidates(catalog.get("fashion_mnist"))]
    assert labels == ["$GENLAB_DATA/fashion_mnist", "$GENLAB_DATA", "Debian package dataset-fashion-mnist",
                      "user cache", "user cache (old folder name)"]
    write_idx(find.cache_dir("fashion_mnist"), n_train=3, n_test=2)
    assert locate(cfg, download=False)[0] == "user cache"
    write_idx(base, n_train=3, n_test=2)  # $GENLAB_DATA itself: what it named before issue 22
    assert locate(cfg, download=False) == ("$GENLAB_DATA", base)
    write_idx(base / "fashion_mnist", n_train=3, n_test=2)
    assert locate(cfg, download=False) == ("$GENLAB_DATA/fashion_mnist", base / "fashion_mnist")
    named = write_idx(tmp_path / "named", n_train=3, n_test=2)
    assert locate(DataConfig(root=str(named)), download=False)[1] == named


def test_genlab_data_itself_is_only_fashion_mnist(tmp_path, monkeypatch):
    """$GENLAB_DATA pointing at a Fashion-MNIST folder must not be read as MNIST (same file names)."""
    write_idx(tmp_path, n_train=3, n_test=2)
    monkeypatch.setenv("GENLAB_DATA", str(tmp_path))
    with pytest.raises(GenlabError, match="MNIST: not found on this machine"):
        locate(DataConfig(dataset="mnist"), download=False)


def test_old_cache_folder_name(tmp_path, monkeypatch):
    _no_debian(monkeypatch, tmp_path)
    old = write_idx(find.cache_dir("fashion-mnist"), n_train=3, n_test=2)
    assert locate(DataConfig(), download=False) == ("user cache (old folder name)", old)


def test_a_named_root_is_the_only_place_looked(tmp_path, monkeypatch):
    write_idx(find.cache_dir("mnist"), n_train=3, n_test=2)
    with pytest.raises(GenlabError) as info:
        locate(DataConfig(dataset="mnist", root=str(tmp_path)))
    assert_one_line(str(info.value), "MNIST", f"--data-dir / data.root {tmp_path} lacks train-images-idx3-ubyte(.gz)")


def test_folder_datasets_need_a_root():
    with pytest.raises(GenlabError) as info:
        locate(DataConfig(dataset="image_folder"))
    assert_one_line(str(info.value), "image folder", "image_folder needs data.root (or --data-dir)")


def test_genlab_data_key_folder_for_a_folder_dataset(tmp_path, monkeypatch):
    from data_writers import write_image_folder

    write_image_folder(tmp_path / "image_folder", "split", n_train=3, n_test=2)
    monkeypatch.setenv("GENLAB_DATA", str(tmp_path))
    assert locate(DataConfig(dataset="image_folder"))[1] == tmp_path / "image_folder"


def test_a_named_folder_is_not_remembered(tmp_path):
    """No module-global state: a later load without data.root does not look in an earlier one's."""
    load(DataConfig(dataset="mnist", root=str(write_idx(tmp_path, n_train=3, n_test=2)), val_size=1))
    with pytest.raises(GenlabError, match="not found on this machine"):
        locate(DataConfig(dataset="mnist"), download=False)


def test_real_fashion_mnist_is_official():
    if not catalog.FASHION_MNIST.debian_dir.is_dir():
        pytest.skip("dataset-fashion-mnist is not installed")
    data = load(DataConfig())
    assert data.official and data.source == Path("/usr/share/datasets/fashion-mnist")
    assert "sha256 of the decompressed files" in data.note
    assert data.train_images.shape == (60000, 1, 28, 28) and data.test_labels.bincount().tolist() == [1000] * 10
