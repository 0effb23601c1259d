"""Where the built-in templates and shared content live, installed or in a checkout.

A wheel carries ``templates/`` inside the package (the build maps the top-level
folder to ``packets/templates``), so an installed tool never depends on the folder
it was built from. Running from a checkout (editable install, or ``PYTHONPATH``)
finds the same files in the repository's top-level ``templates/``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def templates_dir() -> Path:
    """The built-in templates folder (``packet.html``, ``packet.css``, ``content/``)."""
    packaged = Path(str(files("packets"))) / "templates"
    if (packaged / "packet.html").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "templates"


def content_dir() -> Path:
    """Shared aftercare content, one YAML file per language."""
    return templates_dir() / "content"


def inside(path: Path, folder: Path) -> Path | None:
    """``path`` with every link followed, if that lies inside ``folder`` (links followed too); else None.

    Checked before any file a clinic folder holds or names is opened, and the resolved
    path is the one to open: a symbolic link pointing out of the folder is refused
    without its target ever being read.
    """
    try:
        real = path.resolve()
        return real if real.is_relative_to(folder.resolve()) else None
    except (OSError, RuntimeError):  # a link loop
        return None
