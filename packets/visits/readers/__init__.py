"""Readers for each schedule format: CSV (with column maps), FHIR R4 JSON and HL7 v2 SIU.

Each turns a file into the same ``Records`` (our field name -> text, per source row
or message), which ``visits.schedule`` turns into visits with one set of rules.
"""
