"""The portal's rules: accounts and sessions, NDA signatures, and what a creator does there
(submissions, feedback, works and consents), each calling the owning domain's services
with the creator as actor."""
