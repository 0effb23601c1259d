"""Files the tool ships with: built-in templates, shared content and fonts.

This is the base layer every stage may use. It only says where packaged files are
and what the bundled fonts can draw; it knows nothing about clinics or patients.
"""
