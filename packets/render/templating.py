"""The Jinja environment: sandboxed, autoescaped, strict, with clinic overrides.

Every template runs in Jinja's immutable sandbox, built-in ones included, so a clinic
override cannot reach Python internals. Autoescape is on for every file name (the
stock ``select_autoescape`` only covers .html/.xml), and ``StrictUndefined`` turns a
misspelt variable into an error instead of a blank on a patient's sheet.

Search order: the clinic's ``templates/`` folder, then the built-in templates. A name
starting with ``!base/`` always means the built-in file, so an override can extend
the very template it replaces. A clinic template that resolves outside the clinic
folder (a symbolic link to ``/etc/...``) is refused: the same rule as the fetcher.

A clinic template is code from outside the project, so it runs within bounds: a
repeat, width, shift or power too large to print is refused by the sandbox, the
rendered text may be at most ``MAX_OUTPUT`` characters, and rendering may take at
most ``TIME_BUDGET`` seconds. Errors name the template file and line and never quote
a value: text from the packet (a patient's name) is cut out of every message.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound, TemplateSyntaxError
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from packets.assets.paths import inside, templates_dir
from packets.config.loading import LoadedClinic
from packets.errors import RenderError
from packets.textsafety import excerpt

BASE_PREFIX = "!base/"
TEMPLATE = "packet.html"
MAX_OUTPUT = 1_000_000  # characters of HTML per packet or card sheet: 25 times a packet, 9 times a sheet
TIME_BUDGET = 5.0  # seconds per packet or card sheet; a packet's template takes milliseconds
MAX_NUMBER = 100_000  # largest repeat count, width or shift a template may ask for
MAX_BITS = 100_000  # largest integer (in bits) a power or product may make
_BIG_FORMAT_WIDTH = re.compile(r"%[-#0 +]*(?:\*|\d{6,})|%[-#0 +]*\d*\.(?:\*|\d{6,})|\{[^{}]*:[^{}]*\d{6,}[^{}]*\}")


class OverrideLoader(BaseLoader):
    """Clinic folder first, built-ins second; ``!base/name`` skips the clinic folder.

    A clinic template is resolved (links followed) and checked to lie inside the
    clinic folder before it is read, and the resolved file is the one read: a link
    out of the folder is refused without its target ever being opened.
    """

    def __init__(self, clinic_dir: Path | None):
        self.builtin = FileSystemLoader(str(templates_dir()))
        self.clinic_dir = clinic_dir if clinic_dir and clinic_dir.is_dir() else None
        # The clinic's folder, not its templates/ folder: a link from templates/ to the
        # clinic's own css or images is fine; anything beyond the clinic is not.
        self.clinic_folder = clinic_dir.parent if clinic_dir else Path("/nonexistent")

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        if template.startswith(BASE_PREFIX):
            return self.builtin.get_source(environment, template[len(BASE_PREFIX):])
        if self.clinic_dir is not None and (found := self._clinic_source(template)) is not None:
            return found
        return self.builtin.get_source(environment, template)

    def _clinic_source(self, template: str) -> tuple[str, str, Callable[[], bool]] | None:
        """The clinic's own ``template`` (None: it has none), read only once known to be inside the clinic."""
        candidate = Path(self.clinic_dir, *split_template_path(template))  # type: ignore[arg-type]
        if not os.path.lexists(candidate):
            return None
        real = inside(candidate, self.clinic_folder)
        if real is None:
            raise TemplateNotFound(template, f"templates/{template} leads outside the clinic folder (a symbolic link?). "
                                             "Copy the file into the clinic's templates folder.")
        if not real.is_file():
            return None
        mtime = real.stat().st_mtime_ns
        source = real.read_text(encoding="utf-8")

        def uptodate() -> bool:
            try:
                return real.stat().st_mtime_ns == mtime
            except OSError:
                return False

        return source, str(candidate), uptodate


def balance(items: Sequence[Any], columns: int = 2) -> list[list[Any]]:
    """Split ``items`` in order into ``columns`` runs of about equal text length.

    Two columns done this way lay out several times faster in WeasyPrint than CSS
    multi-column, which re-lays out the content to balance it.
    """
    weights = [len(str(item)) + 120 for item in items]
    out: list[list[Any]] = [[] for _ in range(columns)]
    total, acc = sum(weights), 0
    for item, weight in zip(items, weights):
        index = min(columns - 1, int((acc + weight / 2) * columns / total)) if total else 0
        out[index].append(item)
        acc += weight
    return out


class TooLarge(SecurityError):
    """A template asked for a repeat, width, shift or power beyond the limits."""


def _too_big(what: str) -> TooLarge:
    return TooLarge(f"{what} is too large to print (the limit is {MAX_NUMBER:,})")


def _check_numbers(args: Sequence[Any], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            raise _too_big("a width or count")


def _check_format(text: Any) -> None:
    if isinstance(text, str) and _BIG_FORMAT_WIDTH.search(text):
        raise _too_big("a format width")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus limits on operations that build huge values from small ones."""

    intercepted_binops = frozenset({"*", "**", "<<", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_OUTPUT:
                    raise _too_big("a repeated text or list")
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_BITS:
                raise _too_big("a product")
        elif operator == "**" and isinstance(left, (int, float)) and isinstance(right, (int, float)):
            if abs(left) > 1 and right * math.log2(abs(left)) > MAX_BITS:
                raise _too_big("a power")
        elif operator == "<<" and isinstance(right, int) and right > MAX_NUMBER:
            raise _too_big("a shift")
        elif operator == "%":
            _check_format(left)
            _check_numbers(right if isinstance(right, tuple) else (right,), {})
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_numbers(args, kwargs)  # 'x'.ljust(10**9), 'x'.center(...)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format(value.__self__)
        return wrapped


SIZED_FILTERS = ("center", "indent", "wordwrap", "truncate", "batch", "slice", "format", "filesizeformat")


def _bounded_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(function)  # keeps Jinja's pass_context/pass_eval_context marks
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_numbers(args[1:], kwargs)
        for value in args[:2]:
            _check_format(value)
        return function(*args, **kwargs)
    return bounded


def new_environment(clinic_templates: Path | None) -> Environment:
    """A bounded, sandboxed, autoescaping, strict environment over the clinic's and the built-in templates."""
    env = BoundedSandbox(
        loader=OverrideLoader(clinic_templates),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["balance"] = balance
    for name in SIZED_FILTERS:
        env.filters[name] = _bounded_filter(env.filters[name])
    return env


class Templates:
    """Compiled templates, one environment per clinic override folder.

    Compiling is not free, so a ``Renderer`` keeps one of these for all its packets;
    it is an explicit object rather than a module cache so that two servers or tests
    in one process never share state by accident (and a templates/ folder a clinic
    adds later is seen by the next Templates).
    """

    def __init__(self) -> None:
        self._environments: dict[Path, Environment] = {}

    def environment(self, clinic_templates: Path) -> Environment:
        if clinic_templates not in self._environments:
            self._environments[clinic_templates] = new_environment(clinic_templates)
        return self._environments[clinic_templates]

    def render(self, loaded: LoadedClinic, name: str, units: int = 1, **values: Any) -> str:
        """Any page template, within the time and size budget; errors name the template file and line."""
        return _render(self.environment(loaded.folder / "templates"), name, units, values)

    def packet_html(self, loaded: LoadedClinic, ctx: Any) -> str:
        """The packet as HTML, from the clinic's templates or the built-in ones."""
        return self.render(loaded, TEMPLATE, p=ctx)


def render_html(loaded: LoadedClinic, ctx: Any) -> str:
    """The packet as HTML with a fresh environment (for one-off checks such as ``validate``)."""
    return Templates().packet_html(loaded, ctx)


class TemplateProblem(RenderError):
    """A template cannot be used; names the template file and line."""

    def __init__(self, file: str | None, line: int | None, message: str):
        self.file, self.line, self.message = file, line, message
        where = f"{file}:{line}: " if file and line else f"{file}: " if file else ""
        super().__init__(f"{where}{message}")


class _OverTime(Exception):
    """Raised by SIGALRM inside a template that runs past the time budget."""


@contextmanager
def _time_budget(seconds: float) -> Iterator[None]:
    """Interrupt the main thread after ``seconds`` (elsewhere, rely on the output checks)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def over(signum: int, frame: Any) -> None:
        raise _OverTime()

    previous = signal.signal(signal.SIGALRM, over)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)  # an alarm someone else set (a test timeout)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:  # put it back with the time that is left
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 0.001))


def _bounded_render(template: Any, values: dict[str, Any], units: int) -> str:
    """Render in chunks, stopping at ``MAX_OUTPUT`` characters or ``TIME_BUDGET`` seconds per unit."""
    parts, size, start = [], 0, time.monotonic()
    for chunk in template.generate(**values):
        parts.append(chunk)
        size += len(chunk)
        if size > MAX_OUTPUT * units:
            raise TemplateProblem(template.filename, None, f"the template makes more than {MAX_OUTPUT * units / 1e6:g} MB "
                                  "of text (a loop that never ends?). Check its loops.")
        if time.monotonic() - start > TIME_BUDGET * units:
            raise _OverTime()
    return "".join(parts)


def _private_strings(values: Any, depth: int = 0, found: set[str] | None = None) -> set[str]:
    """Every text in the values a template was given (patient data included), to cut from messages."""
    found = set() if found is None else found
    if depth > 6 or len(found) > 5_000:
        return found
    if isinstance(values, str):
        if len(values.strip()) >= 3:
            found.add(values.strip())
    elif isinstance(values, dict):
        for item in values.values():
            _private_strings(item, depth + 1, found)
    elif isinstance(values, (list, tuple, set, frozenset)):
        for item in values:
            _private_strings(item, depth + 1, found)
    elif dataclasses.is_dataclass(values) and not isinstance(values, type):
        for item in dataclasses.fields(values):
            _private_strings(getattr(values, item.name, None), depth + 1, found)
    return found


def _no_values(message: str, values: dict[str, Any]) -> str:
    """The error text with every value from the packet cut out, and cut short."""
    for text in sorted(_private_strings(values), key=len, reverse=True):
        message = re.sub(rf"(?<!\w){re.escape(text)}(?!\w)", "[value]", message)
    return excerpt(message, 200, quote=False)


def _render(env: Environment, name: str, units: int, values: dict[str, Any]) -> str:
    """Render within the time and size budget; errors name the template file and line, never a value.

    ``units`` is how many packets' or card sheets' worth the template prints: the
    budgets grow with it (a run of 1,000 wallet cards is about 11 MB of HTML).
    """
    try:
        with _time_budget(TIME_BUDGET * units):
            return _bounded_render(env.get_template(name), values, units)
    except TemplateProblem:
        raise
    except TemplateSyntaxError as exc:
        raise TemplateProblem(exc.filename or exc.name, exc.lineno,
                              f"template syntax error: {_no_values(exc.message or '', values)}.") from None
    except TemplateNotFound as exc:  # the name comes from the template's own text
        raise TemplateProblem(*_template_line(exc), f"template not found: {excerpt(exc.message or str(exc), 200, quote=False)}") from None
    except TooLarge as exc:
        raise TemplateProblem(*_template_line(exc), f"template error: {exc}. Use smaller numbers.") from None
    except SecurityError as exc:
        raise TemplateProblem(*_template_line(exc), f"blocked by the sandbox: {_no_values(str(exc), values).rstrip('.')}. "
                              "Templates may only use the packet's values (p.clinic_name, p.labels, ...).") from None
    except TemplateError as exc:
        raise TemplateProblem(*_template_line(exc), f"template error: {_no_values(str(exc), values).rstrip('.')}.") from None
    except _OverTime as exc:
        raise TemplateProblem(*_template_line(exc), f"the template ran for more than {TIME_BUDGET * units:g} seconds "
                              "(a loop too large?). Check its loops.") from None
    except RecursionError as exc:
        raise TemplateProblem(*_template_line(exc), "the template calls itself without end (a macro, include or "
                              "extends loop). Check which templates include or extend each other.") from None
    except Exception as exc:  # any other error raised by template code: name its type, not its text
        raise TemplateProblem(*_template_line(exc), f"template error: {type(exc).__name__} "
                              f"({_no_values(str(exc), values)}).") from None


def _template_line(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line in the traceback (Jinja maps frames to them)."""
    tb = exc.__traceback__
    where: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".html", ".j2")):
            where = (name, tb.tb_lineno)
        tb = tb.tb_next
    return where
