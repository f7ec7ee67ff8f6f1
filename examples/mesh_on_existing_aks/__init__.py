"""Mesh security on an existing AKS cluster (a Pulumi project; see README.md)."""
