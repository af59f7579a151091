"""交警信访指引助手: application package (gateway, channels, store, knowledge, handoff, admin)."""
