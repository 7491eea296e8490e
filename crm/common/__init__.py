"""Small pieces every domain shares: errors, permissions, pagination, money, time."""
