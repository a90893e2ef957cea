"""The AMI boundary. Only this package reads or writes AMI text; everything outside it sees
typed domain events (:mod:`dialer.events`) and typed commands (:mod:`dialer.ami.pbx`)."""
