"""Export a planned stack in the formats independent scanners read: one ARM deployment
template (`arm`) and Kubernetes YAML plus Helm values (`kubernetes`)."""
