"""Read NLU examples in Rasa's YAML format (`version: "3.1"`, `nlu:` with `- intent:` blocks).

Entity annotations such as `[34](age)` are removed from the text and returned with offsets, as
Rasa does, so both engines train and evaluate on the same files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

ANNOTATION = re.compile(r"\[(?P<value>[^\]]+)\]\((?P<entity>[a-z_]+)\)")


@dataclass(frozen=True)
class Example:
    """One training or evaluation message."""

    text: str
    intent: str
    language: str  # the file's language: its stem (nl.yml -> nl)
    entities: tuple[tuple[str, str], ...] = ()  # (entity, value)


def parse_annotations(line: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """('I am 34', (('age', '34'),)) from 'I am [34](age)'."""
    entities = tuple((m["entity"], m["value"]) for m in ANNOTATION.finditer(line))
    return ANNOTATION.sub(lambda m: m["value"], line), entities


def read_examples(paths: Iterable[Path]) -> list[Example]:
    """Every example in the given files (or the .yml files in given folders)."""
    examples: list[Example] = []
    for path in expand(paths):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []):
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if not line.startswith("- "):
                    continue
                text, entities = parse_annotations(line[2:].strip())
                if text:
                    examples.append(Example(text, block["intent"], path.stem, entities))
    return examples


def unseen(examples: list[Example], training: list[Example]) -> list[Example]:
    """The examples whose text (normalised) does not occur in the training data: short, common
    messages ("hoi", "cv") are bound to appear in both and say nothing about generalising."""
    from bot.nlu.normalise import normalise

    known = {normalise(e.text) for e in training}
    return [e for e in examples if normalise(e.text) not in known]


def expand(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.yml")) if path.is_dir() else [path]
    return files
