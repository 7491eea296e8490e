"""Products, NDAs, NDA-gated grants, deals and payments."""
