"""``python -m packets``: the same commands as the ``packets`` script."""

from packets.cli.main import run

if __name__ == "__main__":
    run()
