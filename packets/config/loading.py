"""Find, load and validate a clinic's config.

Returns a ``LoadedClinic``: the validated model plus where it came from, so later
steps (content merge, assets) can point their own errors at the right line.
Every problem in a file is reported in one pass, each with file, line and key path.
"""

from __future__ import annotations

import difflib
import os
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from packets.config.branding import contrast_problems, logo_problems
from packets.config.schema import Clinic
from packets.config.yamlfile import LineMap, load_yaml
from packets.errors import ConfigError, Problem
from packets.textsafety import excerpt

CONFIG_NAME = "clinic.yaml"


@dataclass(frozen=True)
class LoadedClinic:
    """A validated clinic config and the place it was read from."""

    clinic: Clinic
    path: Path
    lines: LineMap
    files: tuple = ()  # ``folder_stamp`` when loaded: a long-running station reloads when it changes

    @property
    def folder(self) -> Path:
        return self.path.parent

    def line(self, *keys: Any) -> int | None:
        """Line of the deepest key of ``keys`` that exists in the file."""
        for n in range(len(keys), 0, -1):
            if keys[:n] in self.lines:
                return self.lines[keys[:n]]
        return None

    def problem(self, keys: tuple[Any, ...], message: str, severity: str = "error") -> Problem:
        return Problem(str(self.path), self.line(*keys), ".".join(map(str, keys)), message, severity)


ENV_CLINICS = "PACKETS_CLINICS"


def clinic_folders(extra: Path | str | None = None) -> tuple[Path, ...]:
    """Where clinic ids are looked up, in order: ``./clinics``, then ``extra``, then ``$PACKETS_CLINICS``.

    The current folder comes first so a clinic works from its own folder, wherever
    the tool is installed; ``--clinics`` and the environment variable add shared places.
    """
    folders = [Path.cwd() / "clinics"]
    if extra:
        folders.append(Path(extra))
    for part in os.environ.get(ENV_CLINICS, "").split(os.pathsep):
        if part:
            folders.append(Path(part))
    unique: list[Path] = []
    for folder in folders:
        resolved = folder.expanduser().resolve()
        if resolved not in unique:
            unique.append(resolved)
    return tuple(unique)


def known_clinic_ids(folders: tuple[Path, ...]) -> list[str]:
    return sorted({p.parent.name for folder in folders if folder.is_dir() for p in folder.glob(f"*/{CONFIG_NAME}")})


def resolve_clinic_path(id_or_path: str, folders: tuple[Path, ...] | None = None) -> Path:
    """``sunrise-iv`` means ``<folder>/sunrise-iv/clinic.yaml`` in the first folder that has it; a path is used as given."""
    folders = clinic_folders() if folders is None else folders
    candidate = Path(id_or_path)
    if candidate.is_dir():
        candidate = candidate / CONFIG_NAME
    if candidate.is_file():
        return candidate.resolve()
    if "/" not in id_or_path and id_or_path not in ("", ".", ".."):
        for folder in folders:
            by_id = folder / id_or_path / CONFIG_NAME
            if by_id.is_file():
                return by_id.resolve()
    known = known_clinic_ids(folders)
    searched = ", ".join(str(f) for f in folders)
    raise ConfigError([Problem(id_or_path, None, "", (
        f"no clinic config here. Searched {searched}; clinic ids found: {', '.join(known) or 'none'}. "
        f"Give one of those ids, the path to a {CONFIG_NAME}, or --clinics DIR ({ENV_CLINICS})."))])


# Files in a clinic's folder that can change a packet (schedules and outputs cannot).
PACKET_FILE_SUFFIXES = frozenset({".yaml", ".yml", ".html", ".css", ".j2", ".svg", ".png", ".jpg", ".jpeg", ".gif",
                                  ".webp", ".ttf", ".otf", ".woff", ".woff2"})


def folder_stamp(config: Path) -> tuple:
    """Name, size and change time of every file in the clinic's folder that can change a packet.

    Cheap (a few ``stat`` calls), so a server can ask on every request whether a
    clinic it loaded earlier was edited since, and bases made for the old files are
    never reused for the new ones (``render.base.group_key``).
    """
    folder = config.parent
    stamp = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.suffix.lower() in PACKET_FILE_SUFFIXES and not any(part.startswith(".") for part in relative.parts):
            try:
                info = path.stat()
            except OSError:
                continue
            stamp.append((relative.as_posix(), info.st_size, info.st_mtime_ns))
    return tuple(stamp)


def load_clinic(id_or_path: str, folders: tuple[Path, ...] | None = None) -> LoadedClinic:
    """Load and validate one clinic config; raise ``ConfigError`` listing every problem."""
    folders = clinic_folders() if folders is None else folders
    path = resolve_clinic_path(id_or_path, folders)
    data, lines = load_yaml(path)
    name = str(path)
    if not isinstance(data, dict):
        raise ConfigError([Problem(name, 1, "", "the file must be a set of 'key: value' lines (a YAML mapping).")])
    region = data.get("country", "US") if isinstance(data.get("country"), str) else "US"
    try:
        clinic = Clinic.model_validate(data, context={"region": region})
    except ValidationError as exc:
        raise ConfigError([_problem_from(err, name, lines) for err in exc.errors()]) from None
    loaded = LoadedClinic(clinic, path, lines, folder_stamp(path))
    problems = _check_files(loaded) + [loaded.problem(keys, message) for keys, message in contrast_problems(clinic.branding)]
    if clinic.id != path.parent.name and path.parent.parent in folders:
        problems.append(loaded.problem(("id",), f"id '{clinic.id}' does not match the folder name '{path.parent.name}'. "
                                       "Make them the same."))
    if problems:
        raise ConfigError(problems)
    return loaded


def _check_files(loaded: LoadedClinic) -> list[Problem]:
    """Files the config names must exist inside the clinic folder."""
    problems = []
    named = {("logo",): loaded.clinic.logo, ("branding", "css"): loaded.clinic.branding.css}
    for keys, rel in named.items():
        if rel is None:
            continue
        target = (loaded.folder / rel).resolve()
        if not target.is_relative_to(loaded.folder.resolve()):
            problems.append(loaded.problem(keys, f"'{rel}' is outside the clinic folder. "
                                           f"Put the file in {loaded.folder} and name it relative to it."))
        elif not target.is_file():
            problems.append(loaded.problem(keys, f"file '{rel}' not found in {loaded.folder}. Check the file name."))
        elif keys == ("logo",):
            problems.extend(loaded.problem(where, message) for where, message in logo_problems(target))
    return problems


def _problem_from(err: Any, file: str, lines: LineMap) -> Problem:
    loc = tuple(err["loc"])
    # Pydantic adds the Literal/union branch name to the location; drop such parts.
    loc = tuple(p for p in loc if not (isinstance(p, str)
                                       and (p.startswith("literal[") or p in ("int", "str", "constrained-int", "[key]"))))
    line = None
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            line = lines[loc[:n]]
            break
    where = ".".join(map(str, loc))
    return Problem(file, line, where, _comment_message(err, loc, file, line) or _plain_message(err, loc))


def _comment_message(err: Any, loc: tuple[Any, ...], file: str, line: int | None) -> str | None:
    """``primary: #1F4E79`` is read by YAML as an empty value and a comment: say so."""
    if err.get("input", "") is not None or line is None or not loc:
        return None
    try:
        text = Path(file).read_text(encoding="utf-8").splitlines()[line - 1]
    except (OSError, UnicodeDecodeError, IndexError):
        return None
    key, _, rest = text.partition(":")
    value = rest.strip()
    if not value.startswith("#"):
        return None
    word = value.split()[0]
    if not re.fullmatch(r"#[0-9A-Fa-f]{3,8}", word):
        return None  # a real comment after an empty key: the plain message says what the key needs
    return f"YAML read '{word}' as a comment, so this key is empty. Put colours in quotes: {key.strip()}: \"{word}\"."


def _plain_message(err: Any, loc: tuple[Any, ...]) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        near = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f" Did you mean '{near[0]}'?" if near else f" Allowed keys here: {', '.join(allowed)}." if allowed else ""
        return f"unknown key {excerpt(loc[-1])}.{hint}"
    if kind == "missing":
        return f"required key '{loc[-1]}' is missing. Add it."
    if kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"YAML read this as the number {value}; put this value in quotes, e.g. \"{value}\"."
    if kind == "string_type" and isinstance(value, bool):
        return "YAML read this as yes/no; put this value in quotes."
    if kind in ("literal_error", "enum"):
        return f"{excerpt(value)} is not allowed here; use {err['ctx']['expected']}."
    if kind == "string_pattern_mismatch":
        return f"{excerpt(value)} has the wrong form (expected pattern {err['ctx']['pattern']})."
    if kind == "value_error":
        return str(err["ctx"]["error"])
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{excerpt(value)} must be a whole number, without quotes."
    msg = err["msg"]
    return msg[0].lower() + msg[1:] + "."


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found at ``loc`` inside ``Clinic``."""
    model: Any = Clinic
    for part in loc:
        if isinstance(part, int):
            continue
        if isinstance(model, type) and issubclass(model, BaseModel) and part in model.model_fields:
            model = _unwrap(model.model_fields[part].annotation)
        elif typing.get_origin(model) is dict:
            model = _unwrap(typing.get_args(model)[1])
        else:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``; other annotations unchanged."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, getattr(__import__("types"), "UnionType", None)) and len(args) == 1:
        return args[0]
    return annotation
