"""Edge only (App Gateway + WAF + APIM) in an existing VNet (a Pulumi project; see README.md)."""
