"""Example Pulumi projects (each directory is one); packages only so mypy can tell their
`__main__.py` files apart."""
