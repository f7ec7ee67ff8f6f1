"""Azure resource components (network, AKS, Key Vault, APIM, Application Gateway)."""
