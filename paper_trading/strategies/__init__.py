"""Pure strategies and their indicators (docs/strategies.md): the same code in the chart's
overlays, bots and backtests. No Django."""
