"""The ground segment: passes, station control, receive chain, archive, commanding, files, alarms.

It sees only bytes from a TNC and its own archive; its orbit knowledge comes from element sets.
It never imports ``picodragon.fsw``, ``picodragon.physics`` or ``picodragon.mission``.
"""
