"""Assertions the data tests share (a uniquely named helper module)."""
from __future__ import annotations

import pytest

from genlab.data import load
from genlab.data.options import DataConfig
from genlab.errors import GenlabError


def load_error(dataset: str, root, **options) -> str:
    """The one-line error loading `dataset` from `root` raises."""
    with pytest.raises(GenlabError) as info:
        load(DataConfig(dataset=dataset, root=str(root), **options))
    return str(info.value)


def assert_one_line(message: str, title: str, *fragments: str) -> None:
    """One line, starting with the dataset's name, holding every fragment (case-insensitive)."""
    assert "\n" not in message, message
    assert message.startswith(f"{title}: "), message
    for fragment in fragments:
        assert fragment.lower() in message.lower(), (fragment, message)
