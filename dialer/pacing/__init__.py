"""Pacing: how many lines to dial now (pure pacers, the abandon meter, the AMD governor) and the
call-centre simulation that measures them (``recoup simulate``)."""
