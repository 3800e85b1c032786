"""Evaluate an engine on held-out examples: accuracy, macro-F1 per intent and language, latency."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from typing import Any

from bot.nlu import NLU
from bot.nlu.data import Example


def f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def scores(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-intent precision/recall/F1 from (expected, predicted) pairs."""
    labels = sorted({expected for expected, _ in pairs})
    per_intent: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(1 for e, p in pairs if e == label and p == label)
        predicted = sum(1 for _, p in pairs if p == label)
        support = sum(1 for e, _ in pairs if e == label)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        per_intent[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1(precision, recall), 4),
            "support": support,
        }
    accuracy = sum(1 for e, p in pairs if e == p) / len(pairs) if pairs else 0.0
    macro = statistics.mean(v["f1"] for v in per_intent.values()) if per_intent else 0.0
    return {
        "n": len(pairs),
        "accuracy": round(accuracy, 4),
        "macro_f1": round(macro, 4),
        "per_intent": per_intent,
    }


def evaluate(engine: NLU, examples: list[Example]) -> dict[str, Any]:
    """Parse every example once; report overall, per intent, per language and parse latency."""
    pairs: list[tuple[str, str]] = []
    by_language: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)
    language_hits = 0
    latencies: list[float] = []
    for example in examples:
        started = time.perf_counter()
        parse = engine.parse(example.text)
        latencies.append((time.perf_counter() - started) * 1000)
        pair = (example.intent, str(parse["intent"]["name"]))
        pairs.append(pair)
        by_language[example.language].append(pair)
        language_hits += parse.get("language") == example.language
    result = scores(pairs)
    result["per_language"] = {
        lang: {k: v for k, v in scores(p).items() if k != "per_intent"}
        for lang, p in sorted(by_language.items())
    }
    result["language_detection_accuracy"] = (
        round(language_hits / len(examples), 4) if examples else 0.0
    )
    ordered = sorted(latencies)
    result["latency_ms"] = {
        "p50": round(statistics.median(ordered), 3) if ordered else 0.0,
        "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 3)
        if ordered
        else 0.0,
    }
    result["engine"] = engine.name
    return result
