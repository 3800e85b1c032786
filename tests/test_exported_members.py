"""Each package's public surface is exactly its __all__, and everything in it exists."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("name", ["bot.core", "bot.storage"])
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert sorted(exported) == sorted(set(exported))
    for member in exported:
        assert hasattr(module, member), f"{name}.{member}"
    public = {n for n in vars(module) if not n.startswith("_")}
    submodules = {n for n in public if type(getattr(module, n)).__name__ == "module"}
    assert public - submodules - {"annotations"} == set(exported)
