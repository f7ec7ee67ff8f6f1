"""In-cluster components (Istio installation, External Secrets Operator)."""
