"""Train the Rasa model from nlu/: normalised copies of the training data, then `rasa train nlu`.

The bot normalises text before it asks Rasa, so Rasa must learn from normalised text too. Rasa runs
from its own environment (RASA_BIN, or `rasa` on the PATH); see deploy/rasa/.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from bot.nlu.normalise import normalise


def export_project(nlu_dir: Path, out: Path) -> Path:
    """Write config.yml, domain.yml and normalised data/nlu/*.yml into `out`; return it."""
    (out / "data" / "nlu").mkdir(parents=True, exist_ok=True)
    for name in ("config.yml", "domain.yml"):
        shutil.copyfile(nlu_dir / name, out / name)
    for path in sorted((nlu_dir / "data" / "nlu").glob("*.yml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        normalised = [
            line[: line.index("- ") + 2] + normalise(line[line.index("- ") + 2 :])
            if line.lstrip().startswith("- ") and line.startswith("    ")
            else line
            for line in lines
        ]
        (out / "data" / "nlu" / path.name).write_text("\n".join(normalised) + "\n", "utf-8")
    return out


def train_rasa(nlu_dir: Path, out: Path, rasa_bin: str = "rasa") -> tuple[Path, float]:
    """Train Rasa's NLU model into out/models/nlu.tar.gz; return it and the seconds it took."""
    project = export_project(nlu_dir, out)
    started = time.perf_counter()
    subprocess.run(
        [
            rasa_bin,
            "train",
            "nlu",
            "-c",
            "config.yml",
            "-u",
            "data/nlu",
            "--out",
            "models",
            "--fixed-model-name",
            "nlu",
        ],
        cwd=project,
        check=True,
    )
    return project / "models" / "nlu.tar.gz", time.perf_counter() - started
