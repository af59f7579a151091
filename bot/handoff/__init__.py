"""Human handoff: handoff records, officer routing, early warning."""
