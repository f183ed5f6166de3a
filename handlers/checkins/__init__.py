"""Check-ins: action plans, the check-in dialogue, the plan view and the draft update to the ERC."""
