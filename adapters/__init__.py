"""All I/O: HTTP, CLI, Kafka, databases, configuration."""
