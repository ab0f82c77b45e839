"""Typed domain errors. Each has a stable `code` and the HTTP status the API maps it to, given
as class arguments: `class NoPrice(DomainError, code="no_price", status=503)`."""


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "domain_error"
    status = 400
    # More of the error body than code, message and errors (e.g. an unknown symbol's suggestions).
    extra: dict = {}

    def __init_subclass__(cls, *, code: str | None = None, status: int | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code
        if status is not None:
            cls.status = status

    def __init__(self, message: str = "", *, code: str | None = None, field: str | None = None):
        super().__init__(message or self.code)
        self.message = message or self.code.replace("_", " ")
        if code:
            self.code = code
        self.field = field


class InvalidInput(DomainError, code="validation_error", status=400):
    """The request is malformed or out of bounds (400)."""


class UnknownSymbol(InvalidInput, code="unknown_symbol"):
    def __init__(self, message: str = "", *, field: str | None = "symbol", suggestions=()):
        super().__init__(message, field=field)
        self.suggestions = list(suggestions)
        if self.suggestions:
            self.extra = {"suggestions": self.suggestions}


class BusinessRefusal(DomainError, code="refused", status=422):
    """A well-formed order the rules refuse (422): risk limits, margin, NFA, price moved."""


class StateConflict(DomainError, code="state_conflict", status=409):
    """The object is not in a state that allows the action (409)."""


class IllegalTransition(StateConflict, code="illegal_transition"):
    pass


class NoPrice(DomainError, code="no_price", status=503):
    """No usable quote for the symbol (503)."""


class NotFound(DomainError, code="not_found", status=404):
    pass
