"""`genlab bench`: training throughput measured side by side (`throughput`), the command
that runs it and checks the targets shipped with the package (`command`, `targets.yaml`)."""
