"""Mesh security: Istio security objects, their validation and an offline simulator of them."""
