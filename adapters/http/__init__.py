"""The HTTP API v1 (API.md): one router per resource."""
