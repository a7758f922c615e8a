"""The HTTP API: probes at the root, versioned JSON resources under ``/api/v1``."""
