"""The outbound dialer: the AMI boundary (`dialer.ami`), pacing (`dialer.pacing`) and the engine."""
