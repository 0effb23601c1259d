"""Write output files so that nothing half-written is ever printed.

Packets carry health information: folders are created owner-only (0700) and files
0600. Every file is written to a hidden temporary name in the target folder and
renamed into place, so a crash, a Ctrl-C or a full disk leaves either the old file
or the new one, never a partial PDF.

Output paths are checked before anything is rendered (``check_output_file``,
``check_output_folder``): a device, a folder where a file is wanted, a path under a
regular file, or a symbolic link where the tool writes a folder of patient files is
refused with one line (``OutputPathError``). Folders the tool did not create keep
their mode. Any other ``OSError`` while writing (disk full, read-only, permission) is
turned into one line by ``os_error_message``.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from packets.errors import PacketsError

TEMP_PREFIX = ".partial-"


class OutputPathError(PacketsError):
    """An output path the tool will not write to; the message says why and what to give."""


def os_error_message(exc: OSError, path: Path | str | None = None) -> str:
    """One line for any OSError: the path and the cause (disk full, read-only, permission...)."""
    where = exc.filename or path or "the output"
    cause = exc.strerror or type(exc).__name__
    return f"could not write {where}: {cause}. Nothing half-written was left; free space or fix permissions and run again."


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _existing_ancestor(path: Path) -> Path:
    """The nearest part of ``path`` that exists (``path`` itself if it does)."""
    while not os.path.lexists(path) and path != path.parent:
        path = path.parent
    return path


def check_output_file(path: Path) -> None:
    """``path`` must be a regular file (or nothing yet) in an existing or creatable folder."""
    try:
        if os.path.lexists(path):
            mode = path.stat().st_mode if path.exists() else path.lstat().st_mode
            if not stat.S_ISREG(mode):
                like = f"{path}/packet.pdf" if stat.S_ISDIR(mode) else "out/packet.pdf"
                raise OutputPathError(f"{path} is {_kind(mode)}; --out must be a file path, like {like}.")
        ancestor = _existing_ancestor(path.parent)
        if ancestor.exists() and not ancestor.is_dir():
            raise OutputPathError(f"{path} is under {ancestor}, which is a file, not a folder. Give a path in a folder.")
    except OSError as exc:
        raise OutputPathError(os_error_message(exc, path)) from None


def pdf_file_path(text: str, option: str = "--out") -> Path:
    """The PDF file ``text`` names, refused with the fix when it names a folder or another kind of file.

    ``--out day/`` or ``--out Desktop`` is read as the folder it looks like, never as a
    file called ``day`` that no PDF viewer or printer dialog would open. The tool does
    not make up a file name inside the folder: a name from the patient would put health
    information in a file name, and one from the time could replace another patient's packet.
    """
    if text.endswith(("/", os.sep)):
        raise OutputPathError(f"{option} {text} names a folder; give the PDF's file name in it, like {text}packet.pdf.")
    path = Path(text)
    check_output_file(path)
    if path.suffix.lower() != ".pdf":
        raise OutputPathError(f"{option} {text} does not end in .pdf; give the PDF's file name, like {text}.pdf "
                              f"(or {text}/packet.pdf for a file in a folder {path.name}).")
    return path


def check_output_folder(path: Path) -> None:
    """``path`` must be a real folder (or nothing yet) under existing or creatable folders; never a link."""
    try:
        if path.is_symlink():
            raise OutputPathError(f"{path} is a symbolic link; packets are written only into real folders. "
                                  "Remove the link or give a real folder.")
        if path.exists() and not path.is_dir():
            raise OutputPathError(f"{path} is {_kind(path.stat().st_mode)}, not a folder. Give a folder for the output.")
        ancestor = _existing_ancestor(path)
        if ancestor.exists() and not ancestor.is_dir():
            raise OutputPathError(f"{path} is under {ancestor}, which is a file, not a folder. Give a path in a folder.")
    except OSError as exc:
        raise OutputPathError(os_error_message(exc, path)) from None


def normalised(path: Path) -> Path:
    """``path`` with each ``..`` taken as the kernel would walk it, before anything is created on the way.

    ``out/a/b/../../c`` is ``out/c``: creating it must create ``c`` only, not change
    ``out`` (which ``out/a/b/../..`` is) or leave empty ``a/b`` behind. A path without
    ``..`` is returned as given, so messages keep the path the user typed.
    """
    return Path(os.path.realpath(path)) if ".." in path.parts else path


def make_missing_dirs(path: Path) -> Path:
    """Create ``path`` and any missing parents owner-only; return it ``normalised``.

    Only folders this call creates get mode 0700: an existing folder keeps its mode,
    even one reached through ``..`` or created by someone else meanwhile.
    """
    path = normalised(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue  # not ours: leave its mode alone
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a 0600 temp file in the same folder and rename.

    A device or folder at ``path`` is refused: renaming over ``/dev/full`` as root
    would replace the device node with a file.
    """
    check_output_file(path)
    target = make_missing_dirs(path.parent) / path.name
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(path)  # fsync or write: say which file the disk refused
        raise


def remove_stale_temps(folder: Path) -> int:
    """Delete temp files left by a killed run (a rename never happened)."""
    count = 0
    for stale in folder.glob(f"{TEMP_PREFIX}*.tmp"):
        stale.unlink(missing_ok=True)
        count += 1
    return count
