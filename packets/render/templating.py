"""The Jinja environment: sandboxed, autoescaped, strict, with clinic overrides.

Every template runs in Jinja's immutable sandbox, built-in ones included, so a clinic
override cannot reach Python internals. Autoescape is on for every file name (the
stock ``select_autoescape`` only covers .html/.xml), and ``StrictUndefined`` turns a
misspelt variable into an error instead of a blank on a patient's sheet.

Search order: the clinic's ``templates/`` folder, then the built-in templates. A name
starting with ``!base/`` always means the built-in file, so an override can extend
the very template it replaces.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from jinja2 import BaseLoader, Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from packets.assets.paths import templates_dir
from packets.config.loading import LoadedClinic
from packets.errors import RenderError

BASE_PREFIX = "!base/"
TEMPLATE = "packet.html"


class OverrideLoader(BaseLoader):
    """Clinic folder first, built-ins second; ``!base/name`` skips the clinic folder."""

    def __init__(self, clinic_dir: Path | None):
        self.builtin = FileSystemLoader(str(templates_dir()))
        self.clinic = FileSystemLoader(str(clinic_dir)) if clinic_dir and clinic_dir.is_dir() else None

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Callable[[], bool] | None]:
        if template.startswith(BASE_PREFIX):
            return self.builtin.get_source(environment, template[len(BASE_PREFIX):])
        if self.clinic is not None:
            try:
                return self.clinic.get_source(environment, template)
            except TemplateNotFound:
                pass
        return self.builtin.get_source(environment, template)


def balance(items: Sequence[Any], columns: int = 2) -> list[list[Any]]:
    """Split ``items`` in order into ``columns`` runs of about equal text length.

    Two columns done this way lay out several times faster in WeasyPrint than CSS
    multi-column, which re-lays out the content to balance it.
    """
    weights = [len(str(item)) + 120 for item in items]
    total, out, acc = sum(weights), [[] for _ in range(columns)], 0
    for item, weight in zip(items, weights):
        index = min(columns - 1, int((acc + weight / 2) * columns / total)) if total else 0
        out[index].append(item)
        acc += weight
    return out


def new_environment(clinic_templates: Path | None) -> Environment:
    """A sandboxed, autoescaping, strict environment over the clinic's and the built-in templates."""
    env = ImmutableSandboxedEnvironment(
        loader=OverrideLoader(clinic_templates),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["balance"] = balance
    return env


class Templates:
    """Compiled templates, one environment per clinic override folder.

    Compiling is not free, so a ``Renderer`` keeps one of these for all its packets;
    it is an explicit object rather than a module cache so that two servers or tests
    in one process never share state by accident.
    """

    def __init__(self) -> None:
        self._environments: dict[Path, Environment] = {}

    def environment(self, clinic_templates: Path) -> Environment:
        if clinic_templates not in self._environments:
            self._environments[clinic_templates] = new_environment(clinic_templates)
        return self._environments[clinic_templates]

    def render(self, loaded: LoadedClinic, name: str, **values: Any) -> str:
        """Any page template; errors name the template file and line."""
        return _render(self.environment(loaded.folder / "templates"), name, values)

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


def render_template(loaded: LoadedClinic, name: str, **values: Any) -> str:
    """Any page template with a fresh environment; errors name the template file and line."""
    return Templates().render(loaded, name, **values)


def _render(env: Environment, name: str, values: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(**values)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(exc.filename or exc.name, exc.lineno, f"template syntax error: {exc.message}.") from None
    except SecurityError as exc:
        raise TemplateProblem(*_template_line(exc), f"blocked by the sandbox: {str(exc).rstrip('.')}. "
                              "Templates may only use the packet's values (p.clinic_name, p.labels, ...).") from None
    except TemplateError as exc:
        raise TemplateProblem(*_template_line(exc), f"template error: {str(exc).rstrip('.')}.") from None


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
