"""What pytest-fft writes for people to read about a project (the ``fft dag --html`` page).
"""
