"""The front-desk station: ``packets serve``, a local web page to print the day's packets.

Like the CLI, it only parses input and calls ``packets.facade``. It adds what a page
shared by staff needs: sign-in, sessions, an audit log and retention (``store``),
security headers and CSRF (``security``), and warm renderers (``work``).
"""
