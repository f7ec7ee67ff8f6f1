"""What changes between two plans of a stack: resources, access and guardrail findings.

Pure functions over the files `meshward plan` writes (`plan.json`, `access.json`,
`mesh-settings.json`, `findings.json`); planning git revisions is the CLI's job
(`meshward.cli.diff`)."""
