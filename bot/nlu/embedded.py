"""The embedded NLU engine: character and word n-grams with a linear model, trained from nlu/data.

It needs no service and works across scripts (Latin, Arabic, Ge'ez) and spellings because it reads
character n-grams of normalised text. A second model of the same kind names the language a message
is written in. The trained models are cached under a key of the training data, so they are trained
again only when the data (or this engine) changes. The cache is written and read by this process
only: it is a pickle, never load one from elsewhere.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from bot.nlu.data import Example, expand, read_examples
from bot.nlu.entities import extract_entities
from bot.nlu.normalise import normalise

log = logging.getLogger(__name__)
ENGINE_VERSION = "1"  # bump when features or model change, so caches are rebuilt
RANKING_SIZE = 10


def features() -> FeatureUnion:
    return FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    token_pattern=r"(?u)\b\w+\b",
                    sublinear_tf=True,
                ),
            ),
        ]
    )


def classifier(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=3000)


@dataclass
class Models:
    """The two trained pipelines and where they came from."""

    intents: Pipeline
    languages: Pipeline
    key: str
    trained_seconds: float
    examples: int


def data_key(paths: list[Path]) -> str:
    digest = hashlib.sha256(f"{ENGINE_VERSION}:{sklearn.__version__}".encode())
    for path in expand(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def train(examples: list[Example], key: str) -> Models:
    """Fit the intent and the language model on normalised examples."""
    started = time.perf_counter()
    texts = [normalise(e.text) for e in examples]
    intents = Pipeline([("features", features()), ("model", classifier(20.0))])
    intents.fit(texts, [e.intent for e in examples])
    languages = Pipeline(
        [
            (
                "features",
                TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True),
            ),
            ("model", classifier(10.0)),
        ]
    )
    languages.fit(texts, [e.language for e in examples])
    return Models(intents, languages, key, time.perf_counter() - started, len(examples))


class EmbeddedNLU:
    """Parses text into Rasa's /model/parse shape, plus the language it is written in."""

    name = "embedded"

    def __init__(self, data: list[Path], cache_dir: Path | None = None) -> None:
        self.data = data
        self.cache_dir = cache_dir
        self._models: Models | None = None

    @property
    def models(self) -> Models:
        if self._models is None:
            self._models = self.load_or_train()
        return self._models

    def load_or_train(self, force: bool = False) -> Models:
        key = data_key(self.data)
        cached = self.cache_dir / f"embedded-{key}.pickle" if self.cache_dir else None
        if cached is not None and cached.is_file() and not force:
            with cached.open("rb") as f:
                models: Models = pickle.load(f)
            return models
        models = train(read_examples(self.data), key)
        log.info(
            "nlu_trained", extra={"examples": models.examples, "seconds": models.trained_seconds}
        )
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(".tmp")
            with partial.open("wb") as f:
                pickle.dump(models, f)
            partial.replace(cached)  # readers never see half a file
        return models

    def detect_language(self, text: str) -> tuple[str, float]:
        """The most likely supported language of `text`, and how sure the model is."""
        model = self.models.languages
        probabilities = model.predict_proba([normalise(text)])[0]
        best = int(probabilities.argmax())
        return str(model.classes_[best]), float(probabilities[best])

    def parse(self, text: str) -> dict[str, Any]:
        model = self.models.intents
        probabilities = model.predict_proba([normalise(text)])[0]
        order = probabilities.argsort()[::-1][:RANKING_SIZE]
        ranking = [
            {"name": str(model.classes_[i]), "confidence": round(float(probabilities[i]), 4)}
            for i in order
        ]
        language, language_confidence = self.detect_language(text)
        return {
            "text": text,
            "intent": ranking[0],
            "intent_ranking": ranking,
            "entities": extract_entities(text),
            "language": language,
            "language_confidence": round(language_confidence, 4),
            "engine": self.name,
        }
