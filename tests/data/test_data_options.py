"""`data:` settings: each dataset's keys, old names, values, and the limits that need the
data's size (checked at load, one line, before any run folder)."""
from __future__ import annotations

import subprocess
import sys

import pytest
from data_checks import assert_one_line, load_error
from data_writers import write_idx, write_image_folder

from genlab.config import DataConfig as FromConfig
from genlab.config import from_dict
from genlab.data import catalog, load
from genlab.data.options import DataConfig, val_size_for
from genlab.errors import GenlabError


def build(**raw) -> DataConfig:
    return from_dict(DataConfig, raw, "data")


def refused(fragment: str, **raw) -> str:
    with pytest.raises(GenlabError) as info:
        build(**raw)
    message = str(info.value)
    assert "\n" not in message and fragment.lower() in message.lower(), message
    return message


def test_config_reexports_the_data_options():
    assert FromConfig is DataConfig
    assert DataConfig().dataset == "fashion_mnist" and DataConfig().root is None


def test_every_catalog_dataset_is_accepted():
    for key in catalog.CATALOG:
        assert build(dataset=key).dataset == key


def test_unknown_dataset_suggests_one():
    refused("did you mean 'cifar10'", dataset="cifar")
    refused("known: fashion_mnist, mnist", dataset="imagenet")


@pytest.mark.parametrize("dataset,key,value,users", [
    ("fashion_mnist", "image_size", 32, "it is for image_folder"),
    ("cifar10", "channels", 1, "it is for image_folder"),
    ("mnist", "test_share", 0.2, "it is for image_folder, npz"),
    ("npz", "image_size", 32, "it is for image_folder"),
    ("kitti", "val_size", 10, "fashion_mnist, mnist, kmnist, cifar10, image_folder, npz (KITTI is given by data.root)"),
])
def test_a_key_the_dataset_does_not_use_names_its_users(dataset, key, value, users):
    message = refused(f"data.{key} is not used by the {dataset} dataset", dataset=dataset, **{key: value})
    assert users in message


def test_data_dir_is_read_as_root():
    cfg = build(dataset="mnist", data_dir="/somewhere")
    assert cfg.root == "/somewhere" and cfg.data_dir is None
    refused("set only one of them", dataset="mnist", data_dir="/a", root="/b")
    refused("data.data_dir is not used by the kitti dataset", dataset="kitti", data_dir="/a")
    assert build(dataset="kitti", root="/k").root == "/k"


@pytest.mark.parametrize("raw,fragment", [
    ({"val_size": -1}, "data.val_size must be from 0 to the number of training images minus one"),
    ({"train_subset": 0}, "data.train_subset must be a positive integer"),
    ({"test_subset": -3}, "data.test_subset must be a positive integer"),
    ({"dataset": "image_folder", "channels": 2}, "data.channels must be 1 (grey) or 3"),
    ({"dataset": "npz", "test_share": 1.0}, "data.test_share must be between 0 and 1"),
    ({"dataset": "npz", "test_share": 0}, "data.test_share must be between 0 and 1"),
    ({"dataset": "image_folder", "image_size": 0}, "data.image_size must be a side or [height, width]"),
    ({"dataset": "image_folder", "image_size": [1, 2, 3]}, "data.image_size must be"),
    ({"dataset": "image_folder", "image_size": "big"}, "data.image_size must be"),
    ({"dataset": "image_folder", "image_size": 10**6}, "data.image_size must be"),
    ({"title": " "}, "data.title must not be empty"),
    ({"root": ""}, "data.root must be a folder or file path"),
    ({"root": 5}, "data.root must be a string"),
])
def test_bad_values_are_one_line(raw, fragment):
    refused(fragment, **raw)


def test_image_size_is_height_width():
    assert build(dataset="image_folder", image_size=32).image_size == [32, 32]
    assert build(dataset="image_folder", image_size=[24, 40]).image_size == [24, 40]


def test_default_val_size_is_a_tenth_at_most_5000():
    cfg = DataConfig()
    assert val_size_for(cfg, 60000) == 5000 and val_size_for(cfg, 50000) == 5000
    assert val_size_for(cfg, 1000) == 100 and val_size_for(DataConfig(val_size=7), 1000) == 7


@pytest.mark.parametrize("options,fragment", [
    ({"val_size": 30}, "data.val_size=30 leaves no training images (the training split holds 30)"),
    ({"val_size": 10, "train_subset": 21}, "data.train_subset=21 is more than the 20 training images left"),
    ({"test_subset": 11}, "data.test_subset=11 is more than the 10 test images"),
])
def test_limits_need_the_data_and_are_checked_at_load(tmp_path, options, fragment):
    write_idx(tmp_path, n_train=30, n_test=10)
    assert_one_line(load_error("mnist", tmp_path, **options), "MNIST", fragment)


def test_limits_at_the_edge_pass(tmp_path):
    write_idx(tmp_path, n_train=30, n_test=10)
    load(DataConfig(dataset="mnist", root=str(tmp_path), val_size=29, train_subset=1, test_subset=10))


def test_folder_default_val_share(tmp_path):
    write_image_folder(tmp_path, "split", n_train=40, n_test=10)
    from genlab.data.splits import make_splits

    splits = make_splits(DataConfig(dataset="image_folder", root=str(tmp_path)), 0)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (36, 4, 10)


def test_options_and_catalog_import_without_torch():
    code = ("import sys, genlab.config, genlab.data.options, genlab.data.catalog, genlab.data.formats, "
            "genlab.data.describe; print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


def test_title_is_a_display_name(tmp_path):
    write_idx(tmp_path, n_train=30, n_test=10)
    assert load(DataConfig(dataset="mnist", root=str(tmp_path), title="My digits")).title == "My digits"
    assert load(DataConfig(dataset="mnist", root=str(tmp_path))).title == "MNIST"
