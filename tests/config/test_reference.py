"""README's config reference is generated from the schema, and kept current."""

from __future__ import annotations

import subprocess
import sys

from packets.config.reference import describe_type, markdown, readme_section
from packets.config.schema import Clinic

from conftest import PACKETS, REPO


def test_readme_reference_matches_the_schema() -> None:
    section = readme_section((REPO / "README.md").read_text(encoding="utf-8"))
    assert section is not None, "README.md lost its config-reference markers"
    assert section == markdown(), "README.md is stale: run `packets schema --write README.md`"


def test_every_key_of_the_schema_is_in_the_reference() -> None:
    table = markdown()
    for name in Clinic.model_fields:
        assert f"| `{name}` |" in table
    assert "| `treatments.<kind>.driving` | hours 1-72, or `next-day` | required |" in table
    assert describe_type(list[int]) == "list of whole numbers"


def test_schema_command_prints_the_table() -> None:
    done = subprocess.run([*PACKETS, "schema"], capture_output=True, text=True, check=True)
    assert done.stdout == markdown()


def test_commands_that_do_not_render_do_not_import_weasyprint(tmp_path) -> None:
    probe = (
        "import sys\n"
        "from packets.cli.main import main\n"
        "try:\n"
        "    main(sys.argv[1:], standalone_mode=False)\n"
        "finally:\n"
        "    assert 'weasyprint' not in sys.modules, 'weasyprint was imported'\n"
    )
    for args in (["validate", "--help"], ["init-clinic", "quick", "--dir", str(tmp_path)],
                 ["validate", "--no-render", str(tmp_path / "quick")], ["--help"]):
        done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True)
        assert done.returncode == 0, (args, done.stderr)
