"""The writes, named `<entity>_<action>` (docs/architecture.md): every state change locks the
account, runs the pure domain, saves once, and publishes its events after commit."""
