"""The mock-engine harness: run the real program offline and capture a plan."""
