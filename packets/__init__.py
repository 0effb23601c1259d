"""Print-ready ketamine aftercare packets from a clinic's YAML config.

The pipeline runs one way: config -> content -> render -> batch -> cli.
"""

__version__ = "0.1.0"
