"""Accuracy, macro-F1 and parse latency of both NLU engines on the held-out sets, as Markdown.

    python -m bench.nlu_report [--rasa-url URL --rasa-token TOKEN] > bench/NLU.md

Without --rasa-url only the embedded engine is measured. The embedded engine's training time is
measured here, from scratch; Rasa's comes from `werkpad nlu train --engine rasa`.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from bot.config import REPO_ROOT
from bot.nlu import EmbeddedNLU, RasaNLU
from bot.nlu.data import read_examples, unseen
from bot.nlu.evaluate import evaluate

DATA = REPO_ROOT / "nlu" / "data" / "nlu"
TESTS = sorted((REPO_ROOT / "nlu" / "tests").glob("*.yml"))


def table(results: list[dict[str, Any]]) -> list[str]:
    languages = sorted(results[0]["per_language"])
    head = "| engine | all | " + " | ".join(languages) + " | parse p50 | parse p95 |"
    rows = [head, "|---" * (len(languages) + 4) + "|"]
    for r in results:
        cells = [f"{r['accuracy']:.3f} / {r['macro_f1']:.3f}"]
        cells += [
            f"{r['per_language'][lang]['accuracy']:.3f} / {r['per_language'][lang]['macro_f1']:.3f}"
            for lang in languages
        ]
        latency = f"{r['latency_ms']['p50']:.1f} ms | {r['latency_ms']['p95']:.1f} ms"
        rows.append(f"| {r['engine']} | " + " | ".join(cells) + f" | {latency} |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rasa-url")
    parser.add_argument("--rasa-token")
    parser.add_argument("--rasa-train-seconds", type=float)
    args = parser.parse_args()
    training = read_examples([DATA])
    everything = read_examples(TESTS)
    examples = unseen(everything, training)
    with tempfile.TemporaryDirectory() as cache:
        embedded = EmbeddedNLU([DATA], Path(cache))
        trained = embedded.models
        results = [evaluate(embedded, examples)]
        if args.rasa_url:
            results.append(
                evaluate(RasaNLU(args.rasa_url, embedded, args.rasa_token, 10), examples)
            )
    print("# NLU evaluation\n")
    print(
        f"Held-out sets `nlu/tests/*.yml`, written apart from the {len(training)} training "
        f"examples in `nlu/data/nlu/`: {len(examples)} messages, leaving out the "
        f"{len(everything) - len(examples)} that also occur in the training data (short common "
        'ones such as "cv" or "hoi"). Cells: accuracy / macro-F1.\n'
    )
    print("\n".join(table(results)))
    print(f"\nTraining: embedded {trained.trained_seconds:.0f} s", end="")
    if args.rasa_train_seconds:
        print(f", Rasa (DIET, 40 epochs) {args.rasa_train_seconds:.0f} s", end="")
    print(
        " on 2 cores. Language detection (embedded, used by both engines): "
        f"{results[0]['language_detection_accuracy']:.3f}.\n"
    )
    for r in results:
        weakest = sorted(r["per_intent"].items(), key=lambda item: item[1]["f1"])[:5]
        print(
            f"Weakest intents ({r['engine']}): "
            + ", ".join(f"{name} {row['f1']:.2f}" for name, row in weakest)
            + "."
        )
    print(
        "\nReproduce: `python -m bench.nlu_report --rasa-url http://127.0.0.1:5005 --rasa-token T`"
        " with a Rasa server trained by `werkpad nlu train --engine rasa` (see `.ci/rasa`)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
