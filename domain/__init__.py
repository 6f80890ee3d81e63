"""The joint mechanisms' aggregates and rules: standard library and eventsourcing.domain only."""
