"""Every dataset genlab reads, declared in one place (torch-free): its shape, classes, sizes,
the official files with their published checksums, where they are downloaded from, where
a Debian package puts them, and which `data.*` keys it accepts.

Checksums are the publishers' or well-known libraries' numbers, never computed here from a
copy of unknown origin. Each says what it is a checksum *of*: ``gz`` — the file exactly as
published (the .gz or .tar.gz), ``raw`` — the decompressed IDX file or the extracted CIFAR
batch. A re-gzipped copy (the Debian package) fails the ``gz`` kind and passes ``raw``.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from genlab.errors import GenlabError

TORCHVISION_MNIST = "pytorch/vision torchvision/datasets/mnist.py (md5 of the .gz)"
TORCHVISION_CIFAR = "pytorch/vision torchvision/datasets/cifar.py (md5)"
TFDS = "tensorflow/datasets tensorflow_datasets/url_checksums/{}.txt (sha256 of the .gz)"
GENLAB_FMNIST = "genlab since its first release (sha256 of the decompressed files; the Debian package matches)"
PUBLIC_RAW_MNIST = ("md5 of the uncompressed files as listed in public code (e.g. a prepare_datasets.py that also "
                    "lists Fashion-MNIST's, which match the Debian package's decompressed files)")

PIXELS = "uint8, 0-255 (0 = black)"
COMMON_KEYS = frozenset({"dataset", "root", "data_dir", "val_size", "train_subset", "test_subset", "title"})


@dataclass(frozen=True)
class Checksum:
    algo: str  # md5 | sha256
    of: str  # gz: the published file as downloaded | raw: decompressed / extracted content
    hexdigest: str
    source: str  # where the number is published


@dataclass(frozen=True)
class OfficialFile:
    name: str  # IDX: without .gz ("train-images-idx3-ubyte"); CIFAR: the batch's name
    role: str  # train_images | train_labels | test_images | test_labels | train | test | meta | archive
    count: int | None  # items in the official file
    checksums: tuple[Checksum, ...] = ()


@dataclass(frozen=True)
class Dataset:
    key: str
    title: str
    format: str  # idx | cifar10 | image_folder | npz | kitti
    summary: str  # one line for `genlab data`
    shape: tuple[int, int, int] | None  # (C, H, W) of the official release; None: from the files
    classes: tuple[str, ...] | None  # None: from the files (or unlabelled)
    classes_from: str = ""  # how classes are found when not declared
    train_size: int | None = None
    test_size: int | None = None
    files: tuple[OfficialFile, ...] = ()
    downloads: tuple[str, ...] = ()  # file names fetched from each base URL
    base_urls: tuple[str, ...] = ()  # tried in order
    debian_dir: Path | None = None
    debian_package: str = ""
    keys: frozenset[str] = COMMON_KEYS
    pixels: str = PIXELS
    archive: OfficialFile | None = None  # one published file holding all of `files` (CIFAR-10)
    folder: str = ""  # the folder the archive unpacks to
    mirror: bool = False  # a left-right flip keeps an image's class (clothes, photos; not digits or characters)

    @property
    def downloadable(self) -> bool:
        return bool(self.base_urls)


def _idx_files(counts: tuple[int, int], digests: dict[str, tuple[Checksum, ...]]) -> tuple[OfficialFile, ...]:
    train, test = counts
    return (OfficialFile("train-images-idx3-ubyte", "train_images", train, digests["train-images-idx3-ubyte"]),
            OfficialFile("train-labels-idx1-ubyte", "train_labels", train, digests["train-labels-idx1-ubyte"]),
            OfficialFile("t10k-images-idx3-ubyte", "test_images", test, digests["t10k-images-idx3-ubyte"]),
            OfficialFile("t10k-labels-idx1-ubyte", "test_labels", test, digests["t10k-labels-idx1-ubyte"]))


def _digests(*columns: tuple[str, str, str, tuple[str, str, str, str]]) -> dict[str, tuple[Checksum, ...]]:
    """Per IDX file, the checksums of each column (algo, of, source, four digests in file order)."""
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    return {name: tuple(Checksum(algo, of, digests[i], source) for algo, of, source, digests in columns)
            for i, name in enumerate(names)}


IDX_DOWNLOADS = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

FASHION_MNIST = Dataset(
    key="fashion_mnist", title="Fashion-MNIST", format="idx", mirror=True,
    summary="Zalando's 70,000 grey 28×28 clothing images, 10 classes (IDX files)",
    shape=(1, 28, 28), classes=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    train_size=60000, test_size=10000, downloads=IDX_DOWNLOADS,
    base_urls=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    debian_dir=Path("/usr/share/datasets/fashion-mnist"), debian_package="dataset-fashion-mnist",
    files=_idx_files((60000, 10000), _digests(
        ("sha256", "raw", GENLAB_FMNIST, ("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                                          "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                                          "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
                                          "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34")),
        ("md5", "gz", TORCHVISION_MNIST, ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
                                          "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310")),
        ("sha256", "gz", TFDS.format("fashion_mnist"),
         ("3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
          "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
          "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
          "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5")))))

MNIST = Dataset(
    key="mnist", title="MNIST", format="idx",
    summary="LeCun, Cortes and Burges' 70,000 grey 28×28 handwritten digits, 10 classes (IDX files)",
    shape=(1, 28, 28), classes=tuple("0123456789"), train_size=60000, test_size=10000, downloads=IDX_DOWNLOADS,
    # yann.lecun.com often refuses downloads; PyTorch's mirror serves the same bytes (same checksums)
    base_urls=("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
    files=_idx_files((60000, 10000), _digests(
        ("md5", "gz", TORCHVISION_MNIST, ("f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
                                          "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c")),
        ("sha256", "gz", TFDS.format("mnist"),
         ("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
          "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
          "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
          "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6")),
        ("md5", "raw", PUBLIC_RAW_MNIST, ("6bbc9ace898e44ae57da46a324031adb", "a25bea736e30d166cdddb491f175f624",
                                          "2646ac647ad5339dbf082846283269ea", "27ae3e4e09519cfbb04c329615203637")))))

KMNIST = Dataset(
    key="kmnist", title="KMNIST", format="idx",
    summary="Kuzushiji-MNIST: 70,000 grey 28×28 cursive hiragana (ROIS-DS CODH), 10 classes (IDX files)",
    shape=(1, 28, 28),
    # お き す つ な は ま や れ を (kmnist_classmap.csv), romanised so any font renders them
    classes=("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
    train_size=60000, test_size=10000, downloads=IDX_DOWNLOADS,
    base_urls=("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",),
    files=_idx_files((60000, 10000), _digests(
        ("md5", "gz", TORCHVISION_MNIST, ("bdb82020997e1d708af4cf47b453dcf7", "e144d726b3acfaa3e44228e80efcd344",
                                          "5c965bf0a639b31b8f53240b1b52f4d7", "7320c461ea6c1c855c0b718fb2a4b134")),
        ("sha256", "gz", TFDS.format("kmnist"),
         ("51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4",
          "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17",
          "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5",
          "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c")))))


def _cifar_file(name: str, role: str, count: int | None, md5: str) -> OfficialFile:
    return OfficialFile(name, role, count, (Checksum("md5", "raw", md5, TORCHVISION_CIFAR),))


CIFAR10_ARCHIVE = OfficialFile("cifar-10-python.tar.gz", "archive", None,
                               (Checksum("md5", "gz", "c58f30108f718f92721af3b95e74349a", TORCHVISION_CIFAR),))
CIFAR10 = Dataset(
    key="cifar10", title="CIFAR-10", format="cifar10", mirror=True,
    summary="Krizhevsky's 60,000 colour 32×32 photographs, 10 classes (python pickle batches)",
    shape=(3, 32, 32), classes=("airplane", "automobile", "bird", "cat", "deer",
                                "dog", "frog", "horse", "ship", "truck"),
    train_size=50000, test_size=10000, downloads=(CIFAR10_ARCHIVE.name,),
    base_urls=("https://www.cs.toronto.edu/~kriz/",),
    files=(_cifar_file("data_batch_1", "train", 10000, "c99cafc152244af753f735de768cd75f"),
           _cifar_file("data_batch_2", "train", 10000, "d4bba439e000b95fd0a9bffe97cbabec"),
           _cifar_file("data_batch_3", "train", 10000, "54ebc095f3ab1f0389bbae665268c751"),
           _cifar_file("data_batch_4", "train", 10000, "634d18415352ddfa80567beed471001a"),
           _cifar_file("data_batch_5", "train", 10000, "482c414d41f54cd18b22e5b47cb7c3cb"),
           _cifar_file("test_batch", "test", 10000, "40351d587109b95175f43aff81a1287e"),
           _cifar_file("batches.meta", "meta", None, "5ff9c542aee3614f3951f8cda6e48888")),
    archive=CIFAR10_ARCHIVE, folder="cifar-10-batches-py")

IMAGE_FOLDER = Dataset(
    key="image_folder", title="image folder", format="image_folder",
    summary="PNG/JPEG files: ROOT/train/CLASS/* + ROOT/test/CLASS/*, ROOT/CLASS/*, or ROOT/* (unlabelled)",
    shape=None, classes=None, classes_from="the class folders' names (none for a flat folder)",
    keys=COMMON_KEYS | {"image_size", "channels", "test_share"})

NPZ = Dataset(
    key="npz", title="npz arrays", format="npz",
    summary="a NumPy .npz: x_train/y_train/x_test/y_test, train_images/..., or images[/labels]",
    shape=None, classes=None, classes_from="the `classes` array, else 0..K-1 (none without labels)",
    keys=COMMON_KEYS | {"test_share"})

KITTI = Dataset(
    key="kitti", title="KITTI", format="kitti",
    summary="KITTI object detection, read by the kitti study only (training/image_2, training/label_2)",
    shape=None, classes=None, classes_from="the kitti study's settings", keys=frozenset({"dataset", "root"}))

CATALOG: dict[str, Dataset] = {d.key: d for d in (FASHION_MNIST, MNIST, KMNIST, CIFAR10, IMAGE_FOLDER, NPZ, KITTI)}
IMAGE_DATASETS = tuple(k for k, d in CATALOG.items() if d.format != "kitti")  # what genlab.data.load reads


def get(key: str) -> Dataset:
    """The declaration of dataset `key`, or one line listing the known ones."""
    if key in CATALOG:
        return CATALOG[key]
    close = difflib.get_close_matches(str(key), CATALOG, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise GenlabError(f"data.dataset {key!r} is not a known dataset{hint}; known: {', '.join(CATALOG)}")


def users_of(key: str) -> list[str]:
    """The datasets that accept config key `key`."""
    return [d.key for d in CATALOG.values() if key in d.keys]
