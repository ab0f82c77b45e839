"""Pure trading domain: no Django, DRF or Channels imports (see docs/architecture.md).

The worker, the REST API, the manual feed and the backtest all drive this code, so
every path fills and books the same way.
"""
