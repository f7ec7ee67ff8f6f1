"""`meshward preflight`: what a first `pulumi up` of a stack needs (pure checks)."""
