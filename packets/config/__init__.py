"""Stage 1, config: read a clinic's YAML, check it against the schema, load it.

``loading.load_clinic`` is the way in; it returns a ``LoadedClinic`` (the validated
model and the line of every key, so later stages can point errors at the file).
"""
