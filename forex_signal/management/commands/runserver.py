"""`manage.py runserver`: daphne's development server (autoreload, static files) with the server
class of `manage.py serve`, so Twisted leaves every request body to Django.

Plain daphne has Twisted parse each POST form itself and answer a multipart body it cannot parse
(no boundary) with a bare 400 of its own, before the application sees the request; Django's
answer is the API's error body (docs/api.md, "Errors"). `forex_signal` is listed before `daphne`
in INSTALLED_APPS so that this command is the one `runserver` finds.
"""

from daphne.management.commands.runserver import Command as DaphneRunserver

from paper_trading.management.commands.serve import _server_class


class Command(DaphneRunserver):
    server_cls = _server_class()
