from pytest_fft.cli.main import console_main

console_main()
