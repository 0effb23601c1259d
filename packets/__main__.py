"""``python -m packets``: the same commands as the ``packets`` script."""

from packets.cli.main import main

if __name__ == "__main__":
    main(prog_name="packets")
