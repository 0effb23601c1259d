"""Stage 3, visits: one patient's treatment visit, and the schedule readers that make visits.

Every rule about a visit lives in ``model.Visit``; readers and the CLI only parse text.
"""
