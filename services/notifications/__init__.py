"""The outbound side: contacts, the deliveries the notifier owes, the messages and reminders."""
