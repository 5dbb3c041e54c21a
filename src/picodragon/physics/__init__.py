"""The twin: orbit and decay, Sun and eclipse, field, attitude, power, thermal, sensors, camera.

Physics imports only ``picodragon.config`` and ``picodragon.elements``; its device models fit
the HAL protocols of ``picodragon.fsw.hal`` structurally.
"""
