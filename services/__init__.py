"""Applications, agency services and their ports: no FastAPI, no Kafka here."""
